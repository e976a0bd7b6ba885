//! Keeps secrets out of the log. Every [`crate::remote::Secret`] registers its
//! value here when it is made, and the log writer ([`RedactingStderr`])
//! replaces registered values, and the value of any JSON `"apiKey"` member
//! (so the raw LSP messages the protocol layer traces at `trace` level, which
//! arrive before any setting is read, are covered too), with `[redacted]`.

use std::borrow::Cow;
use std::io::Write;
use std::sync::RwLock;

use tracing_subscriber::fmt::MakeWriter;

const REDACTED: &str = "[redacted]";
/// Shorter values are not registered: redacting them would mangle the log
/// without protecting anything real (API keys are long).
const MIN_LEN: usize = 6;

static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Remembers a secret value so the log never shows it.
pub fn register(secret: &str) {
    if secret.len() < MIN_LEN {
        return;
    }
    let mut secrets = SECRETS.write().unwrap_or_else(|p| p.into_inner());
    let escaped = serde_json::to_string(secret).unwrap_or_default();
    let escaped = escaped.trim_matches('"').to_string();
    for value in [secret.to_string(), escaped] {
        if !secrets.contains(&value) {
            secrets.push(value);
        }
    }
}

/// `text` with every registered secret and every JSON `"apiKey"` value replaced.
pub fn scrub(text: &str) -> Cow<'_, str> {
    let mut out = Cow::Borrowed(text);
    if out.contains("\"apiKey\"") {
        out = Cow::Owned(scrub_api_key_members(&out));
    }
    let secrets = SECRETS.read().unwrap_or_else(|p| p.into_inner());
    for secret in secrets.iter() {
        if out.contains(secret.as_str()) {
            out = Cow::Owned(out.replace(secret.as_str(), REDACTED));
        }
    }
    out
}

/// Replaces the string value of each `"apiKey": "…"` member.
fn scrub_api_key_members(text: &str) -> String {
    const NAME: &str = "\"apiKey\"";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(NAME) {
        let after_name = at + NAME.len();
        out.push_str(&rest[..after_name]);
        rest = &rest[after_name..];
        let trimmed = rest.trim_start();
        let Some(value) = trimmed.strip_prefix(':') else {
            continue;
        };
        let value = value.trim_start();
        let Some(body) = value.strip_prefix('"') else {
            continue;
        };
        // Find the closing quote, skipping escapes.
        let mut end = None;
        let mut escaped = false;
        for (i, c) in body.char_indices() {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        out.push(':');
        out.push('"');
        out.push_str(REDACTED);
        out.push('"');
        rest = match end {
            Some(i) => &body[i + 1..],
            None => "",
        };
    }
    out.push_str(rest);
    out
}

/// A `tracing` writer to stderr that scrubs each event before writing it.
#[derive(Debug, Clone, Copy, Default)]
pub struct RedactingStderr;

/// One event's bytes, scrubbed and written in one piece when dropped.
pub struct EventWriter(Vec<u8>);

impl Write for EventWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for EventWriter {
    fn drop(&mut self) {
        let text = String::from_utf8_lossy(&self.0);
        let clean = scrub(&text);
        let _ = std::io::stderr().lock().write_all(clean.as_bytes());
    }
}

impl<'a> MakeWriter<'a> for RedactingStderr {
    type Writer = EventWriter;
    fn make_writer(&'a self) -> Self::Writer {
        EventWriter(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_secrets_and_api_key_members_are_scrubbed() {
        register("sk_live_redact_me_123");
        assert_eq!(
            scrub("key sk_live_redact_me_123 here"),
            "key [redacted] here"
        );
        assert_eq!(
            scrub(r#"{"initializationOptions":{"apiKey" : "sk_unregistered\"x", "apiUrl":"u"}}"#),
            r#"{"initializationOptions":{"apiKey":"[redacted]", "apiUrl":"u"}}"#
        );
        assert_eq!(scrub(r#"{"apiKey":null}"#), r#"{"apiKey":null}"#);
        assert_eq!(scrub("nothing secret"), "nothing secret");
        register("k");
        assert_eq!(scrub("keep"), "keep");
    }
}
