//! `--format sarif`: SARIF 2.1.0 for code-scanning upload.
//!
//! Locations are relative URIs against `%SRCROOT%` (the current directory,
//! given in `originalUriBaseIds`); regions are 1-based with columns in UTF-16
//! code units, SARIF's default `columnKind`.

use std::path::Path;

use std::collections::BTreeMap;

use serde::Serialize;

use super::normalize;

use crate::cli::walk::Scan;
use crate::cli::{Fatal, PROJECT_URL};
use crate::extract::Route;
use crate::rules::{RuleCode, Severity};

pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";

/// SARIF's three result levels; info and hint become notes.
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Hint => "note",
    }
}

/// What each rule means and what to do about it (SARIF `fullDescription`).
pub fn full_description(code: RuleCode) -> &'static str {
    match code {
        RuleCode::AttributionRequired => {
            "The model's license requires visible attribution wherever its outputs are shown. The finding gives the exact text the license prescribes, when it prescribes one, else a suggested credit marked as a suggestion; publish it near the output (or in the credits the license allows), or record a reviewed exception in abstrakt.toml."
        }
        RuleCode::NonCommercial => {
            "The model's license does not allow commercial use of the model or its outputs. This is an error when the project's intended use is commercial (the default) and information otherwise. Switch to a commercial-safe model, or set intended-use in abstrakt.toml if the project is personal or research."
        }
        RuleCode::CommercialConditional => {
            "Commercial use is allowed only under a condition, such as a revenue or user threshold, a paid plan or a registration. Check that the project meets the condition named in the finding."
        }
        RuleCode::TerritoryRestricted => {
            "The license excludes some territories. Make sure the model's outputs are not used or shown there, or pick another model."
        }
        RuleCode::LicenseDenied => {
            "The project's policy in abstrakt.toml denies this license or this model (deny-licenses, deny-models, or a non-empty allow-licenses that does not list it)."
        }
        RuleCode::UnknownModel => {
            "No licensing source (project overrides, the Abstrakt API, the built-in registry) knows this model id, so its licensing cannot be checked. Often a typo: the finding suggests the closest known ids. Describe private models in abstrakt.toml [[models]]."
        }
        RuleCode::DynamicModelId => {
            "The model id is computed at run time, so its licensing cannot be checked statically. Use a string literal or a const (or a const object member) so the checker can see which model is called."
        }
        RuleCode::LicenseChanged => {
            "The model's current licensing differs from what the project recorded in abstrakt.lock. Review the change, then run `abstrakt-lsp lock` to acknowledge it."
        }
        RuleCode::AttributionFileStale => {
            "The attribution file named in abstrakt.toml ([attribution] file) no longer matches the models the code uses: a model that needs credit is missing, one is no longer used, or its credit, licence or call sites changed. Regenerate it with `abstrakt-lsp report --format attribution --output FILE` and commit it."
        }
        RuleCode::UnusedException => {
            "An [[exceptions]] entry in abstrakt.toml matched no finding in a run over the whole project (the model is no longer used, or the rule no longer fires for it), or its expiry date has passed and its findings are reported again. Remove the entry, or renew its expires date after a new review. Information by default; an error with `check --strict`."
        }
        RuleCode::ReviewDue => {
            "The project asks for a licensing review every so often ([policy] review-every in abstrakt.toml) and this model's last review recorded in abstrakt.lock is older than that, or none is recorded. Review the model's current terms, then mark it reviewed (the editor's quick fix, or `abstrakt-lsp lock --mark-reviewed ID`)."
        }
        RuleCode::GenerationNotLogged => {
            "The project requires a compliance record of every generation (the rule is turned on in [rules], and [compliance] log names the function that saves it), and this model call's result is not passed to that function in the same function or module. Log it (the editor's quick fix \"Log this generation for compliance\" inserts the record after the call), or record an exception."
        }
    }
}

fn help_uri(code: RuleCode) -> String {
    format!("{PROJECT_URL}/blob/main/docs/rules.md#{}", code.as_str())
}

/// `attribution-required` → `AttributionRequired` (SARIF's `name` is a readable identifier).
fn rule_name(code: RuleCode) -> String {
    code.as_str()
        .split('-')
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

// The subset of SARIF 2.1.0 we write, in the order the spec lists the properties.

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    original_uri_base_ids: BTreeMap<&'static str, ArtifactLocation>,
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

fn text(text: impl Into<String>) -> Text {
    Text { text: text.into() }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    name: String,
    short_description: Text,
    full_description: Text,
    help_uri: String,
    help: Text,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<Properties>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    end_line: u32,
    end_column: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Properties {
    #[serde(skip_serializing_if = "Option::is_none")]
    model_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    license: Option<String>,
    /// The family pattern the id matched (`fal-ai/flux-lora*`), when it is not listed itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    matched_pattern: Option<String>,
    /// The route the call takes, when it is not the Abstrakt API.
    #[serde(skip_serializing_if = "Route::is_abstrakt")]
    route: Route,
}

fn rules() -> Vec<Rule> {
    RuleCode::ALL
        .iter()
        .map(|&code| Rule {
            id: code.as_str(),
            name: rule_name(code),
            short_description: text(code.summary()),
            full_description: text(full_description(code)),
            help_uri: help_uri(code),
            help: text(full_description(code)),
            default_configuration: Configuration {
                level: level(code.default_severity()),
            },
        })
        .collect()
}

/// Percent-encodes a path for a URI: unreserved characters and `/` stay.
fn encode_path(path: &Path) -> String {
    let text = super::path_text(path);
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `file:///abs/dir/` for a directory.
fn directory_uri(dir: &Path) -> String {
    let mut uri = format!("file://{}", encode_path(dir));
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// The artifact location of a file: relative to `root` when inside it, else absolute.
fn artifact_location(path: &Path, root: &Path) -> ArtifactLocation {
    let absolute = normalize(&root.join(path));
    match absolute.strip_prefix(root) {
        Ok(relative) => ArtifactLocation {
            uri: encode_path(relative),
            uri_base_id: Some(SRCROOT),
        },
        Err(_) => ArtifactLocation {
            uri: format!("file://{}", encode_path(&absolute)),
            uri_base_id: None,
        },
    }
}

pub fn render(scan: &Scan) -> Result<String, Fatal> {
    let root = super::current_dir()?;
    let results = scan
        .findings()
        .map(|(file, located)| {
            let f = &located.finding;
            let span = &located.span;
            let properties = (f.model_id.is_some() || f.license.is_some()).then(|| Properties {
                model_id: f.model_id.clone(),
                license: f.license.clone(),
                matched_pattern: f.matched_pattern.clone(),
                route: f.route,
            });
            SarifResult {
                rule_id: f.code.as_str(),
                rule_index: RuleCode::ALL.iter().position(|&c| c == f.code).unwrap_or(0),
                level: level(f.severity),
                message: text(f.message.clone()),
                locations: vec![Location {
                    physical_location: PhysicalLocation {
                        artifact_location: artifact_location(&file.path, &root),
                        region: Region {
                            start_line: span.start_line,
                            start_column: span.start_column,
                            end_line: span.end_line,
                            end_column: span.end_column,
                        },
                    },
                }],
                properties,
            }
        })
        .collect();
    let log = Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "abstrakt-lsp",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: PROJECT_URL,
                    rules: rules(),
                },
            },
            original_uri_base_ids: BTreeMap::from([(
                SRCROOT,
                ArtifactLocation {
                    uri: directory_uri(&root),
                    uri_base_id: None,
                },
            )]),
            column_kind: "utf16CodeUnits",
            results,
        }],
    };
    let mut text = serde_json::to_string_pretty(&log)
        .map_err(|e| Fatal(format!("cannot write SARIF: {e}")))?;
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_inside_the_root_and_encoded() {
        let root = Path::new("/work/repo");
        assert_eq!(
            artifact_location(Path::new("./src/my app/ä.ts"), root),
            ArtifactLocation {
                uri: "src/my%20app/%C3%A4.ts".into(),
                uri_base_id: Some("%SRCROOT%")
            }
        );
        assert_eq!(
            artifact_location(Path::new("../other/a.js"), root),
            ArtifactLocation {
                uri: "file:///work/other/a.js".into(),
                uri_base_id: None
            }
        );
        assert_eq!(directory_uri(root), "file:///work/repo/");
    }

    #[test]
    fn rule_names_are_pascal_case() {
        assert_eq!(
            rule_name(RuleCode::AttributionRequired),
            "AttributionRequired"
        );
    }
}
