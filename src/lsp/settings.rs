//! Editor settings: `initializationOptions` and `workspace/didChangeConfiguration`.

use serde_json::Value;

use crate::rules::IntendedUse;

/// What the editor may configure. Unknown keys are ignored; a bad value keeps
/// the previous one and is reported.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EditorSettings {
    pub intended_use: Option<IntendedUse>,
}

impl EditorSettings {
    /// Applies the keys present in `value` (either the settings object itself or
    /// `{ "abstrakt": { ... } }`), returning a message per rejected value.
    pub fn apply(&mut self, value: &Value) -> Vec<String> {
        let mut problems = Vec::new();
        let object = match value.get("abstrakt") {
            Some(inner @ Value::Object(_)) => inner,
            _ => value,
        };
        let Value::Object(map) = object else {
            if !value.is_null() {
                problems.push("settings must be an object".to_string());
            }
            return problems;
        };
        if let Some(v) = map.get("intendedUse") {
            match v.as_str().map(str::parse::<IntendedUse>) {
                Some(Ok(use_)) => self.intended_use = Some(use_),
                Some(Err(e)) => problems.push(format!("intendedUse: {e}")),
                None if v.is_null() => self.intended_use = None,
                None => problems.push("intendedUse: expected a string".to_string()),
            }
        }
        problems
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
}
