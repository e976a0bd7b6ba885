//! The Abstrakt API as a licensing source, against a real HTTP server on
//! 127.0.0.1 started by each test (hand-written HTTP/1.1 over std's
//! TcpListener; no mock of the client library).

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Instant;

use common::{Server, TIMEOUT, summarize};
use serde_json::{Value, json};

const KEY: &str = "sk_test_k3y-that-must-never-leak-4242";

/// One request as the fake API saw it.
#[derive(Debug, Clone)]
struct Request {
    method: String,
    path: String,
    headers: HashMap<String, String>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

/// What the fake API does with a request.
enum Reply {
    Json(u16, Value),
    Raw {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Accepts the request and never answers.
    Hang,
    /// A 50 MB body without a Content-Length, streamed until the client hangs up.
    Huge,
}

type Handler = dyn Fn(&Request, usize) -> Reply + Send + Sync;

/// A tiny HTTP/1.1 server on 127.0.0.1 with a scripted handler. `usize` is
/// the request's ordinal (0-based) among requests to the same path.
struct FakeApi {
    port: u16,
    requests: Arc<(Mutex<Vec<Request>>, Condvar)>,
}

impl FakeApi {
    fn start(handler: impl Fn(&Request, usize) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let requests: Arc<(Mutex<Vec<Request>>, Condvar)> = Arc::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let log = requests.clone();
        thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { break };
                let handler = handler.clone();
                let log = log.clone();
                thread::spawn(move || serve_connection(stream, &*handler, &log));
            }
        });
        FakeApi { port, requests }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    fn requests(&self) -> Vec<Request> {
        self.requests.0.lock().expect("lock").clone()
    }

    /// Waits until at least `n` requests arrived.
    fn wait_requests(&self, n: usize) -> Vec<Request> {
        self.wait_until(|requests| requests.len() >= n)
    }

    /// Waits until the requests so far satisfy `done`.
    fn wait_until(&self, done: impl Fn(&[Request]) -> bool) -> Vec<Request> {
        let (list, arrived) = &*self.requests;
        let deadline = Instant::now() + TIMEOUT;
        let mut guard = list.lock().expect("lock");
        while !done(&guard) {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "only {} requests: {:#?}",
                guard.len(),
                *guard
            );
            guard = arrived.wait_timeout(guard, left).expect("lock").0;
        }
        guard.clone()
    }
}

fn serve_connection(stream: TcpStream, handler: &Handler, log: &(Mutex<Vec<Request>>, Condvar)) {
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut stream = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = request_line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_string();
        let path = parts.next().unwrap_or_default().to_string();
        let mut headers = HashMap::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
            }
        }
        if let Some(length) = headers
            .get("content-length")
            .and_then(|l| l.parse::<usize>().ok())
        {
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
        }
        let request = Request {
            method,
            path,
            headers,
        };
        let ordinal = {
            let (list, arrived) = log;
            let mut list = list.lock().expect("lock");
            let ordinal = list.iter().filter(|r| r.path == request.path).count();
            list.push(request.clone());
            arrived.notify_all();
            ordinal
        };
        match handler(&request, ordinal) {
            Reply::Json(status, body) => {
                let body = serde_json::to_vec(&body).unwrap_or_default();
                if write_response(
                    &mut stream,
                    status,
                    &[("Content-Type".into(), "application/json".into())],
                    &body,
                )
                .is_err()
                {
                    return;
                }
            }
            Reply::Raw {
                status,
                headers,
                body,
            } => {
                if write_response(&mut stream, status, &headers, &body).is_err() {
                    return;
                }
            }
            Reply::Hang => {
                // Hold the connection open, answering nothing, until the test ends.
                let mut sink = [0u8; 1];
                let _ = reader.read(&mut sink);
                return;
            }
            Reply::Huge => {
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{{\"id\":\"flux-dev\",\"name\":\""
                );
                let chunk = vec![b'a'; 64 * 1024];
                for _ in 0..(50 * 1024 * 1024 / chunk.len()) {
                    if stream.write_all(&chunk).is_err() {
                        return;
                    }
                }
                let _ = stream.write_all(b"\"}");
                return;
            }
        }
    }
}

fn write_response(
    stream: &mut TcpStream,
    status: u16,
    headers: &[(String, String)],
    body: &[u8],
) -> std::io::Result<()> {
    let mut head = format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()
}

/// The API's answer for a model: licensing different from the built-in data.
fn api_flux() -> Value {
    json!({
        "id": "flux-dev",
        "name": "FLUX Dev",
        "category": "text-to-image",
        "provider": "fal-ai",
        "pricing": { "credits_per_run": 2 },
        "licensing": {
            "commercial": false,
            "attribution": "Not required",
            "restrictions": ["No deepfakes"],
            "license": "FLUX.1-dev-API",
            "licenseUrl": "https://example.com/license"
        }
    })
}

fn not_found() -> Reply {
    Reply::Json(
        404,
        json!({ "error": { "code": "MODEL_NOT_FOUND", "message": "Model not found" } }),
    )
}

/// Answers `flux-dev` with [`api_flux`], everything else 404, with an ETag.
fn licensing_api(request: &Request, _: usize) -> Reply {
    if request.path == "/v1/models/flux-dev" {
        if request.header("if-none-match") == Some("\"flux-1\"") {
            return Reply::Raw {
                status: 304,
                headers: vec![("ETag".into(), "\"flux-1\"".into())],
                body: Vec::new(),
            };
        }
        return Reply::Raw {
            status: 200,
            headers: vec![
                ("Content-Type".into(), "application/json".into()),
                ("ETag".into(), "\"flux-1\"".into()),
                ("X-RateLimit-Remaining".into(), "99".into()),
            ],
            body: serde_json::to_vec(&api_flux()).unwrap_or_default(),
        };
    }
    not_found()
}

struct Setup {
    _dir: tempfile::TempDir,
    root: PathBuf,
    cache: PathBuf,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("project");
    std::fs::create_dir_all(&root).expect("mkdir");
    let cache = dir.path().join("cache");
    Setup {
        root,
        cache,
        _dir: dir,
    }
}

fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// A server with the API at `api`, the key, and `cache` as its cache folder.
fn server_for(api: &str, cache: &Path, extra: &[(&str, &str)]) -> Server {
    let cache = cache.display().to_string();
    let mut env = vec![
        ("ABSTRAKT_API_URL", api),
        ("ABSTRAKT_API_KEY", KEY),
        ("ABSTRAKT_CACHE_DIR", cache.as_str()),
        ("RUST_LOG", "abstrakt_lsp=debug,info"),
    ];
    env.extend_from_slice(extra);
    let mut server = Server::spawn_logged(&[], &env);
    server.initialize(json!({}), json!({}));
    server
}

const FLUX: &str = "await abstrakt.run('flux-dev', { prompt });\n";

fn codes(published: &Value) -> Vec<String> {
    summarize(published).into_iter().map(|d| d.4).collect()
}

/// Waits for diagnostics of `uri` whose codes are exactly `expected`.
fn wait_codes(server: &mut Server, uri: &str, expected: &[&str]) -> Value {
    let uri = uri.to_string();
    let expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
    server.wait_for(move |m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == uri
            && codes(&m["params"]) == expected
    })["params"]
        .clone()
}

fn hover_text(server: &mut Server, uri: &str, line: u32, character: u32) -> String {
    server.hover(uri, line, character)["contents"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn open_flux(server: &mut Server, setup: &Setup, name: &str) -> String {
    let path = setup.root.join(name);
    let uri = uri(&path);
    server.open(&uri, "typescript", FLUX);
    uri
}

#[test]
fn licensing_is_fetched_with_the_key_and_overrides_the_builtin_answer() {
    let api = FakeApi::start(licensing_api);
    let setup = setup();
    let mut server = server_for(&api.url(), &setup.cache, &[]);
    let uri = open_flux(&mut server, &setup, "app.ts");
    // Answered at once from the built-in registry...
    assert_eq!(codes(&server.diagnostics(&uri)), ["attribution-required"]);
    // ...then re-published with the API's answer.
    let published = wait_codes(&mut server, &uri, &["non-commercial"]);
    assert!(
        published["diagnostics"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("FLUX.1-dev-API")
    );
    let requests = api.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "GET");
    assert_eq!(requests[0].path, "/v1/models/flux-dev");
    assert_eq!(
        requests[0].header("authorization"),
        Some(&*format!("Bearer {KEY}"))
    );
    let card = hover_text(&mut server, &uri, 0, 22);
    assert!(
        card.contains("Source: Abstrakt API, fetched just now"),
        "{card}"
    );
    assert!(card.contains("FLUX.1-dev-API"), "{card}");
}

#[test]
fn ids_with_slashes_go_into_the_path_as_they_are() {
    let api = FakeApi::start(|request, _| {
        if request.path == "/v1/models/fal-ai/flux/schnell" {
            Reply::Json(
                200,
                json!({ "id": "fal-ai/flux/schnell", "licensing": { "license": "Custom-NC", "commercial": false, "attribution": "Required" } }),
            )
        } else {
            not_found()
        }
    });
    let setup = setup();
    let mut server = server_for(&api.url(), &setup.cache, &[]);
    let uri = uri(&setup.root.join("a.ts"));
    server.open(&uri, "typescript", "abstrakt.run('fal-ai/flux/schnell');\n");
    wait_codes(
        &mut server,
        &uri,
        &["attribution-required", "non-commercial"],
    );
    assert_eq!(api.requests()[0].path, "/v1/models/fal-ai/flux/schnell");
}

#[test]
fn a_refused_key_is_reported_once_and_not_retried() {
    let api = FakeApi::start(|_, _| {
        Reply::Json(
            401,
            json!({ "error": { "code": "UNAUTHORIZED", "message": "Invalid API key" } }),
        )
    });
    let setup = setup();
    let mut server = server_for(&api.url(), &setup.cache, &[]);
    let uri = open_flux(&mut server, &setup, "app.ts");
    assert_eq!(codes(&server.diagnostics(&uri)), ["attribution-required"]);
    let message = server.wait_for(|m| m["method"] == "window/showMessage");
    let text = message["params"]["message"].as_str().unwrap_or_default();
    assert!(text.contains("rejected the API key"), "{text}");
    assert!(!text.contains(KEY));
    // Other ids are not requested any more.
    let other = uri_for(&setup, "b.ts");
    server.open(&other, "typescript", "abstrakt.run('flux-schnell');\n");
    server.diagnostics(&other);
    server.hover(&other, 0, 16);
    assert_eq!(api.requests().len(), 1);
    assert!(
        !server
            .backlog
            .iter()
            .any(|m| m["method"] == "window/showMessage"),
        "reported once"
    );
}

fn uri_for(setup: &Setup, name: &str) -> String {
    uri(&setup.root.join(name))
}

#[test]
fn an_id_unknown_to_the_api_keeps_the_builtin_answer() {
    let api = FakeApi::start(|_, _| not_found());
    let setup = setup();
    let mut server = server_for(&api.url(), &setup.cache, &[]);
    let uri = uri_for(&setup, "a.ts");
    server.open(
        &uri,
        "typescript",
        "abstrakt.run('flux-dev');\nabstrakt.run('acme/nope');\n",
    );
    assert_eq!(
        codes(&server.diagnostics(&uri)),
        ["attribution-required", "unknown-model"]
    );
    // Re-published after the 404s, unchanged.
    let again = server.diagnostics(&uri);
    assert_eq!(codes(&again), ["attribution-required", "unknown-model"]);
    api.wait_requests(2);
}

#[test]
fn rate_limits_are_retried_after_retry_after() {
    let api = FakeApi::start(|request, ordinal| {
        if ordinal == 0 {
            Reply::Json(
                429,
                json!({ "error": { "code": "RATE_LIMITED", "message": "Rate limit exceeded. Retry after 1 seconds.", "retry_after": 1 } }),
            )
        } else {
            licensing_api(request, ordinal)
        }
    });
    let setup = setup();
    let mut server = server_for(&api.url(), &setup.cache, &[]);
    let uri = open_flux(&mut server, &setup, "app.ts");
    wait_codes(&mut server, &uri, &["non-commercial"]);
    let requests = api.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests.iter().all(|r| r.path == "/v1/models/flux-dev"));
}

#[test]
fn server_errors_are_retried_a_bounded_number_of_times() {
    let api = FakeApi::start(|_, _| {
        Reply::Json(
            500,
            json!({ "error": { "code": "INTERNAL", "message": "boom" } }),
        )
    });
    let setup = setup();
    let mut server = server_for(&api.url(), &setup.cache, &[]);
    let uri = open_flux(&mut server, &setup, "app.ts");
    assert_eq!(codes(&server.diagnostics(&uri)), ["attribution-required"]);
    server.wait_for_log("the Abstrakt API is unavailable: HTTP 500");
    assert_eq!(api.requests().len(), 3);
    // Still serving from the built-in data.
    assert!(hover_text(&mut server, &uri, 0, 22).contains("Source: built-in registry"));
}

#[test]
fn non_json_answers_are_logged_and_ignored() {
    let api = FakeApi::start(|_, _| Reply::Raw {
        status: 200,
        headers: vec![("Content-Type".into(), "text/html".into())],
        body: b"<html>maintenance</html>".to_vec(),
    });
    let setup = setup();
    let mut server = server_for(&api.url(), &setup.cache, &[]);
    let uri = open_flux(&mut server, &setup, "app.ts");
    assert_eq!(codes(&server.diagnostics(&uri)), ["attribution-required"]);
    server.wait_for_log("unexpected Abstrakt API answer");
    assert!(hover_text(&mut server, &uri, 0, 22).contains("Source: built-in registry"));
}

#[test]
fn wrong_shaped_licensing_keeps_the_builtin_answer() {
    let api = FakeApi::start(|_, _| {
        Reply::Json(
            200,
            json!({ "id": "flux-dev", "licensing": { "commercial": "maybe" } }),
        )
    });
    let setup = setup();
    let mut server = server_for(&api.url(), &setup.cache, &[]);
    let uri = open_flux(&mut server, &setup, "app.ts");
    assert_eq!(codes(&server.diagnostics(&uri)), ["attribution-required"]);
    assert_eq!(codes(&server.diagnostics(&uri)), ["attribution-required"]);
    server.wait_for_log("licensing object of unexpected shape");
}

#[test]
fn a_50_mb_body_is_cut_off_and_ignored() {
    let api = FakeApi::start(|_, _| Reply::Huge);
    let setup = setup();
    let mut server = server_for(&api.url(), &setup.cache, &[]);
    let uri = open_flux(&mut server, &setup, "app.ts");
    assert_eq!(codes(&server.diagnostics(&uri)), ["attribution-required"]);
    server.wait_for_log("larger than 2097152 bytes");
    assert!(hover_text(&mut server, &uri, 0, 22).contains("Source: built-in registry"));
}

#[test]
fn hovers_answer_while_the_api_never_does() {
    let api = FakeApi::start(|_, _| Reply::Hang);
    let setup = setup();
    let mut server = server_for(&api.url(), &setup.cache, &[]);
    let uri = open_flux(&mut server, &setup, "app.ts");
    assert_eq!(codes(&server.diagnostics(&uri)), ["attribution-required"]);
    // The fetch is under way and will not finish before its 20 s timeout...
    api.wait_requests(1);
    // ...and the hover still answers, from the built-in data.
    let card = hover_text(&mut server, &uri, 0, 22);
    assert!(card.contains("Source: built-in registry"), "{card}");
    let edit = json!({
        "textDocument": { "uri": uri, "version": 2 },
        "contentChanges": [{ "text": "abstrakt.run('musicgen');\n" }]
    });
    server.notify("textDocument/didChange", edit);
    assert_eq!(codes(&server.diagnostics_at(&uri, 2)), ["non-commercial"]);
}

fn cache_files(cache: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(cache.join("models"))
        .map(|dir| dir.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default()
}

#[test]
fn the_cache_survives_a_restart_expires_revalidates_and_recovers_from_corruption() {
    let api = FakeApi::start(licensing_api);
    let setup = setup();

    // 1. Fetched and cached.
    let mut first = server_for(&api.url(), &setup.cache, &[]);
    let uri = open_flux(&mut first, &setup, "app.ts");
    wait_codes(&mut first, &uri, &["non-commercial"]);
    assert!(first.shutdown_and_exit().success());
    let files: Vec<PathBuf> = cache_files(&setup.cache)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let cached: Value =
        serde_json::from_slice(&std::fs::read(&files[0]).expect("read")).expect("json");
    assert_eq!(cached["etag"], "\"flux-1\"");
    assert_eq!(api.requests().len(), 1);

    // 2. A restart answers from the cache at once, without a request.
    let mut second = server_for(&api.url(), &setup.cache, &[]);
    let uri = open_flux(&mut second, &setup, "app.ts");
    assert_eq!(codes(&second.diagnostics(&uri)), ["non-commercial"]);
    second.hover(&uri, 0, 22);
    assert_eq!(api.requests().len(), 1);
    drop(second);

    // 3. Expired: the built-in answer first, then a revalidation with the ETag (304).
    let mut entry = cached.clone();
    entry["fetched_at"] = json!(cached["fetched_at"].as_i64().unwrap_or(0) - 25 * 3600);
    std::fs::write(&files[0], serde_json::to_vec(&entry).expect("json")).expect("write");
    let mut third = server_for(&api.url(), &setup.cache, &[]);
    let uri = open_flux(&mut third, &setup, "app.ts");
    assert_eq!(codes(&third.diagnostics(&uri)), ["attribution-required"]);
    wait_codes(&mut third, &uri, &["non-commercial"]);
    let requests = api.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].header("if-none-match"), Some("\"flux-1\""));
    let refreshed: Value =
        serde_json::from_slice(&std::fs::read(&files[0]).expect("read")).expect("json");
    assert!(refreshed["fetched_at"].as_i64() > entry["fetched_at"].as_i64());
    drop(third);

    // 4. Corrupted on disk: discarded, fetched again, rewritten.
    std::fs::write(&files[0], b"{\"version\": 1, \"api\": tru").expect("corrupt");
    let mut fourth = server_for(&api.url(), &setup.cache, &[]);
    let uri = open_flux(&mut fourth, &setup, "app.ts");
    assert_eq!(codes(&fourth.diagnostics(&uri)), ["attribution-required"]);
    wait_codes(&mut fourth, &uri, &["non-commercial"]);
    let rewritten: Value =
        serde_json::from_slice(&std::fs::read(&files[0]).expect("read")).expect("valid again");
    assert_eq!(rewritten["model"]["licensing"]["license"], "FLUX.1-dev-API");
    assert!(
        fourth
            .log_text()
            .contains("discarding a corrupt cache file")
    );
}

#[test]
fn two_servers_share_one_cache_folder() {
    let api = FakeApi::start(licensing_api);
    let setup = setup();
    let mut a = server_for(&api.url(), &setup.cache, &[]);
    let mut b = server_for(&api.url(), &setup.cache, &[]);
    let uri_a = open_flux(&mut a, &setup, "a.ts");
    let uri_b = open_flux(&mut b, &setup, "b.ts");
    let ids: Vec<String> = (0..12)
        .map(|i| format!("abstrakt.run('model-{i}');\n"))
        .collect();
    let many_a = uri_for(&setup, "many-a.ts");
    let many_b = uri_for(&setup, "many-b.ts");
    a.open(&many_a, "typescript", &ids.concat());
    b.open(&many_b, "typescript", &ids.concat());
    wait_codes(&mut a, &uri_a, &["non-commercial"]);
    wait_codes(&mut b, &uri_b, &["non-commercial"]);
    // Every cache file is whole and parses.
    for file in cache_files(&setup.cache) {
        if file.extension().is_some_and(|e| e == "json") {
            let bytes = std::fs::read(&file).expect("read");
            serde_json::from_slice::<Value>(&bytes)
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        }
    }
    // A third server sees the answer in the shared folder without asking.
    let flux_requests = || {
        api.requests()
            .iter()
            .filter(|r| r.path == "/v1/models/flux-dev")
            .count()
    };
    let before = flux_requests();
    assert!((1..=2).contains(&before), "{before}");
    let mut c = server_for(&api.url(), &setup.cache, &[]);
    let uri_c = open_flux(&mut c, &setup, "c.ts");
    assert_eq!(codes(&c.diagnostics(&uri_c)), ["non-commercial"]);
    c.hover(&uri_c, 0, 22);
    assert_eq!(flux_requests(), before);
    // The batch of many ids was asked for with one list request per server.
    api.wait_until(|requests| {
        requests
            .iter()
            .any(|r| r.path == "/v1/models?limit=100&offset=0")
    });
    let lists = api
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/v1/models?"))
        .count();
    assert!((1..=2).contains(&lists), "{lists}");
}

#[test]
fn a_repository_file_cannot_redirect_the_key() {
    let good = FakeApi::start(licensing_api);
    let evil = FakeApi::start(licensing_api);
    let setup = setup();
    std::fs::write(
        setup.root.join("abstrakt.toml"),
        format!(
            "intended-use = \"commercial\"\napi-url = \"{}\"\n[api]\nkey = \"sk_live_stolen\"\n",
            evil.url()
        ),
    )
    .expect("write");
    let mut server = server_for(&good.url(), &setup.cache, &[]);
    let uri = open_flux(&mut server, &setup, "app.ts");
    let message = server.wait_for(|m| m["method"] == "window/showMessage");
    let text = message["params"]["message"].as_str().unwrap_or_default();
    assert!(
        text.contains("abstrakt.toml:") && text.contains(": unknown field `api"),
        "{text}"
    );
    wait_codes(&mut server, &uri, &["non-commercial"]);
    assert_eq!(good.requests().len(), 1);
    assert!(evil.requests().is_empty());
}

#[test]
fn an_insecure_api_url_is_refused_and_nothing_is_sent() {
    let setup = setup();
    let cache = setup.cache.display().to_string();
    let mut server = Server::spawn_logged(
        &[],
        &[
            ("ABSTRAKT_API_KEY", KEY),
            ("ABSTRAKT_CACHE_DIR", cache.as_str()),
            ("RUST_LOG", "debug"),
        ],
    );
    server.initialize(json!({}), json!({ "apiUrl": "http://api.example.com/v1" }));
    let message = server.wait_for(|m| m["method"] == "window/showMessage");
    let text = message["params"]["message"].as_str().unwrap_or_default();
    assert!(text.contains("must use https://"), "{text}");
    let uri = open_flux(&mut server, &setup, "app.ts");
    assert_eq!(codes(&server.diagnostics(&uri)), ["attribution-required"]);
}

#[test]
fn offline_or_without_a_key_nothing_is_requested() {
    let api = FakeApi::start(licensing_api);
    let setup = setup();
    let mut offline = server_for(&api.url(), &setup.cache, &[("ABSTRAKT_OFFLINE", "1")]);
    let uri = open_flux(&mut offline, &setup, "app.ts");
    assert_eq!(codes(&offline.diagnostics(&uri)), ["attribution-required"]);
    offline.hover(&uri, 0, 22);
    drop(offline);

    // Settings beat the environment: `offline: false` turns the API back on...
    let mut explicit = server_for(&api.url(), &setup.cache, &[("ABSTRAKT_OFFLINE", "1")]);
    explicit.notify(
        "workspace/didChangeConfiguration",
        json!({ "settings": { "abstrakt": { "offline": false } } }),
    );
    let uri = open_flux(&mut explicit, &setup, "b.ts");
    wait_codes(&mut explicit, &uri, &["non-commercial"]);
    assert_eq!(api.requests().len(), 1);
    drop(explicit);

    // ...and without a key nothing is sent.
    let cache = setup.cache.join("other").display().to_string();
    let url = api.url();
    let mut keyless = Server::spawn_with(
        &[],
        &[
            ("ABSTRAKT_API_URL", url.as_str()),
            ("ABSTRAKT_CACHE_DIR", cache.as_str()),
        ],
    );
    keyless.initialize(json!({}), json!({}));
    let uri = open_flux(&mut keyless, &setup, "c.ts");
    assert_eq!(codes(&keyless.diagnostics(&uri)), ["attribution-required"]);
    keyless.hover(&uri, 0, 22);
    assert_eq!(api.requests().len(), 1);
}

#[test]
fn the_key_never_appears_in_logs_messages_or_cache_files() {
    let api = FakeApi::start(|request, ordinal| match request.path.as_str() {
        "/v1/models/flux-dev" => licensing_api(request, ordinal),
        "/v1/models/musicgen" => Reply::Json(
            500,
            json!({ "error": { "code": "INTERNAL", "message": "boom" } }),
        ),
        _ => Reply::Json(
            401,
            json!({ "error": { "code": "UNAUTHORIZED", "message": "Invalid API key" } }),
        ),
    });
    let setup = setup();
    let cache = setup.cache.display().to_string();
    let url = api.url();
    let mut server = Server::spawn_logged(
        &[],
        &[
            ("ABSTRAKT_API_URL", url.as_str()),
            ("ABSTRAKT_CACHE_DIR", cache.as_str()),
            ("RUST_LOG", "trace"),
        ],
    );
    // The key comes through the editor settings this time.
    server.initialize(json!({}), json!({ "apiKey": KEY, "apiUrl": url }));
    let uri = open_flux(&mut server, &setup, "app.ts");
    wait_codes(&mut server, &uri, &["non-commercial"]);
    let other = uri_for(&setup, "b.ts");
    server.open(
        &other,
        "typescript",
        "abstrakt.run('musicgen');\nabstrakt.run('acme/x');\n",
    );
    server.wait_for_log("the Abstrakt API is unavailable: HTTP 500");
    let refused = uri_for(&setup, "c.ts");
    server.open(&refused, "typescript", "abstrakt.run('acme/y');\n");
    let message = server.wait_for(|m| {
        m["method"] == "window/showMessage"
            && m["params"]["message"]
                .as_str()
                .is_some_and(|t| t.contains("rejected"))
    });
    assert!(
        api.requests()
            .iter()
            .all(|r| r.header("authorization") == Some(&*format!("Bearer {KEY}")))
    );
    let mut everything = server.log_text();
    everything.push_str(&message.to_string());
    for m in &server.backlog {
        everything.push_str(&m.to_string());
    }
    assert!(
        everything.contains("TRACE") || everything.contains("DEBUG"),
        "trace logging is on"
    );
    assert!(
        everything.contains("\"apiKey\":\"[redacted]\""),
        "the protocol trace of the settings is logged, scrubbed"
    );
    assert!(!everything.contains(KEY), "the key leaked:\n{everything}");
    assert!(
        !everything.contains("k3y-that-must"),
        "part of the key leaked"
    );
    for file in cache_files(&setup.cache) {
        // A temporary file may vanish between listing and reading.
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap_or_default()).to_string();
        assert!(!text.contains("k3y-that-must"), "{}", file.display());
    }
}

#[test]
fn file_watchers_are_registered_when_the_client_can() {
    let setup = setup();
    let cache = setup.cache.display().to_string();
    let mut server = Server::spawn_with(&[], &[("ABSTRAKT_CACHE_DIR", cache.as_str())]);
    server.initialize(
        json!({ "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": true } } }),
        json!({}),
    );
    let request = server.wait_for(|m| m["method"] == "client/registerCapability");
    let registration = &request["params"]["registrations"][0];
    assert_eq!(registration["method"], "workspace/didChangeWatchedFiles");
    assert_eq!(
        registration["registerOptions"]["watchers"][0]["globPattern"],
        "**/abstrakt.toml"
    );
}

/// Writes `abstrakt.toml`, tells the server, and waits for `uri`'s diagnostics to be `expected`.
fn change_project(
    server: &mut Server,
    setup: &Setup,
    uri: &str,
    toml: &str,
    expected: &[&str],
) -> Value {
    let path = setup.root.join("abstrakt.toml");
    std::fs::write(&path, toml).expect("write");
    server.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": self::uri(&path), "type": 2 }] }),
    );
    wait_codes(server, uri, expected)
}

#[test]
fn each_project_file_key_changes_a_diagnostic_without_a_restart() {
    let setup = setup();
    let cache = setup.cache.display().to_string();
    let mut server = Server::spawn_with(&[], &[("ABSTRAKT_CACHE_DIR", cache.as_str())]);
    server.initialize(json!({}), json!({}));
    let uri = uri_for(&setup, "app.ts");
    server.open(
        &uri,
        "typescript",
        "abstrakt.run('flux-dev');\nabstrakt.run('musicgen');\nimageClient.run('flux-schnell');\n",
    );
    let published = server.diagnostics(&uri);
    assert_eq!(
        codes(&published),
        ["attribution-required", "non-commercial"]
    );
    assert_eq!(summarize(&published)[1].5, 1, "non-commercial is an error");

    // intended-use
    let published = change_project(
        &mut server,
        &setup,
        &uri,
        "intended-use = \"research\"\n",
        &["attribution-required", "non-commercial"],
    );
    assert_eq!(summarize(&published)[1].5, 3, "now information");
    // [rules]
    change_project(
        &mut server,
        &setup,
        &uri,
        "[rules]\nattribution-required = \"off\"\n",
        &["non-commercial"],
    );
    // [policy] deny-licenses
    change_project(
        &mut server,
        &setup,
        &uri,
        "[policy]\ndeny-licenses = [\"flux.1-dev\"]\n",
        &["attribution-required", "license-denied", "non-commercial"],
    );
    // [policy] allow-licenses
    change_project(
        &mut server,
        &setup,
        &uri,
        "[policy]\nallow-licenses = [\"FLUX.1-dev\"]\n",
        &["attribution-required", "non-commercial", "license-denied"],
    );
    // [policy] deny-models
    change_project(
        &mut server,
        &setup,
        &uri,
        "[policy]\ndeny-models = [\"musicgen\"]\n",
        &["attribution-required", "non-commercial", "license-denied"],
    );
    // [clients] names
    change_project(
        &mut server,
        &setup,
        &uri,
        "[clients]\nnames = [\"imageClient\"]\n[policy]\ndeny-models = [\"flux-schnell\"]\n",
        &["attribution-required", "non-commercial", "license-denied"],
    );
    // [[exceptions]]
    change_project(
        &mut server,
        &setup,
        &uri,
        "[[exceptions]]\nmodel = \"flux-dev\"\nrules = [\"attribution-required\"]\nreason = \"footer\"\nexpires = \"2999-12-31\"\n",
        &["non-commercial"],
    );
    // [[models]]
    change_project(
        &mut server,
        &setup,
        &uri,
        "[[models]]\nid = \"musicgen\"\nlicense = \"Bought\"\ncommercial = true\nattribution = \"Not required\"\n",
        &["attribution-required"],
    );
    let card = hover_text(&mut server, &uri, 1, 16);
    assert!(card.contains("Source: project file"), "{card}");

    // An invalid file: reported with its line; the last good config stays.
    let path = setup.root.join("abstrakt.toml");
    std::fs::write(&path, "[[models]]\nid = \"musicgen\"\nlicense = \"Bought\"\ncommercial = \"yes\"\nattribution = \"Not required\"\n").expect("write");
    server.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": self::uri(&path), "type": 2 }] }),
    );
    let message = server.wait_for(|m| m["method"] == "window/showMessage");
    let text = message["params"]["message"].as_str().unwrap_or_default();
    assert!(text.contains("abstrakt.toml:4:14:"), "{text}");
    let published = server.diagnostics(&uri);
    assert_eq!(
        codes(&published),
        ["attribution-required"],
        "last good config in force"
    );

    // Open in the editor: a diagnostic on the file, at its line.
    let toml_uri = self::uri(&path);
    server.open(&toml_uri, "toml", "");
    let on_file = server.diagnostics(&toml_uri);
    let diagnostic = &on_file["diagnostics"][0];
    assert_eq!(
        diagnostic["range"]["start"],
        json!({ "line": 3, "character": 13 })
    );
    assert_eq!(diagnostic["severity"], 1);
    // Fixed: the diagnostic goes away and the new file applies.
    std::fs::write(&path, "intended-use = \"personal\"\n").expect("write");
    server.notify(
        "textDocument/didSave",
        json!({ "textDocument": { "uri": toml_uri } }),
    );
    let cleared = server.wait_for(|m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == toml_uri
            && m["params"]["diagnostics"] == json!([])
    });
    assert!(
        cleared["params"]["diagnostics"]
            .as_array()
            .is_some_and(|d| d.is_empty())
    );
    let published = wait_codes(
        &mut server,
        &uri,
        &["attribution-required", "non-commercial"],
    );
    assert_eq!(summarize(&published)[1].5, 3);
}

#[test]
fn the_lock_file_reports_changed_licensing() {
    let setup = setup();
    let cache = setup.cache.display().to_string();
    std::fs::write(
        setup.root.join("abstrakt.lock"),
        "version = 1\n[models.flux-dev]\nlicense = \"FLUX.1-dev\"\ncommercial = \"allowed\"\nattribution = \"not-required\"\nfingerprint = \"0\"\nrecorded = \"2026-01-01\"\n",
    )
    .expect("write");
    let mut server = Server::spawn_with(&[], &[("ABSTRAKT_CACHE_DIR", cache.as_str())]);
    server.initialize(json!({}), json!({}));
    let uri = open_flux(&mut server, &setup, "app.ts");
    let published = server.diagnostics(&uri);
    assert_eq!(
        codes(&published),
        ["attribution-required", "license-changed"]
    );
    let message = published["diagnostics"][1]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(
        message
            .starts_with("flux-dev licensing changed since it was acknowledged in abstrakt.lock: ")
            && message.contains("attribution Not required → Required"),
        "{message}"
    );

    // The quick fix records the current licensing; the finding goes away.
    let diagnostic = published["diagnostics"][1].clone();
    let actions = common::code_actions(&mut server, &uri, &json!([diagnostic]));
    let action = &actions[0];
    assert_eq!(
        action["title"],
        "Acknowledge the current licensing of flux-dev in abstrakt.lock"
    );
    assert_eq!(action["kind"], "quickfix");
    let command = &action["command"];
    server.request(
        "workspace/executeCommand",
        json!({ "command": command["command"], "arguments": command["arguments"] }),
    );
    wait_codes(&mut server, &uri, &["attribution-required"]);
    let lock = std::fs::read_to_string(setup.root.join("abstrakt.lock")).expect("read");
    assert!(lock.contains("attribution = \"required\""), "{lock}");
    assert!(!lock.contains("fingerprint = \"0\""), "{lock}");
    // Arguments cannot point the write elsewhere: only open documents' own lock files.
    let refused = server.request_full(
        "workspace/executeCommand",
        json!({ "command": "abstrakt.acknowledgeLicensing", "arguments": ["file:///etc/passwd", "flux-dev"] }),
    );
    assert!(refused.get("error").is_some(), "{refused}");
}

#[test]
fn many_missing_ids_are_fetched_with_one_paged_list() {
    let api = FakeApi::start(|request, _| {
        let model = |i: usize| json!({ "id": format!("acme/m{i}"), "licensing": { "license": "Acme-NC", "commercial": false, "attribution": "Not required" } });
        match request.path.as_str() {
            "/v1/models?limit=100&offset=0" => Reply::Json(
                200,
                json!({ "models": (0..100).map(model).collect::<Vec<_>>(), "total": 150, "limit": 100, "offset": 0 }),
            ),
            "/v1/models?limit=100&offset=100" => Reply::Json(
                200,
                json!({ "models": (100..150).map(model).collect::<Vec<_>>(), "total": 150, "limit": 100, "offset": 100 }),
            ),
            _ => not_found(),
        }
    });
    let setup = setup();
    let mut server = server_for(&api.url(), &setup.cache, &[]);
    let uri = uri_for(&setup, "many.ts");
    let text: String = [3, 50, 99, 100, 120, 149, 7, 8, 9]
        .iter()
        .map(|i| format!("abstrakt.run('acme/m{i}');\n"))
        .collect();
    server.open(&uri, "typescript", &text);
    assert_eq!(codes(&server.diagnostics(&uri)), ["unknown-model"; 9]);
    wait_codes(&mut server, &uri, &["non-commercial"; 9]);
    let paths: Vec<String> = api.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        [
            "/v1/models?limit=100&offset=0",
            "/v1/models?limit=100&offset=100"
        ]
    );
}

#[test]
fn an_expired_answer_is_used_when_the_api_fails() {
    let healthy = FakeApi::start(|request, _| {
        if request.path == "/v1/models/acme/private" {
            Reply::Json(
                200,
                json!({ "id": "acme/private", "licensing": { "license": "Acme-NC", "commercial": false, "attribution": "Not required" } }),
            )
        } else {
            not_found()
        }
    });
    let setup = setup();
    let uri = uri_for(&setup, "a.ts");
    let text = "abstrakt.run('acme/private');\n";
    let mut first = server_for(&healthy.url(), &setup.cache, &[]);
    first.open(&uri, "typescript", text);
    assert_eq!(codes(&first.diagnostics(&uri)), ["unknown-model"]);
    wait_codes(&mut first, &uri, &["non-commercial"]);
    drop(first);

    // The same answer, aged past its TTL, in the cache of a failing API.
    let files = cache_files(&setup.cache);
    assert_eq!(files.len(), 1);
    let mut entry: Value =
        serde_json::from_slice(&std::fs::read(&files[0]).expect("read")).expect("json");
    let failing = FakeApi::start(|_, _| {
        Reply::Json(
            503,
            json!({ "error": { "code": "MODEL_UNAVAILABLE", "message": "down" } }),
        )
    });
    entry["fetched_at"] = json!(entry["fetched_at"].as_i64().unwrap_or(0) - 48 * 3600);
    entry["api"] = json!(format!("{}/", failing.url()));
    DiskCacheFiles::new(&setup.cache).rewrite_for(&failing.url(), "acme/private", &entry);

    let mut second = server_for(&failing.url(), &setup.cache, &[]);
    second.open(&uri, "typescript", text);
    // Stale-if-error: the expired answer beats "unknown".
    assert_eq!(codes(&second.diagnostics(&uri)), ["non-commercial"]);
    second.wait_for_log("the Abstrakt API is unavailable: HTTP 503");
    let card = hover_text(&mut second, &uri, 0, 16);
    assert!(card.contains("Abstrakt API cache (expired)"), "{card}");
}

/// Writes cache files as the server names them (sha256 of API base, NUL, id).
struct DiskCacheFiles(PathBuf);

impl DiskCacheFiles {
    fn new(root: &Path) -> Self {
        Self(root.to_path_buf())
    }
    fn rewrite_for(&self, api_url: &str, id: &str, entry: &Value) {
        let cache = abstrakt_lsp::remote::cache::DiskCache::new(&self.0, &format!("{api_url}/"));
        let path = cache.path_for(id);
        std::fs::create_dir_all(cache.dir()).expect("mkdir");
        std::fs::write(path, serde_json::to_vec(entry).expect("json")).expect("write");
    }
}

#[test]
fn https_requests_go_through_the_proxy_from_the_environment() {
    // A proxy on 127.0.0.1 that refuses every tunnel: no request leaves the machine.
    let proxy = FakeApi::start(|_, _| Reply::Raw {
        status: 403,
        headers: Vec::new(),
        body: Vec::new(),
    });
    let setup = setup();
    let proxy_url = format!("http://127.0.0.1:{}", proxy.port);
    let mut server = server_for(
        "https://api.abstrakt.one/v1",
        &setup.cache,
        &[("HTTPS_PROXY", proxy_url.as_str()), ("NO_PROXY", "")],
    );
    let uri = open_flux(&mut server, &setup, "app.ts");
    assert_eq!(codes(&server.diagnostics(&uri)), ["attribution-required"]);
    let requests = proxy.wait_requests(1);
    assert_eq!(requests[0].method, "CONNECT");
    assert_eq!(requests[0].path, "api.abstrakt.one:443");
    // The key travels only inside the TLS tunnel, never to the proxy.
    assert_eq!(requests[0].header("authorization"), None);
}

#[test]
fn redirects_are_not_followed_so_the_key_stays_put() {
    let evil = FakeApi::start(licensing_api);
    let location = format!("{}/models/flux-dev", evil.url());
    let api = FakeApi::start(move |_, _| Reply::Raw {
        status: 302,
        headers: vec![("Location".into(), location.clone())],
        body: Vec::new(),
    });
    let setup = setup();
    let mut server = server_for(&api.url(), &setup.cache, &[]);
    let uri = open_flux(&mut server, &setup, "app.ts");
    assert_eq!(codes(&server.diagnostics(&uri)), ["attribution-required"]);
    server.wait_for_log("the Abstrakt API answered HTTP 302");
    assert_eq!(api.requests().len(), 1);
    assert!(evil.requests().is_empty());
}
