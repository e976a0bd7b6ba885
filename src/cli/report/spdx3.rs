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
use crate::registry::Lookup;

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

pub fn render(scan: &Scan, options: &Options<'_>) -> Result<String, Fatal> {
    let root = crate::cli::output::current_dir()?;
    // Canonical id → model; (file, canonical id) → call sites.
    let mut models: BTreeMap<String, (std::sync::Arc<Model>, BTreeSet<String>)> = BTreeMap::new();
    let mut sites: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let mut unchecked: Vec<String> = Vec::new();
    for (file, model_use) in scan.uses() {
        let path = relative_path(&file.path, &root);
        let place = format!(
            "{path}:{}:{}",
            model_use.span.start_line, model_use.span.start_column
        );
        let resolved = match &model_use.target {
            Target::Static { id, .. } => file.project.resolver.resolve(id).map(|r| (id.clone(), r)),
            Target::Dynamic { .. } => None,
        };
        let Some((written, resolved)) = resolved else {
            let what = match &model_use.target {
                Target::Static { id, .. } => format!("unknown model id `{id}`"),
                Target::Dynamic { expression, .. } => {
                    format!("dynamic model id `{}`", one_line(expression))
                }
            };
            unchecked.push(format!("{place}: {what}"));
            continue;
        };
        let id = resolved.model.id.clone();
        models
            .entry(id.clone())
            .or_insert_with(|| (resolved.model.clone(), BTreeSet::new()))
            .1
            .insert(written);
        sites
            .entry((path, id))
            .or_default()
            .push(format!("{place} ({})", model_use.method));
    }

    // The namespace: a hash of what the document says, so it is stable.
    let mut hasher = Sha256::new();
    hasher.update(options.project_name.as_bytes());
    for ((path, id), places) in &sites {
        hasher.update(format!("{path}\0{id}\0{}\0", places.join("\0")).as_bytes());
    }
    for line in &unchecked {
        hasher.update(line.as_bytes());
    }
    let digest: String = hasher
        .finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    let ns = format!(
        "https://spdx.org/spdxdocs/abstrakt-lsp/{}-{digest}",
        segment(options.project_name)
    );
    let created = options.timestamp.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let info = "_:creationinfo";
    let mut graph: Vec<Value> = Vec::new();
    let agent = format!("{ns}/agent/abstrakt-lsp");
    let tool = format!("{ns}/tool/abstrakt-lsp");
    graph.push(json!({
        "type": "CreationInfo",
        "@id": info,
        "specVersion": "3.0.1",
        "created": created,
        "createdBy": [agent],
        "createdUsing": [tool],
    }));
    graph.push(json!({
        "type": "SoftwareAgent",
        "spdxId": agent,
        "creationInfo": info,
        "name": "abstrakt-lsp",
    }));
    graph.push(json!({
        "type": "Tool",
        "spdxId": tool,
        "creationInfo": info,
        "name": format!("abstrakt-lsp {}", env!("CARGO_PKG_VERSION")),
    }));
    let project = format!("{ns}/project");
    let mut elements: Vec<String> = vec![agent.clone(), tool.clone(), project.clone()];
    let mut project_package = json!({
        "type": "software_Package",
        "spdxId": project,
        "creationInfo": info,
        "name": options.project_name,
        "software_primaryPurpose": "application",
    });
    if !unchecked.is_empty() {
        project_package["comment"] = json!(format!(
            "Model uses whose licensing could not be checked: {}",
            unchecked.join("; ")
        ));
    }
    graph.push(project_package);

    let mut suppliers: BTreeMap<String, String> = BTreeMap::new();
    let mut model_ids: Vec<String> = Vec::new();
    for (id, (model, written)) in &models {
        let spdx_id = format!("{ns}/model/{}", segment(id));
        let licensing = &model.licensing;
        let mut package = json!({
            "type": "ai_AIPackage",
            "spdxId": spdx_id,
            "creationInfo": info,
            "name": model.name,
            "software_primaryPurpose": "model",
            // Hosted models are versioned by the id the code calls.
            "software_packageVersion": written.iter().cloned().collect::<Vec<_>>().join(", "),
            "software_downloadLocation": format!("https://api.abstrakt.one/v1/models/{}", segment(id)),
        });
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
        graph.push(package);
        elements.push(spdx_id.clone());
        model_ids.push(spdx_id.clone());

        let (expression, refs) = license_expression(model);
        let license_id = format!("{ns}/license/{}", segment(id));
        let mut license = json!({
            "type": "simplelicensing_LicenseExpression",
            "spdxId": license_id,
            "creationInfo": info,
            "simplelicensing_licenseExpression": expression,
        });
        if !refs.is_empty() {
            license["simplelicensing_customIdToUri"] = refs
                .iter()
                .map(|(key, value)| json!({"type": "DictionaryEntry", "key": key, "value": value}))
                .collect();
        }
        graph.push(license);
        elements.push(license_id.clone());
        for (kind, name) in [
            ("hasDeclaredLicense", "declared"),
            ("hasConcludedLicense", "concluded"),
        ] {
            let relationship = format!("{ns}/relationship/{}-{name}-license", segment(id));
            graph.push(json!({
                "type": "Relationship",
                "spdxId": relationship,
                "creationInfo": info,
                "relationshipType": kind,
                "from": spdx_id,
                "to": [license_id],
            }));
            elements.push(relationship);
        }
    }
    for (vendor, org) in &suppliers {
        graph.push(json!({
            "type": "Organization",
            "spdxId": org,
            "creationInfo": info,
            "name": vendor,
        }));
        elements.push(org.clone());
    }

    let mut files: BTreeSet<&str> = BTreeSet::new();
    for ((path, id), places) in &sites {
        let file_id = format!("{ns}/file/{}", segment(path));
        if files.insert(path) {
            graph.push(json!({
                "type": "software_File",
                "spdxId": file_id,
                "creationInfo": info,
                "name": path,
                "software_primaryPurpose": "source",
            }));
            elements.push(file_id.clone());
        }
        let relationship = format!("{ns}/relationship/{}-uses-{}", segment(path), segment(id));
        graph.push(json!({
            "type": "LifecycleScopedRelationship",
            "spdxId": relationship,
            "creationInfo": info,
            "relationshipType": "dependsOn",
            "scope": "runtime",
            "from": file_id,
            "to": [format!("{ns}/model/{}", segment(id))],
            "comment": format!("Called at {}", places.join(", ")),
        }));
        elements.push(relationship);
    }
    if !files.is_empty() {
        let contains = format!("{ns}/relationship/project-contains-files");
        graph.push(json!({
            "type": "Relationship",
            "spdxId": contains,
            "creationInfo": info,
            "relationshipType": "contains",
            "from": project,
            "to": files.iter().map(|p| format!("{ns}/file/{}", segment(p))).collect::<Vec<_>>(),
        }));
        elements.push(contains);
    }
    if !model_ids.is_empty() {
        let depends = format!("{ns}/relationship/project-depends-on-models");
        graph.push(json!({
            "type": "LifecycleScopedRelationship",
            "spdxId": depends,
            "creationInfo": info,
            "relationshipType": "dependsOn",
            "scope": "runtime",
            "from": project,
            "to": model_ids,
        }));
        elements.push(depends);
    }
    let bom = format!("{ns}/bom");
    graph.push(json!({
        "type": "Bom",
        "spdxId": bom,
        "creationInfo": info,
        "name": format!("AI models used by {}", options.project_name),
        "profileConformance": ["core", "software", "simpleLicensing", "ai"],
        "rootElement": [project],
        "element": elements,
    }));
    graph.push(json!({
        "type": "SpdxDocument",
        "spdxId": format!("{ns}/document"),
        "creationInfo": info,
        "name": format!("AI models used by {}", options.project_name),
        "profileConformance": ["core", "software", "simpleLicensing", "ai"],
        "rootElement": [bom],
        "element": [bom],
    }));
    let document = json!({ "@context": CONTEXT, "@graph": graph });
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
