//! Background fetches from the licensing API that re-publish what they
//! change (the store itself is built by [`crate::remote::settings::build`],
//! as for the command line).

use std::collections::HashSet;
use std::sync::Arc;

use tower_lsp_server::ls_types::MessageType;
use tracing::debug;

use super::session::Session;

/// What to do with the ids whose licensing a fetch changed (the scheduler's
/// `reanalyse_using`): a callback, so this module sits below the scheduler.
pub type OnChanged = fn(&Arc<Session>, &HashSet<String>);

/// Starts a background fetch of whichever of `ids` need one; when answers
/// arrive, `on_changed` gets the ids they changed. Never awaited by handlers.
pub fn schedule_fetch(session: &Arc<Session>, ids: &[String], on_changed: OnChanged) {
    if ids.is_empty() {
        return;
    }
    let store = session.state().remote.clone();
    let claimed = store.claim(ids.iter().map(String::as_str));
    if claimed.is_empty() {
        return;
    }
    debug!(
        count = claimed.len(),
        "fetching licensing in the background"
    );
    let session = session.clone();
    tokio::spawn(async move {
        let report = store.fetch(claimed).await;
        if let Some(message) = report.message {
            session
                .client
                .show_message(MessageType::WARNING, message)
                .await;
        }
        if !report.changed.is_empty() {
            let changed: HashSet<String> = report.changed.into_iter().collect();
            on_changed(&session, &changed);
        }
    });
}
