//! A small LSP client for integration tests: spawns the real binary, speaks
//! JSON-RPC over its stdio with Content-Length framing, answers
//! server-to-client requests, and waits for messages with a timeout (no sleeps).

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub const TIMEOUT: Duration = Duration::from_secs(20);

pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_abstrakt-lsp")
}

pub struct Server {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next_id: i64,
    /// Notifications and requests seen while waiting for something else.
    pub backlog: Vec<Value>,
    /// The server's stderr, when spawned with [`Server::spawn_logged`].
    pub log: Arc<(Mutex<String>, Condvar)>,
}

/// Reads one framed message; `None` at end of stream.
fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("Content-Length: ") {
            length = value.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

impl Server {
    pub fn spawn() -> Self {
        Self::spawn_with(&[], &[])
    }

    pub fn spawn_with(args: &[&str], env: &[(&str, &str)]) -> Self {
        Self::spawn_inner(args, env, false)
    }

    /// Like [`Server::spawn_with`], collecting stderr into [`Server::log`].
    pub fn spawn_logged(args: &[&str], env: &[(&str, &str)]) -> Self {
        Self::spawn_inner(args, env, true)
    }

    fn spawn_inner(args: &[&str], env: &[(&str, &str)], capture_stderr: bool) -> Self {
        let mut command = Command::new(binary());
        command
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(if capture_stderr {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .env_remove("ABSTRAKT_API_KEY")
            .env_remove("ABSTRAKT_API_URL")
            .env_remove("ABSTRAKT_OFFLINE")
            // Never the user's own cache: its API answers would change results.
            .env(
                "ABSTRAKT_CACHE_DIR",
                std::env::temp_dir().join(format!("abstrakt-lsp-tests-{}", std::process::id())),
            )
            .env("RUST_LOG", "warn");
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("spawn abstrakt-lsp");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        let log = Arc::new((Mutex::new(String::new()), Condvar::new()));
        if let Some(stderr) = child.stderr.take() {
            let log = log.clone();
            thread::spawn(move || {
                let mut reader = BufReader::new(stderr);
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                    let (text, changed) = &*log;
                    if let Ok(mut text) = text.lock() {
                        text.push_str(&line);
                    }
                    changed.notify_all();
                    line.clear();
                }
            });
        }
        let (tx, rx) = channel();
        thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if tx.send(message).is_err() {
                    break;
                }
            }
        });
        Server {
            child,
            stdin,
            messages: rx,
            next_id: 1,
            backlog: Vec::new(),
            log,
        }
    }

    /// Everything the server wrote to stderr so far.
    pub fn log_text(&self) -> String {
        self.log.0.lock().map(|t| t.clone()).unwrap_or_default()
    }

    /// Waits until stderr contains `needle`; returns the log.
    pub fn wait_for_log(&self, needle: &str) -> String {
        let (text, changed) = &*self.log;
        let deadline = Instant::now() + TIMEOUT;
        let mut guard = text.lock().expect("log lock");
        while !guard.contains(needle) {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(!left.is_zero(), "log never contained {needle:?}:\n{guard}");
            guard = changed.wait_timeout(guard, left).expect("log lock").0;
        }
        guard.clone()
    }

    pub fn send(&mut self, message: &Value) {
        let body = serde_json::to_vec(message).expect("json");
        write!(self.stdin, "Content-Length: {}\r\n\r\n", body.len()).expect("write header");
        self.stdin.write_all(&body).expect("write body");
        self.stdin.flush().expect("flush");
    }

    /// Sends raw bytes (for malformed-input tests).
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).expect("write");
        self.stdin.flush().expect("flush");
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    pub fn request_async(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        id
    }

    /// Sends a request and returns the whole response (`result` or `error`).
    pub fn request_full(&mut self, method: &str, params: Value) -> Value {
        let id = self.request_async(method, params);
        self.wait_for(|m| m.get("id") == Some(&json!(id)) && m.get("method").is_none())
    }

    /// Sends a request and returns its `result`, failing on an error response.
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.request_full(method, params);
        assert!(
            response.get("error").is_none(),
            "{method} failed: {response}"
        );
        response["result"].clone()
    }

    /// The next message matching `predicate`, answering server requests on the way.
    pub fn wait_for(&mut self, predicate: impl Fn(&Value) -> bool) -> Value {
        self.wait_for_within(TIMEOUT, predicate)
    }

    /// [`Server::wait_for`] with its own time-out (for what waits on a
    /// server-side limit, such as a parse's CPU-time budget).
    pub fn wait_for_within(
        &mut self,
        timeout: Duration,
        predicate: impl Fn(&Value) -> bool,
    ) -> Value {
        if let Some(i) = self.backlog.iter().position(&predicate) {
            return self.backlog.remove(i);
        }
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let message = match self.messages.recv_timeout(left) {
                Ok(m) => m,
                Err(RecvTimeoutError::Timeout) => panic!("timed out; backlog: {:#?}", self.backlog),
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("server closed stdout; backlog: {:#?}", self.backlog)
                }
            };
            self.answer_server_request(&message);
            if predicate(&message) {
                return message;
            }
            self.backlog.push(message);
        }
    }

    /// Server-to-client requests get an empty success answer.
    fn answer_server_request(&mut self, message: &Value) {
        if let (Some(id), Some(_)) = (message.get("id"), message.get("method")) {
            let id = id.clone();
            self.send(&json!({ "jsonrpc": "2.0", "id": id, "result": null }));
        }
    }

    pub fn initialize(&mut self, capabilities: Value, options: Value) -> Value {
        let result = self.request(
            "initialize",
            json!({ "processId": null, "rootUri": null, "capabilities": capabilities, "initializationOptions": options }),
        );
        self.notify("initialized", json!({}));
        result
    }

    /// A server for the workspace folder `root` with the workspace diagnostics
    /// scope (files that are not open are checked too), initialized.
    pub fn start_workspace(root: &std::path::Path, capabilities: Value) -> Self {
        let mut server = Self::spawn();
        server.request(
            "initialize",
            json!({
                "processId": null,
                "rootUri": format!("file://{}", root.display()),
                "capabilities": capabilities,
                "initializationOptions": { "diagnostics": { "scope": "workspace" } }
            }),
        );
        server.notify("initialized", json!({}));
        server
    }

    /// A UTF-16 client with Markdown hovers, like VS Code.
    pub fn start() -> Self {
        let mut server = Self::spawn();
        server.initialize(json!({}), json!({}));
        server
    }

    pub fn open(&mut self, uri: &str, language_id: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": language_id, "version": 1, "text": text } }),
        );
    }

    /// The next `publishDiagnostics` for `uri`.
    pub fn diagnostics(&mut self, uri: &str) -> Value {
        let uri = uri.to_string();
        self.wait_for(move |m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        })["params"]
            .clone()
    }

    /// Waits for diagnostics of `uri` at `version`, skipping older ones.
    pub fn diagnostics_at(&mut self, uri: &str, version: i64) -> Value {
        let uri = uri.to_string();
        self.wait_for(move |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"] == json!(version)
        })["params"]
            .clone()
    }

    pub fn hover(&mut self, uri: &str, line: u32, character: u32) -> Value {
        self.request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": uri }, "position": { "line": line, "character": character } }),
        )
    }

    pub fn shutdown_and_exit(mut self) -> std::process::ExitStatus {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "server did not exit");
            // Polling a child's exit has no event to wait on in std; this is a poll interval, not a timing assumption.
            thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn child(&mut self) -> &mut Child {
        &mut self.child
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `(start line, start char, end line, end char, code, severity)` of each diagnostic.
pub fn summarize(diagnostics: &Value) -> Vec<(u64, u64, u64, u64, String, u64)> {
    diagnostics["diagnostics"]
        .as_array()
        .map(|all| {
            all.iter()
                .map(|d| {
                    (
                        d["range"]["start"]["line"].as_u64().unwrap_or(999),
                        d["range"]["start"]["character"].as_u64().unwrap_or(999),
                        d["range"]["end"]["line"].as_u64().unwrap_or(999),
                        d["range"]["end"]["character"].as_u64().unwrap_or(999),
                        d["code"].as_str().unwrap_or("").to_string(),
                        d["severity"].as_u64().unwrap_or(0),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The byte offset of an LSP position (`utf16`: UTF-16 code units, else UTF-8 bytes).
pub fn offset_of(text: &str, position: &Value, utf16: bool) -> usize {
    let line = position["line"].as_u64().unwrap_or(0) as usize;
    let character = position["character"].as_u64().unwrap_or(0) as usize;
    let mut start = 0;
    for _ in 0..line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let line_text = &text[start..];
    let line_text = &line_text[..line_text.find('\n').unwrap_or(line_text.len())];
    if !utf16 {
        return start + character.min(line_text.len());
    }
    let mut units = 0;
    for (i, c) in line_text.char_indices() {
        if units >= character {
            return start + i;
        }
        units += c.len_utf16();
    }
    start + line_text.len()
}

/// `text` with LSP `TextEdit`s (non-overlapping, UTF-16 positions) applied.
pub fn apply_edits(text: &str, edits: &Value) -> String {
    apply_edits_in(text, edits, true)
}

/// [`apply_edits`] for UTF-16 (`utf16`) or UTF-8 positions.
pub fn apply_edits_in(text: &str, edits: &Value, utf16: bool) -> String {
    let mut edits: Vec<(usize, usize, String)> = edits
        .as_array()
        .expect("edits")
        .iter()
        .map(|e| {
            (
                offset_of(text, &e["range"]["start"], utf16),
                offset_of(text, &e["range"]["end"], utf16),
                e["newText"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = text.to_string();
    for (start, end, new_text) in edits {
        out.replace_range(start..end, &new_text);
    }
    out
}

/// The code actions for every diagnostic published for `uri`.
pub fn code_actions(server: &mut Server, uri: &str, diagnostics: &Value) -> Vec<Value> {
    let mut all = Vec::new();
    for diagnostic in diagnostics.as_array().expect("diagnostics") {
        let actions = server.request(
            "textDocument/codeAction",
            json!({
                "textDocument": { "uri": uri },
                "range": diagnostic["range"],
                "context": { "diagnostics": [diagnostic] }
            }),
        );
        all.extend(actions.as_array().cloned().unwrap_or_default());
    }
    all
}
