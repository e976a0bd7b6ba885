//! Editor settings: `initializationOptions` and `workspace/didChangeConfiguration`.

use std::path::PathBuf;

use serde_json::Value;

use crate::remote::Secret;
use crate::remote::settings::Explicit;
use crate::rules::IntendedUse;

/// What the editor may configure. Unknown keys are ignored; a bad value keeps
/// the previous one and is reported. `None` means "not set here": the
/// environment (or the default) applies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EditorSettings {
    pub intended_use: Option<IntendedUse>,
    /// `apiKey` (else `ABSTRAKT_API_KEY`).
    pub api_key: Option<Secret>,
    /// `apiUrl` (else `ABSTRAKT_API_URL`, else the public API).
    pub api_url: Option<String>,
    /// `offline` (else `ABSTRAKT_OFFLINE=1`).
    pub offline: Option<bool>,
    /// `cacheDir` (else `ABSTRAKT_CACHE_DIR`, else the user cache folder).
    pub cache_dir: Option<PathBuf>,
    /// `inlayHints.enabled`: stored for the inlay-hint feature.
    pub inlay_hints_enabled: Option<bool>,
    /// `diagnostics.scope`: stored for workspace diagnostics.
    pub diagnostics_scope: Option<String>,
}

/// Reads an optional setting: absent leaves `slot` alone, `null` clears it.
fn read<T>(
    map: &serde_json::Map<String, Value>,
    key: &str,
    slot: &mut Option<T>,
    problems: &mut Vec<String>,
    parse: impl Fn(&Value) -> Result<T, String>,
) {
    match map.get(key) {
        None => {}
        Some(Value::Null) => *slot = None,
        Some(value) => match parse(value) {
            Ok(parsed) => *slot = Some(parsed),
            Err(problem) => problems.push(format!("{key}: {problem}")),
        },
    }
}

fn string(value: &Value) -> Result<String, String> {
    value
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| "expected a string".to_string())
}

/// `null`, `[]` or `{}`: no settings at all.
fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
        _ => false,
    }
}

/// How a JSON value is named in a message (never its content: it may be a key).
fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

impl EditorSettings {
    /// The API settings the editor set explicitly; the environment fills in
    /// the rest ([`crate::remote::settings::RemoteSettings::resolve`], the
    /// reading the command line uses too).
    pub fn explicit_remote(&self) -> Explicit {
        Explicit {
            api_key: self.api_key.clone(),
            api_url: self.api_url.clone(),
            offline: self.offline,
            cache_dir: self.cache_dir.clone(),
        }
    }
}

impl EditorSettings {
    /// Applies the keys present in `value` (either the settings object itself or
    /// `{ "abstrakt": { ... } }`), returning a message per rejected value.
    ///
    /// `null`, `[]` and `{}` all mean "no settings": Lua and Vimscript cannot
    /// tell an empty table from an empty list, so Neovim (and others) send an
    /// empty object as `[]`. Any other non-object is one problem.
    pub fn apply(&mut self, value: &Value) -> Vec<String> {
        let object = match value.get("abstrakt") {
            Some(inner) if !is_empty(inner) => inner,
            _ => value,
        };
        match object {
            Value::Object(map) => self.apply_map(map),
            other if is_empty(other) => Vec::new(),
            other => vec![format!(
                "settings must be an object, got {}",
                json_kind(other)
            )],
        }
    }

    fn apply_map(&mut self, map: &serde_json::Map<String, Value>) -> Vec<String> {
        let mut problems = Vec::new();
        if let Some(v) = map.get("intendedUse") {
            match v.as_str().map(str::parse::<IntendedUse>) {
                Some(Ok(use_)) => self.intended_use = Some(use_),
                Some(Err(e)) => problems.push(format!("intendedUse: {e}")),
                None if v.is_null() => self.intended_use = None,
                None => problems.push("intendedUse: expected a string".to_string()),
            }
        }
        read(map, "apiKey", &mut self.api_key, &mut problems, |v| {
            string(v).map(|k| Secret::new(k.trim()))
        });
        if self.api_key.as_ref().is_some_and(|k| k.expose().is_empty()) {
            self.api_key = None;
        }
        // Checked when the client is built: a refused URL turns the API off
        // rather than falling back to another endpoint with the key.
        read(map, "apiUrl", &mut self.api_url, &mut problems, string);
        read(map, "offline", &mut self.offline, &mut problems, |v| {
            v.as_bool()
                .ok_or_else(|| "expected true or false".to_string())
        });
        read(map, "cacheDir", &mut self.cache_dir, &mut problems, |v| {
            string(v).map(PathBuf::from)
        });
        if let Some(Value::Object(inlay)) = map.get("inlayHints") {
            read(
                inlay,
                "enabled",
                &mut self.inlay_hints_enabled,
                &mut problems,
                |v| {
                    v.as_bool()
                        .ok_or_else(|| "expected true or false".to_string())
                },
            );
        }
        if let Some(Value::Object(diagnostics)) = map.get("diagnostics") {
            read(
                diagnostics,
                "scope",
                &mut self.diagnostics_scope,
                &mut problems,
                string,
            );
        }
        problems
    }
}

/// Which files get diagnostics: the open documents, or every file of the
/// workspace (`abstrakt.diagnostics.scope`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DiagnosticsScope {
    #[default]
    OpenFiles,
    Workspace,
}

impl DiagnosticsScope {
    /// The scope a setting value asks for; anything but `"workspace"` is the default.
    pub fn from_setting(scope: Option<&str>) -> Self {
        match scope {
            Some("workspace") => Self::Workspace,
            _ => Self::OpenFiles,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_flat_and_nested_settings_and_reports_bad_values() {
        let mut s = EditorSettings::default();
        assert!(
            s.apply(&json!({ "intendedUse": "personal", "other": 1 }))
                .is_empty()
        );
        assert_eq!(s.intended_use, Some(IntendedUse::Personal));
        assert!(
            s.apply(&json!({ "abstrakt": { "intendedUse": "research" } }))
                .is_empty()
        );
        assert_eq!(s.intended_use, Some(IntendedUse::Research));
        let problems = s.apply(&json!({ "intendedUse": "evil" }));
        assert_eq!(problems.len(), 1);
        assert_eq!(s.intended_use, Some(IntendedUse::Research));
    }

    #[test]
    fn null_empty_list_and_empty_object_are_no_settings() {
        let mut s = EditorSettings::default();
        s.apply(&json!({ "intendedUse": "personal" }));
        for empty in [
            json!(null),
            json!([]),
            json!({}),
            json!({ "abstrakt": [] }),
            json!({ "abstrakt": null }),
            json!({ "abstrakt": {} }),
        ] {
            assert_eq!(s.apply(&empty), Vec::<String>::new(), "{empty}");
            assert_eq!(s.intended_use, Some(IntendedUse::Personal), "{empty}");
        }
    }

    #[test]
    fn other_non_objects_are_one_problem_each() {
        let mut s = EditorSettings::default();
        for (value, kind) in [
            (json!([1]), "a list"),
            (json!("personal"), "a string"),
            (json!(3), "a number"),
            (json!(true), "a boolean"),
            (json!({ "abstrakt": "sk_secret" }), "a string"),
        ] {
            assert_eq!(
                s.apply(&value),
                [format!("settings must be an object, got {kind}")],
                "{value}"
            );
        }
        assert_eq!(s, EditorSettings::default());
    }

    #[test]
    fn api_settings_are_read_and_bad_values_refused() {
        let mut s = EditorSettings::default();
        assert_eq!(s.explicit_remote(), Explicit::default());
        let problems = s.apply(&json!({
            "apiKey": "sk_set", "apiUrl": "http://127.0.0.1:9/v1", "offline": false,
            "cacheDir": "/tmp/set", "inlayHints": { "enabled": true }, "diagnostics": { "scope": "workspace" }
        }));
        assert!(problems.is_empty(), "{problems:?}");
        let remote = s.explicit_remote();
        assert_eq!(remote.api_key, Some(Secret::new("sk_set")));
        assert_eq!(remote.api_url.as_deref(), Some("http://127.0.0.1:9/v1"));
        assert_eq!(remote.offline, Some(false));
        assert_eq!(remote.cache_dir, Some(PathBuf::from("/tmp/set")));
        assert_eq!(s.inlay_hints_enabled, Some(true));
        assert_eq!(s.diagnostics_scope.as_deref(), Some("workspace"));
        let problems = s.apply(&json!({ "apiUrl": 3, "apiKey": "sk_secret_value" }));
        assert_eq!(problems.len(), 1);
        assert!(!problems[0].contains("sk_secret_value"));
        assert_eq!(s.api_url.as_deref(), Some("http://127.0.0.1:9/v1"));
        assert!(!format!("{s:?}").contains("sk_secret_value"));
        s.apply(&json!({ "apiKey": null }));
        assert_eq!(s.explicit_remote().api_key, None);
    }
}
