//! `report --format spdx3`: the compliance record as SPDX 3.0.1 JSON-LD with
//! the AI profile, for SBOM tooling that reads SPDX rather than CycloneDX.
//!
//! One `ai_AIPackage` per model used (supplier, download location, version,
//! limitation from the restrictions, type and domain from the registry's
//! modality, the credit as `software_attributionText`), its licence as a
//! `simplelicensing_LicenseExpression` (the SPDX id, or `LicenseRef-…` mapped
//! to the licence text's URL) linked by exactly one `hasDeclaredLicense` and
//! one `hasConcludedLicense` relationship, as the AI profile's conformance
//! rules require, and each source file that calls a model as a
//! `software_File` that `dependsOn` it at run time, the call sites in the
//! relationship's comment. Field names follow the SPDX 3.0.1 model
//! (<https://spdx.github.io/spdx-spec/v3.0.1/model/AI/Classes/AIPackage>).
//!
//! Deterministic: element ids are derived from the content, and
//! `SOURCE_DATE_EPOCH` pins the creation time.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::cli::Fatal;
use crate::cli::output::relative_path;
use crate::cli::walk::Scan;
use crate::extract::Target;
use crate::licensing::Model;

pub const CONTEXT: &str = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld";

/// Percent-encodes what may not stand in an IRI path segment.
fn segment(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `LicenseRef-` ids allow letters, digits, `.` and `-` only.
fn license_ref(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("LicenseRef-{}", cleaned.trim_matches('-'))
}

/// The licence as an SPDX expression, and the `LicenseRef-` ids it uses with
/// their text URLs.
fn license_expression(model: &Model) -> (String, Vec<(String, String)>) {
    let licensing = &model.licensing;
    match licensing.spdx.as_deref().map(str::trim) {
        Some(spdx) if !spdx.is_empty() && !spdx.starts_with("LicenseRef-") => {
            (spdx.to_string(), Vec::new())
        }
        other => {
            let id = match other {
                Some(reference) if !reference.is_empty() => reference.to_string(),
                _ => license_ref(&licensing.license),
            };
            let urls = licensing
                .license_url
                .iter()
                .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
                .map(|u| (id.clone(), u.clone()))
                .collect();
            (id, urls)
        }
    }
}

/// What the document needs besides the scan.
pub struct Options<'a> {
    pub timestamp: jiff::Timestamp,
    pub project_name: &'a str,
}

/// Canonical model id → the model and the ids the code wrote for it.
type Models = BTreeMap<String, (std::sync::Arc<Model>, BTreeSet<String>)>;
/// (file, canonical model id) → the call sites.
type Sites = BTreeMap<(String, String), Vec<String>>;

/// The scan as the document sees it: models by canonical id, call sites per
/// file and model, and the uses whose licensing could not be checked.
struct Uses {
    models: Models,
    sites: Sites,
    unchecked: Vec<String>,
}

fn collect(scan: &Scan, root: &std::path::Path) -> Uses {
    let mut uses = Uses {
        models: BTreeMap::new(),
        sites: BTreeMap::new(),
        unchecked: Vec::new(),
    };
    for (file, model_use) in scan.uses() {
        let path = relative_path(&file.path, root);
        let place = format!(
            "{path}:{}:{}",
            model_use.span.start_line, model_use.span.start_column
        );
        let resolved = match &model_use.target {
            Target::Static { id, .. } => {
                crate::rules::resolve_on(&file.project.resolver, model_use.route, id)
                    .map(|r| (id.clone(), r))
            }
            Target::Dynamic { .. } => None,
        };
        let Some((written, resolved)) = resolved else {
            let what = match &model_use.target {
                Target::Static { id, .. } => format!("unknown model id `{id}`"),
                Target::Dynamic { expression, .. } => {
                    format!("dynamic model id `{}`", one_line(expression))
                }
            };
            uses.unchecked.push(format!("{place}: {what}"));
            continue;
        };
        let id = resolved.model.id.clone();
        uses.models
            .entry(id.clone())
            .or_insert_with(|| (resolved.model.clone(), BTreeSet::new()))
            .1
            .insert(written);
        uses.sites
            .entry((path, id))
            .or_default()
            .push(format!("{place} ({})", model_use.method));
    }
    uses
}

/// The namespace: a hash of what the document says, so it is stable.
fn namespace(project_name: &str, uses: &Uses) -> String {
    let mut hasher = Sha256::new();
    hasher.update(project_name.as_bytes());
    for ((path, id), places) in &uses.sites {
        hasher.update(format!("{path}\0{id}\0{}\0", places.join("\0")).as_bytes());
    }
    for line in &uses.unchecked {
        hasher.update(line.as_bytes());
    }
    let digest: String = hasher
        .finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!(
        "https://spdx.org/spdxdocs/abstrakt-lsp/{}-{digest}",
        segment(project_name)
    )
}

/// The creation info every element points at.
const INFO: &str = "_:creationinfo";

/// The `@graph` being written, and the ids the BOM lists as its elements
/// (in the order they were added).
struct Graph {
    ns: String,
    nodes: Vec<Value>,
    elements: Vec<String>,
}

impl Graph {
    /// A node that the BOM lists as an element.
    fn element(&mut self, id: String, node: Value) {
        self.nodes.push(node);
        self.elements.push(id);
    }

    /// The creation info, the agent and tool that wrote the document, and
    /// the project package (with the uses that could not be checked).
    /// Returns the project's id.
    fn header(&mut self, options: &Options<'_>, unchecked: &[String]) -> String {
        let ns = &self.ns;
        let agent = format!("{ns}/agent/abstrakt-lsp");
        let tool = format!("{ns}/tool/abstrakt-lsp");
        let project = format!("{ns}/project");
        let created = options.timestamp.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
        self.nodes.push(json!({
            "type": "CreationInfo",
            "@id": INFO,
            "specVersion": "3.0.1",
            "created": created,
            "createdBy": [agent],
            "createdUsing": [tool],
        }));
        let mut project_package = json!({
            "type": "software_Package",
            "spdxId": project,
            "creationInfo": INFO,
            "name": options.project_name,
            "software_primaryPurpose": "application",
        });
        if !unchecked.is_empty() {
            project_package["comment"] = json!(format!(
                "Model uses whose licensing could not be checked: {}",
                unchecked.join("; ")
            ));
        }
        self.element(
            agent.clone(),
            json!({
                "type": "SoftwareAgent",
                "spdxId": agent,
                "creationInfo": INFO,
                "name": "abstrakt-lsp",
            }),
        );
        self.element(
            tool.clone(),
            json!({
                "type": "Tool",
                "spdxId": tool,
                "creationInfo": INFO,
                "name": format!("abstrakt-lsp {}", env!("CARGO_PKG_VERSION")),
            }),
        );
        self.element(project.clone(), project_package);
        project
    }

    /// One `ai_AIPackage` for a model, its licence expression and the
    /// declared and concluded licence relationships. Its supplier is
    /// remembered in `suppliers` (written once per vendor, after the models).
    /// Returns the package's id.
    fn model(
        &mut self,
        id: &str,
        model: &Model,
        written: &BTreeSet<String>,
        suppliers: &mut BTreeMap<String, String>,
    ) -> String {
        let ns = self.ns.clone();
        let spdx_id = format!("{ns}/model/{}", segment(id));
        let mut package = ai_package(&spdx_id, id, model, written);
        if let Some(vendor) = model
            .vendor
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
        {
            let org = suppliers
                .entry(vendor.to_string())
                .or_insert_with(|| format!("{ns}/organization/{}", segment(vendor)))
                .clone();
            package["suppliedBy"] = json!(org);
        }
        self.element(spdx_id.clone(), package);

        let (expression, refs) = license_expression(model);
        let license_id = format!("{ns}/license/{}", segment(id));
        let mut license = json!({
            "type": "simplelicensing_LicenseExpression",
            "spdxId": license_id,
            "creationInfo": INFO,
            "simplelicensing_licenseExpression": expression,
        });
        if !refs.is_empty() {
            license["simplelicensing_customIdToUri"] = refs
                .iter()
                .map(|(key, value)| json!({"type": "DictionaryEntry", "key": key, "value": value}))
                .collect();
        }
        self.element(license_id.clone(), license);
        for (kind, name) in [
            ("hasDeclaredLicense", "declared"),
            ("hasConcludedLicense", "concluded"),
        ] {
            let relationship = format!("{ns}/relationship/{}-{name}-license", segment(id));
            self.element(
                relationship.clone(),
                json!({
                    "type": "Relationship",
                    "spdxId": relationship,
                    "creationInfo": INFO,
                    "relationshipType": kind,
                    "from": spdx_id,
                    "to": [license_id],
                }),
            );
        }
        spdx_id
    }

    /// One `software_File` per source file that calls a model, each
    /// `dependsOn` the models it calls at run time, the call sites in the
    /// relationship's comment. Returns the files' ids.
    fn files(&mut self, sites: &Sites) -> Vec<String> {
        let ns = self.ns.clone();
        let mut files: Vec<String> = Vec::new();
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        for ((path, id), places) in sites {
            let file_id = format!("{ns}/file/{}", segment(path));
            if seen.insert(path) {
                self.element(
                    file_id.clone(),
                    json!({
                        "type": "software_File",
                        "spdxId": file_id,
                        "creationInfo": INFO,
                        "name": path,
                        "software_primaryPurpose": "source",
                    }),
                );
                files.push(file_id.clone());
            }
            let relationship = format!("{ns}/relationship/{}-uses-{}", segment(path), segment(id));
            self.element(
                relationship.clone(),
                json!({
                    "type": "LifecycleScopedRelationship",
                    "spdxId": relationship,
                    "creationInfo": INFO,
                    "relationshipType": "dependsOn",
                    "scope": "runtime",
                    "from": file_id,
                    "to": [format!("{ns}/model/{}", segment(id))],
                    "comment": format!("Called at {}", places.join(", ")),
                }),
            );
        }
        files
    }

    /// The project `contains` its files and `dependsOn` its models.
    fn project_relationships(&mut self, project: &str, files: Vec<String>, models: Vec<String>) {
        let ns = self.ns.clone();
        if !files.is_empty() {
            let contains = format!("{ns}/relationship/project-contains-files");
            self.element(
                contains.clone(),
                json!({
                    "type": "Relationship",
                    "spdxId": contains,
                    "creationInfo": INFO,
                    "relationshipType": "contains",
                    "from": project,
                    "to": files,
                }),
            );
        }
        if !models.is_empty() {
            let depends = format!("{ns}/relationship/project-depends-on-models");
            self.element(
                depends.clone(),
                json!({
                    "type": "LifecycleScopedRelationship",
                    "spdxId": depends,
                    "creationInfo": INFO,
                    "relationshipType": "dependsOn",
                    "scope": "runtime",
                    "from": project,
                    "to": models,
                }),
            );
        }
    }

    /// The BOM over every element, and the document whose root it is.
    fn finish(mut self, project: &str, project_name: &str) -> Value {
        let ns = &self.ns;
        let bom = format!("{ns}/bom");
        let document = format!("{ns}/document");
        self.nodes.push(json!({
            "type": "Bom",
            "spdxId": bom,
            "creationInfo": INFO,
            "name": format!("AI models used by {project_name}"),
            "profileConformance": ["core", "software", "simpleLicensing", "ai"],
            "rootElement": [project],
            "element": self.elements,
        }));
        self.nodes.push(json!({
            "type": "SpdxDocument",
            "spdxId": document,
            "creationInfo": INFO,
            "name": format!("AI models used by {project_name}"),
            "profileConformance": ["core", "software", "simpleLicensing", "ai"],
            "rootElement": [bom],
            "element": [bom],
        }));
        json!({ "@context": CONTEXT, "@graph": self.nodes })
    }
}

/// The model's package: name, the ids the code calls as its version, where
/// the API describes it, type and domain from the modality, limitations from
/// the restrictions, and the credit.
fn ai_package(spdx_id: &str, id: &str, model: &Model, written: &BTreeSet<String>) -> Value {
    let licensing = &model.licensing;
    let mut package = json!({
        "type": "ai_AIPackage",
        "spdxId": spdx_id,
        "creationInfo": INFO,
        "name": model.name,
        "software_primaryPurpose": "model",
        // Hosted models are versioned by the id the code calls.
        "software_packageVersion": written.iter().cloned().collect::<Vec<_>>().join(", "),
        "software_downloadLocation": format!("https://api.abstrakt.one/v1/models/{}", segment(id)),
    });
    if let Some(modality) = model.modality.as_deref().filter(|m| !m.is_empty()) {
        package["ai_typeOfModel"] = json!([format!("{modality} model")]);
        package["ai_domain"] = json!([modality]);
    }
    let mut limits: Vec<String> = licensing.restrictions.iter().map(|r| one_line(r)).collect();
    if !licensing.territories_excluded.is_empty() {
        limits.push(format!(
            "Not licensed in: {}",
            licensing.territories_excluded.join(", ")
        ));
    }
    if !limits.is_empty() {
        package["ai_limitation"] = json!(limits.join("; "));
    }
    if let Some(credit) = model.credit() {
        package["software_attributionText"] = json!([one_line(&credit.text)]);
        package["comment"] = json!(if credit.prescribed {
            "The attribution text is the wording a source prescribes."
        } else {
            "The attribution text is abstrakt-lsp's suggestion: the source requires a credit but gives no wording."
        });
    }
    package
}

pub fn render(scan: &Scan, options: &Options<'_>) -> Result<String, Fatal> {
    let root = crate::cli::output::current_dir()?;
    let uses = collect(scan, &root);
    let mut graph = Graph {
        ns: namespace(options.project_name, &uses),
        nodes: Vec::new(),
        elements: Vec::new(),
    };
    let project = graph.header(options, &uses.unchecked);
    let mut suppliers: BTreeMap<String, String> = BTreeMap::new();
    let mut model_ids: Vec<String> = Vec::new();
    for (id, (model, written)) in &uses.models {
        model_ids.push(graph.model(id, model, written, &mut suppliers));
    }
    for (vendor, org) in suppliers {
        graph.element(
            org.clone(),
            json!({
                "type": "Organization",
                "spdxId": org,
                "creationInfo": INFO,
                "name": vendor,
            }),
        );
    }
    let files = graph.files(&uses.sites);
    graph.project_relationships(&project, files, model_ids);
    let document = graph.finish(&project, options.project_name);
    let mut text = serde_json::to_string_pretty(&document)
        .map_err(|e| Fatal(format!("cannot write SPDX: {e}")))?;
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn license_refs_are_valid_ids() {
        assert_eq!(license_ref("FLUX.1-dev"), "LicenseRef-FLUX.1-dev");
        assert_eq!(
            license_ref("Llama 3.1 Community License"),
            "LicenseRef-Llama-3.1-Community-License"
        );
        assert_eq!(segment("fal-ai/flux dev"), "fal-ai%2Fflux%20dev");
    }
}
