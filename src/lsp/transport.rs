//! Framing guard between stdio and tower-lsp-server.
//!
//! tower-lsp-server's codec ends the whole input stream on the first message it
//! cannot decode (tokio-util's `FramedRead` stops after a decoder error), so a
//! single malformed message from a client would stop the server. This layer
//! reads frames itself, passes well-formed JSON-RPC messages through, answers
//! malformed ones with a JSON-RPC "Parse error"/"Invalid Request" response and
//! keeps going. Responses from the server are copied to stdout frame by frame,
//! so injected error responses never interleave with a server message.

use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tracing::warn;

/// Messages larger than this are refused (a 5 MB file is ~5 MB of JSON).
const MAX_MESSAGE_BYTES: usize = 256 * 1024 * 1024;

/// Header blocks longer than this are not headers (the stream is out of step).
const MAX_HEADER_BYTES: usize = 8 * 1024;

/// The header every frame starts with, matched without regard to case.
const CONTENT_LENGTH: &[u8] = b"content-length:";

/// What the client's byte stream yielded next.
enum Frame {
    Message(Vec<u8>),
    /// Bytes that are not a well-formed frame; the stream resynchronises at
    /// the next `Content-Length:`.
    Malformed(String),
    Eof,
}

/// Splits the client's byte stream into message bodies. After anything
/// malformed (a stray line, a wrong `Content-Length`, a cut header) it
/// resynchronises at the next `Content-Length:` header instead of reading
/// the next message's header as a body and staying out of step for good.
struct Framer<R> {
    reader: R,
    buf: Vec<u8>,
    /// Where the unread part of `buf` starts.
    start: usize,
    eof: bool,
    /// Where the body returned last started, for [`Framer::resync_inside_last_body`].
    last_body: Option<std::ops::Range<usize>>,
}

impl<R: AsyncRead + Unpin> Framer<R> {
    fn new(reader: R) -> Self {
        Self {
            reader,
            buf: Vec::new(),
            start: 0,
            eof: false,
            last_body: None,
        }
    }

    fn unread(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    /// Reads more bytes; `false` at the end of the stream.
    async fn fill(&mut self) -> bool {
        if self.eof {
            return false;
        }
        if self.start > 0 && self.start >= self.buf.len() / 2 {
            self.buf.drain(..self.start);
            self.start = 0;
            self.last_body = None;
        }
        let mut chunk = [0u8; 64 * 1024];
        match self.reader.read(&mut chunk).await {
            Ok(0) | Err(_) => {
                self.eof = true;
                false
            }
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                true
            }
        }
    }

    async fn next(&mut self) -> Frame {
        // 1. The next `Content-Length:`; anything but whitespace before it is garbage.
        loop {
            match find_ignoring_case(self.unread(), CONTENT_LENGTH) {
                Some(at) => {
                    let skipped = &self.unread()[..at];
                    let garbage = !skipped.iter().all(u8::is_ascii_whitespace);
                    let shown = truncate(&String::from_utf8_lossy(skipped));
                    self.start += at;
                    if garbage {
                        return Frame::Malformed(format!("not a header: {shown:?}"));
                    }
                    break;
                }
                None => {
                    // Keep a tail that may be the start of a cut-off header.
                    let unread = self.unread();
                    let keep = unread.len().min(CONTENT_LENGTH.len() - 1);
                    let garbage = unread[..unread.len() - keep]
                        .iter()
                        .any(|b| !b.is_ascii_whitespace());
                    let shown = truncate(&String::from_utf8_lossy(&unread[..unread.len() - keep]));
                    self.start = self.buf.len() - keep;
                    if garbage {
                        return Frame::Malformed(format!("not a header: {shown:?}"));
                    }
                    if !self.fill().await {
                        return Frame::Eof;
                    }
                }
            }
        }
        // 2. The header block, up to its blank line.
        let (header_len, body_start) = loop {
            if let Some(end) = header_end(self.unread()) {
                break end;
            }
            if self.unread().len() > MAX_HEADER_BYTES {
                self.start += CONTENT_LENGTH.len();
                return Frame::Malformed("header block without an end".into());
            }
            if !self.fill().await {
                self.start = self.buf.len();
                return Frame::Malformed("truncated header".into());
            }
        };
        let header = String::from_utf8_lossy(&self.unread()[..header_len]).into_owned();
        let length = match content_length(&header) {
            Ok(length) => length,
            Err(problem) => {
                self.start += body_start;
                return Frame::Malformed(problem);
            }
        };
        // 3. The body.
        while self.unread().len() < body_start + length {
            if !self.fill().await {
                self.start = self.buf.len();
                return Frame::Malformed("truncated message".into());
            }
        }
        let body_range = self.start + body_start..self.start + body_start + length;
        let body = self.buf[body_range.clone()].to_vec();
        self.start = body_range.end;
        self.last_body = Some(body_range);
        Frame::Message(body)
    }

    /// The last body was not a message: when a `Content-Length:` header sits
    /// inside it (its own length was too long and took in the next message),
    /// read on from there.
    fn resync_inside_last_body(&mut self) {
        let Some(range) = self.last_body.take() else {
            return;
        };
        if let Some(at) = find_ignoring_case(&self.buf[range.clone()], CONTENT_LENGTH) {
            self.start = range.start + at;
        }
    }
}

/// The header block's length and where the body starts, once the blank line
/// ending it (`\r\n\r\n`, or `\n\n` from lenient clients) is in `data`.
fn header_end(data: &[u8]) -> Option<(usize, usize)> {
    let crlf = memchr::memmem::find(data, b"\r\n\r\n").map(|at| (at, at + 4));
    let lf = memchr::memmem::find(data, b"\n\n").map(|at| (at, at + 2));
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
        (a, b) => a.or(b),
    }
}

/// The `Content-Length` of a header block whose lines are all `Name: value`.
fn content_length(header: &str) -> Result<usize, String> {
    let mut length = None;
    for line in header.lines() {
        let line = line.trim_end_matches('\r');
        let Some((name, value)) = line.split_once(':') else {
            return Err(format!("not a header line: {:?}", truncate(line)));
        };
        if name.trim().eq_ignore_ascii_case("content-length") {
            let value = value.trim();
            let n = value
                .parse::<usize>()
                .map_err(|e| format!("bad Content-Length `{}`: {e}", truncate(value)))?;
            length = Some(n);
        }
    }
    match length {
        Some(n) if n <= MAX_MESSAGE_BYTES => Ok(n),
        Some(n) => Err(format!("message of {n} bytes exceeds the limit")),
        None => Err("missing Content-Length".into()),
    }
}

fn find_ignoring_case(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window.eq_ignore_ascii_case(needle))
}

fn truncate(text: &str) -> String {
    text.chars().take(60).collect()
}

fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

fn error_response(id: Value, code: i64, message: &str) -> Vec<u8> {
    frame(
        json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } })
            .to_string()
            .as_bytes(),
    )
}

/// What to do with one client message.
#[derive(Debug)]
enum Verdict {
    /// Pass it to the server (possibly repaired).
    Forward(Vec<u8>),
    /// Answer it here with this frame; the server never sees it.
    Answer(Vec<u8>),
    /// Not a message: answer with this error frame and resynchronise.
    Reject(Vec<u8>),
}

/// Checks a body is a JSON-RPC 2.0 message tower-lsp-server will accept.
/// Lone UTF-16 surrogates (`"\ud800"`, which `JSON.stringify` emits) are
/// decoded as U+FFFD instead of dropping the message; requests for `$/`
/// methods, which the server does not implement, get "method not found".
fn judge(body: Vec<u8>) -> Verdict {
    let (body, value) = match serde_json::from_slice::<Value>(&body) {
        Ok(value) => (body, value),
        Err(_) => match replace_lone_surrogates(&body)
            .and_then(|fixed| Some((serde_json::from_slice::<Value>(&fixed).ok()?, fixed)))
        {
            Some((value, fixed)) => (fixed, value),
            None => return Verdict::Reject(error_response(Value::Null, -32700, "Parse error")),
        },
    };
    if let Err(response) = validate(&value) {
        return Verdict::Reject(response);
    }
    let dollar_request = value
        .get("method")
        .and_then(Value::as_str)
        .is_some_and(|method| method.starts_with("$/"));
    match value.get("id") {
        Some(id) if dollar_request && !id.is_null() => {
            Verdict::Answer(error_response(id.clone(), -32601, "Method not found"))
        }
        _ => Verdict::Forward(body),
    }
}

/// `body` with every `\uXXXX` escape of a lone surrogate replaced by
/// `\ufffd`; `None` when it has none (the body is broken some other way).
fn replace_lone_surrogates(body: &[u8]) -> Option<Vec<u8>> {
    let surrogate_at = |at: usize| -> Option<u16> {
        let hex = body.get(at + 2..at + 6)?;
        let code = u16::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
        (body.get(at..at + 2) == Some(&b"\\u"[..]) && (0xD800..0xE000).contains(&code))
            .then_some(code)
    };
    let mut out = Vec::with_capacity(body.len());
    let mut changed = false;
    let mut i = 0;
    while i < body.len() {
        if body[i] != b'\\' {
            out.push(body[i]);
            i += 1;
            continue;
        }
        match surrogate_at(i) {
            Some(high) if (0xD800..0xDC00).contains(&high) => match surrogate_at(i + 6) {
                Some(low) if (0xDC00..0xE000).contains(&low) => {
                    out.extend_from_slice(&body[i..i + 12]);
                    i += 12;
                }
                _ => {
                    out.extend_from_slice(b"\\ufffd");
                    changed = true;
                    i += 6;
                }
            },
            Some(_) => {
                out.extend_from_slice(b"\\ufffd");
                changed = true;
                i += 6;
            }
            None => {
                // Any other escape: copied whole, so an escaped backslash
                // followed by `u` stays text.
                let end = (i + 2).min(body.len());
                out.extend_from_slice(&body[i..end]);
                i = end;
            }
        }
    }
    changed.then_some(out)
}

/// Checks a parsed body is a JSON-RPC 2.0 message; on failure returns the
/// error response to send back.
fn validate(value: &Value) -> Result<(), Vec<u8>> {
    let id = value.get("id").cloned();
    let invalid = || {
        error_response(
            id.clone().filter(valid_id).unwrap_or(Value::Null),
            -32600,
            "Invalid Request",
        )
    };
    let Value::Object(map) = value else {
        return Err(invalid());
    };
    if map.get("jsonrpc") != Some(&json!("2.0")) {
        return Err(invalid());
    }
    if let Some(id) = map.get("id")
        && !valid_id(id)
    {
        return Err(invalid());
    }
    match map.get("method") {
        Some(Value::String(_)) => match map.get("params") {
            None | Some(Value::Object(_)) | Some(Value::Array(_)) | Some(Value::Null) => Ok(()),
            Some(_) => Err(invalid()),
        },
        Some(_) => Err(invalid()),
        // A response to one of our requests.
        None if map.contains_key("id")
            && (map.contains_key("result") || map.contains_key("error")) =>
        {
            Ok(())
        }
        None => Err(invalid()),
    }
}

fn valid_id(id: &Value) -> bool {
    id.is_string() || id.is_i64() || id.is_u64() || id.is_null()
}

/// Copies client frames from `input` to `to_server`, answering bad ones
/// (and `$/` requests) through `errors`.
pub async fn pump_input<R, W>(input: R, mut to_server: W, errors: mpsc::UnboundedSender<Vec<u8>>)
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut framer = Framer::new(input);
    loop {
        let body = match framer.next().await {
            Frame::Message(body) => body,
            Frame::Malformed(problem) => {
                warn!("skipping malformed input: {problem}; reading on at the next Content-Length");
                let _ = errors.send(error_response(Value::Null, -32700, "Parse error"));
                continue;
            }
            Frame::Eof => break,
        };
        let length = body.len();
        match judge(body) {
            Verdict::Forward(body) => {
                if to_server.write_all(&frame(&body)).await.is_err()
                    || to_server.flush().await.is_err()
                {
                    break;
                }
            }
            Verdict::Answer(response) => {
                let _ = errors.send(response);
            }
            Verdict::Reject(response) => {
                warn!("answering a malformed message ({length} bytes) with an error");
                let _ = errors.send(response);
                framer.resync_inside_last_body();
            }
        }
    }
    let _ = to_server.shutdown().await;
}

/// Copies server frames to `output` whole, interleaving injected error responses between them.
pub async fn pump_output<R, W>(
    from_server: R,
    mut output: W,
    mut errors: mpsc::UnboundedReceiver<Vec<u8>>,
) where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    // The same framer as the input side: its `next` keeps its state in the
    // framer across awaits, so `select!` may drop it for an error response
    // without losing half a frame.
    let mut framer = Framer::new(from_server);
    let mut errors_open = true;
    loop {
        tokio::select! {
            next = framer.next() => {
                let body = match next {
                    Frame::Message(body) => body,
                    Frame::Malformed(problem) => {
                        warn!("server produced a malformed frame: {problem}");
                        continue;
                    }
                    Frame::Eof => break,
                };
                if output.write_all(&frame(&body)).await.is_err() || output.flush().await.is_err() {
                    break;
                }
            }
            error = errors.recv(), if errors_open => match error {
                Some(bytes) => {
                    if output.write_all(&bytes).await.is_err() || output.flush().await.is_err() {
                        break;
                    }
                }
                None => errors_open = false,
            },
        }
    }
    let _ = output.flush().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    /// Everything the framer makes of `input`, as text: a message's body, or
    /// `!` for each malformed stretch.
    async fn frames(input: &str) -> Vec<String> {
        let mut framer = Framer::new(input.as_bytes());
        let mut out = Vec::new();
        loop {
            match framer.next().await {
                Frame::Message(body) => match judge(body) {
                    Verdict::Forward(body) => out.push(String::from_utf8_lossy(&body).into_owned()),
                    Verdict::Answer(_) => out.push("answered".into()),
                    Verdict::Reject(_) => {
                        out.push("!".into());
                        framer.resync_inside_last_body();
                    }
                },
                Frame::Malformed(_) => out.push("!".into()),
                Frame::Eof => return out,
            }
        }
    }

    const A: &str = r#"{"jsonrpc":"2.0","id":1,"method":"a"}"#;
    const B: &str = r#"{"jsonrpc":"2.0","id":2,"method":"b"}"#;

    #[tokio::test]
    async fn a_stray_line_costs_nothing_after_it() {
        let input = format!("hello\r\n{}{}", message(A), message(B));
        assert_eq!(frames(&input).await, ["!", A, B]);
    }

    #[tokio::test]
    async fn a_short_content_length_resyncs_at_the_next_header() {
        let short = format!("Content-Length: 10\r\n\r\n{A}");
        let input = format!("{short}{}{}", message(A), message(B));
        // The cut body is refused; its rest is skipped up to the next header.
        assert_eq!(frames(&input).await, ["!", "!", A, B]);
    }

    #[tokio::test]
    async fn a_long_content_length_gives_back_the_next_message() {
        let long = format!("Content-Length: {}\r\n\r\n{A}", A.len() + 30);
        let input = format!("{long}{}{}", message(A), message(B));
        assert_eq!(frames(&input).await, ["!", A, B]);
    }

    #[tokio::test]
    async fn headers_in_any_case_and_extra_headers_are_fine() {
        let input = format!(
            "content-length: {}\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{A}",
            A.len()
        );
        assert_eq!(frames(&input).await, [A]);
    }

    #[tokio::test]
    async fn a_cut_stream_ends_without_a_message() {
        assert_eq!(frames("Content-Length: 40\r\n\r\n{\"js").await, ["!"]);
        assert_eq!(frames("Content-Len").await, Vec::<String>::new());
    }

    #[tokio::test]
    async fn an_error_response_never_splits_a_server_frame_arriving_in_pieces() {
        let (mut server, from_server) = tokio::io::duplex(1024);
        let (to_client, mut client) = tokio::io::duplex(1024);
        let (errors, errors_rx) = mpsc::unbounded_channel();
        let pump = tokio::spawn(pump_output(from_server, to_client, errors_rx));
        let whole = message(A);
        // Cut inside the header line: a line reader dropped by `select!` there
        // loses what it read.
        let (first, rest) = whole.split_at("Content-Le".len());
        server.write_all(first.as_bytes()).await.expect("write");
        server.flush().await.expect("flush");
        tokio::task::yield_now().await;
        // An injected error while the pump is inside the server's frame.
        errors
            .send(message(B).into_bytes())
            .expect("the pump is running");
        tokio::task::yield_now().await;
        server.write_all(rest.as_bytes()).await.expect("write");
        drop(server);
        drop(errors);
        pump.await.expect("pump");
        let mut out = String::new();
        client.read_to_string(&mut out).await.expect("read");
        assert_eq!(out, format!("{}{}", message(B), message(A)));
    }

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        let body =
            br#"{"jsonrpc":"2.0","method":"x","params":{"t":"a\ud800b\udc00\ud83d\ude00\\ud800"}}"#;
        let Verdict::Forward(fixed) = judge(body.to_vec()) else {
            panic!("not forwarded");
        };
        let value: Value = serde_json::from_slice(&fixed).unwrap_or_default();
        assert_eq!(value["params"]["t"], "a\u{fffd}b\u{fffd}\u{1f600}\\ud800");
    }

    #[test]
    fn dollar_requests_are_answered_and_dollar_notifications_pass() {
        let Verdict::Answer(answer) = judge(br#"{"jsonrpc":"2.0","id":9,"method":"$/x"}"#.to_vec())
        else {
            panic!("not answered");
        };
        let answer = String::from_utf8_lossy(&answer);
        assert!(
            answer.contains(r#""code":-32601"#) && answer.contains(r#""id":9"#),
            "{answer}"
        );
        assert!(matches!(
            judge(br#"{"jsonrpc":"2.0","method":"$/cancelRequest","params":{"id":1}}"#.to_vec()),
            Verdict::Forward(_)
        ));
    }

    #[test]
    fn validation_accepts_requests_notifications_and_responses() {
        for body in [
            r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#,
            r#"{"jsonrpc":"2.0","method":"exit"}"#,
            r#"{"jsonrpc":"2.0","id":"a","result":null}"#,
        ] {
            assert!(
                matches!(judge(body.as_bytes().to_vec()), Verdict::Forward(_)),
                "{body}"
            );
        }
    }

    fn rejected(body: &str) -> Value {
        let Verdict::Reject(response) = judge(body.as_bytes().to_vec()) else {
            panic!("accepted: {body}");
        };
        let response = String::from_utf8_lossy(&response).into_owned();
        let (header, body) = response.split_once("\r\n\r\n").unwrap_or_default();
        assert_eq!(header, format!("Content-Length: {}", body.len()));
        serde_json::from_str(body).unwrap_or_default()
    }

    #[test]
    fn validation_rejects_garbage_with_the_right_codes() {
        assert_eq!(
            rejected("{oops"),
            json!({ "jsonrpc": "2.0", "id": null, "error": { "code": -32700, "message": "Parse error" } })
        );
        let invalid = rejected(r#"{"jsonrpc":"2.0","id":7,"method":3}"#);
        assert_eq!(invalid["error"]["code"], -32600);
        assert_eq!(invalid["id"], 7);
        assert_eq!(rejected("[1,2]")["error"]["code"], -32600);
        assert_eq!(
            rejected(r#"{"jsonrpc":"1.0","method":"x"}"#)["error"]["code"],
            -32600
        );
    }
}
