//! Helpers for the command-line tests: run the real binary, build throwaway trees.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// The committed fixture project the format snapshots run on.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Runs `abstrakt-lsp ARGS` in `cwd` with a clean environment for our variables.
pub fn run(cwd: &Path, args: &[&str]) -> Output {
    run_with(cwd, args, &[])
}

pub fn run_with(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_abstrakt-lsp"));
    command
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("ABSTRAKT_API_KEY")
        .env_remove("ABSTRAKT_API_URL")
        .env_remove("ABSTRAKT_OFFLINE")
        .env(
            "ABSTRAKT_CACHE_DIR",
            std::env::temp_dir().join("abstrakt-lsp-cli-tests-cache"),
        )
        .env("SOURCE_DATE_EPOCH", "1767225600"); // 2026-01-01
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("the binary runs");
    Output {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A temporary directory with files written into it (not a git repository).
pub struct Tree {
    pub dir: tempfile::TempDir,
}

impl Tree {
    pub fn new(files: &[(&str, &[u8])]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let tree = Tree { dir };
        for (path, contents) in files {
            tree.write(path, contents);
        }
        tree
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, path: &str, contents: &[u8]) {
        let full = self.dir.path().join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(full, contents).expect("write");
    }

    pub fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(path)).expect("read")
    }
}

/// `(file, line, column, endLine, endColumn, code)` of every finding in JSON output.
pub fn json_findings(stdout: &str) -> Vec<(String, u64, u64, u64, u64, String)> {
    let value: serde_json::Value = serde_json::from_str(stdout).expect("JSON output");
    value["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or_default(),
                f["column"].as_u64().unwrap_or_default(),
                f["endLine"].as_u64().unwrap_or_default(),
                f["endColumn"].as_u64().unwrap_or_default(),
                f["code"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// A real HTTP server on 127.0.0.1 standing in for the Abstrakt API:
/// `respond` maps each request line (`GET /v1/models/x HTTP/1.1`) to a status
/// and a JSON body. Returns the base URL (`http://127.0.0.1:PORT/v1`) and the
/// request lines seen, each with its Authorization header.
pub fn serve_api(
    respond: impl Fn(&str) -> (&'static str, &'static str) + Send + 'static,
) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/v1", listener.local_addr().expect("addr"));
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut request = String::new();
            let mut auth = String::new();
            let mut line = String::new();
            while reader.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
                if line == "\r\n" {
                    break;
                }
                if request.is_empty() {
                    request = line.trim_end().to_string();
                } else if line.to_ascii_lowercase().starts_with("authorization:") {
                    auth = line.trim_end().to_string();
                }
                line.clear();
            }
            log.lock().expect("log").push(format!("{request} | {auth}"));
            let (status, body) = respond(&request);
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (url, seen)
}
