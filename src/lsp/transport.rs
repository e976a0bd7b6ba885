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
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;
use tracing::warn;

/// Messages larger than this are refused (a 5 MB file is ~5 MB of JSON).
const MAX_MESSAGE_BYTES: usize = 256 * 1024 * 1024;

/// What a frame's header block said.
enum Header {
    Length(usize),
    /// A header block without a usable Content-Length: skip it.
    Invalid(String),
    Eof,
}

async fn read_header<R: AsyncRead + Unpin>(reader: &mut BufReader<R>) -> std::io::Result<Header> {
    let mut length = None;
    let mut problem = None;
    let mut saw_any = false;
    loop {
        let mut line = String::new();
        let n = reader.read_line(&mut line).await?;
        if n == 0 {
            return Ok(if saw_any {
                Header::Invalid("truncated header".into())
            } else {
                Header::Eof
            });
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            if !saw_any {
                continue; // stray blank line between messages
            }
            break;
        }
        saw_any = true;
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                match value.trim().parse::<usize>() {
                    Ok(n) => length = Some(n),
                    Err(e) => problem = Some(format!("bad Content-Length `{}`: {e}", value.trim())),
                }
            }
        } else {
            problem = Some(format!("not a header line: {:?}", truncate(line)));
        }
    }
    Ok(match (length, problem) {
        (Some(n), None) if n <= MAX_MESSAGE_BYTES => Header::Length(n),
        (Some(n), None) => Header::Invalid(format!("message of {n} bytes exceeds the limit")),
        (_, Some(problem)) => Header::Invalid(problem),
        (None, None) => Header::Invalid("missing Content-Length".into()),
    })
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

/// Checks a body is a JSON-RPC 2.0 message tower-lsp-server will accept; on
/// failure returns the error response to send back.
fn validate(body: &[u8]) -> Result<(), Vec<u8>> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|_| error_response(Value::Null, -32700, "Parse error"))?;
    let id = value.get("id").cloned();
    let invalid = || {
        error_response(
            id.clone().filter(valid_id).unwrap_or(Value::Null),
            -32600,
            "Invalid Request",
        )
    };
    let Value::Object(map) = &value else {
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

/// Copies client frames from `input` to `to_server`, answering bad ones through `errors`.
pub async fn pump_input<R, W>(input: R, mut to_server: W, errors: mpsc::UnboundedSender<Vec<u8>>)
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut reader = BufReader::new(input);
    loop {
        let length = match read_header(&mut reader).await {
            Ok(Header::Length(n)) => n,
            Ok(Header::Invalid(problem)) => {
                warn!("skipping a malformed message header: {problem}");
                let _ = errors.send(error_response(Value::Null, -32700, "Parse error"));
                continue;
            }
            Ok(Header::Eof) | Err(_) => break,
        };
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).await.is_err() {
            break;
        }
        match validate(&body) {
            Ok(()) => {
                if to_server.write_all(&frame(&body)).await.is_err()
                    || to_server.flush().await.is_err()
                {
                    break;
                }
            }
            Err(response) => {
                warn!("answering a malformed message ({length} bytes) with an error");
                let _ = errors.send(response);
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
    let mut reader = BufReader::new(from_server);
    let mut errors_open = true;
    loop {
        tokio::select! {
            header = read_header(&mut reader) => {
                let length = match header {
                    Ok(Header::Length(n)) => n,
                    Ok(Header::Invalid(problem)) => {
                        warn!("server produced a malformed frame: {problem}");
                        continue;
                    }
                    Ok(Header::Eof) | Err(_) => break,
                };
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).await.is_err() {
                    break;
                }
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

    #[test]
    fn validation_accepts_requests_notifications_and_responses() {
        assert!(validate(br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#).is_ok());
        assert!(validate(br#"{"jsonrpc":"2.0","method":"exit"}"#).is_ok());
        assert!(validate(br#"{"jsonrpc":"2.0","id":"a","result":null}"#).is_ok());
    }

    #[test]
    fn validation_rejects_garbage_with_the_right_codes() {
        let parse =
            String::from_utf8(validate(b"{oops").expect_err("bad json")).unwrap_or_default();
        let (header, body) = parse.split_once("\r\n\r\n").unwrap_or_default();
        assert_eq!(header, format!("Content-Length: {}", body.len()));
        assert_eq!(
            serde_json::from_str::<Value>(body).ok(),
            Some(
                json!({ "jsonrpc": "2.0", "id": null, "error": { "code": -32700, "message": "Parse error" } })
            )
        );
        let invalid = String::from_utf8(
            validate(br#"{"jsonrpc":"2.0","id":7,"method":3}"#).expect_err("bad method"),
        )
        .unwrap_or_default();
        assert!(
            invalid.contains(r#""code":-32600"#) && invalid.contains(r#""id":7"#),
            "{invalid}"
        );
        assert!(validate(br#"[1,2]"#).is_err());
        assert!(validate(br#"{"jsonrpc":"1.0","method":"x"}"#).is_err());
    }
}
