//! Panics stay contained: a panic in one analysis or request is caught,
//! logged and answered with an error; the document and the server live on.
//!
//! For tests of exactly that, `ABSTRAKT_LSP_DEBUG_PANIC=<marker>` makes every
//! analysis and request on a document whose text contains `<marker>` panic.
//! It is read once at start and costs nothing when unset.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;

use tower_lsp_server::jsonrpc;
use tracing::error;

use crate::document::Document;

/// The environment variable that injects panics (see the module docs).
pub const DEBUG_PANIC_ENV: &str = "ABSTRAKT_LSP_DEBUG_PANIC";

fn marker() -> Option<&'static str> {
    static MARKER: OnceLock<Option<String>> = OnceLock::new();
    MARKER
        .get_or_init(|| {
            std::env::var(DEBUG_PANIC_ENV)
                .ok()
                .filter(|m| !m.is_empty())
        })
        .as_deref()
}

/// Panics when the debug marker is set and `document` contains it.
pub fn inject_panic(document: &Document, place: &str) {
    if let Some(marker) = marker()
        && document.text().contains(marker)
    {
        panic!("{DEBUG_PANIC_ENV}: injected panic in {place}");
    }
}

/// The text of a panic payload.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}

/// Runs a request's work; a panic becomes an internal-error response.
pub fn guarded<T>(request: &str, work: impl FnOnce() -> T) -> jsonrpc::Result<T> {
    catch_unwind(AssertUnwindSafe(work)).map_err(|payload| {
        let message = panic_message(&*payload);
        error!(request, "request panicked: {message}");
        jsonrpc::Error {
            code: jsonrpc::ErrorCode::InternalError,
            message: format!("abstrakt: internal error in {request}: {message}").into(),
            data: None,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_request_becomes_an_internal_error() {
        let answer: jsonrpc::Result<()> = guarded("hover", || panic!("boom"));
        let error = answer.expect_err("panicked");
        assert_eq!(error.code, jsonrpc::ErrorCode::InternalError);
        assert_eq!(error.message, "abstrakt: internal error in hover: boom");
        assert_eq!(guarded("hover", || 3).ok(), Some(3));
    }
}
