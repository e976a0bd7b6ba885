//! `report --format cyclonedx`: the compliance record as a CycloneDX 1.6 AI
//! bill of materials (JSON), which SBOM tooling (Dependency-Track, cdxgen's
//! merge, GUAC) already reads.
//!
//! One `machine-learning-model` component per model used, with its license,
//! supplier, references to the license and the sources behind the data, the
//! licensing facts as `abstrakt:` properties and every call site under
//! `evidence.occurrences`. Output is deterministic except `serialNumber` and
//! `metadata.timestamp`; `--serial-number` (or `ABSTRAKT_BOM_SERIAL_NUMBER`)
//! and `SOURCE_DATE_EPOCH` pin those for reproducible builds.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Serialize;

use crate::cli::output::relative_path;
use crate::cli::walk::{FileResult, LocatedUse, Scan};
use crate::cli::{Fatal, PROJECT_URL};
use crate::extract::Target;
use crate::licensing::Model;
use crate::registry::{Resolved, Source};

pub const SPEC_VERSION: &str = "1.6";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Bom {
    #[serde(rename = "$schema")]
    schema: &'static str,
    bom_format: &'static str,
    spec_version: &'static str,
    serial_number: String,
    version: u32,
    metadata: Metadata,
    components: Vec<Component>,
    dependencies: Vec<Dependency>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Metadata {
    timestamp: String,
    tools: Tools,
    component: Component,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

#[derive(Serialize)]
struct Tools {
    components: Vec<Component>,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct Component {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "bom-ref", skip_serializing_if = "Option::is_none")]
    bom_ref: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    supplier: Option<Organization>,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    licenses: Vec<LicenseChoice>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    external_references: Vec<ExternalReference>,
    #[serde(skip_serializing_if = "Option::is_none")]
    evidence: Option<Evidence>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

#[derive(Serialize)]
struct Organization {
    name: String,
}

#[derive(Serialize)]
#[serde(untagged)]
enum LicenseChoice {
    License { license: License },
    Expression { expression: String },
}

#[derive(Serialize)]
struct License {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
}

#[derive(Serialize)]
struct ExternalReference {
    #[serde(rename = "type")]
    kind: &'static str,
    url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
}

#[derive(Serialize)]
struct Evidence {
    occurrences: Vec<Occurrence>,
}

/// A call site. `line` is 1-based; `offset` is the 1-based column in UTF-16
/// code units, as in every other output of `check` and `report`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Occurrence {
    location: String,
    line: u32,
    offset: u32,
    symbol: String,
    additional_context: String,
}

#[derive(Serialize, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Property {
    name: &'static str,
    value: String,
}

fn property(name: &'static str, value: impl Into<String>) -> Property {
    Property {
        name,
        value: value.into(),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Dependency {
    #[serde(rename = "ref")]
    reference: String,
    depends_on: Vec<String>,
}

/// What the report needs besides the scan.
pub struct Options<'a> {
    /// `urn:uuid:…`.
    pub serial_number: String,
    pub timestamp: jiff::Timestamp,
    /// Names the project in `metadata.component`.
    pub project_name: &'a str,
}

/// A serde enum's wire name (`not-allowed`), for property values.
fn token<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// The resolution source as a token: built-in, api, project, expired-cache.
fn source_token(source: &Source) -> &'static str {
    match source {
        Source::BuiltIn => "built-in",
        Source::Api { .. } => "api",
        Source::Project { .. } => "project",
        Source::ExpiredCache { .. } => "expired-cache",
    }
}

fn is_web_url(text: &str) -> bool {
    text.starts_with("https://") || text.starts_with("http://")
}

/// An SPDX id when the data has one (an expression when it combines several),
/// else the license's name and URL.
fn licenses(model: &Model) -> Vec<LicenseChoice> {
    let licensing = &model.licensing;
    let url = licensing.license_url.clone().filter(|u| is_web_url(u));
    match licensing.spdx.as_deref().map(str::trim) {
        Some(spdx) if !spdx.is_empty() => {
            let compound = spdx.contains(' ') || spdx.contains('(');
            if compound || spdx.starts_with("LicenseRef-") {
                vec![LicenseChoice::Expression {
                    expression: spdx.to_string(),
                }]
            } else {
                vec![LicenseChoice::License {
                    license: License {
                        id: Some(spdx.to_string()),
                        name: None,
                        url,
                    },
                }]
            }
        }
        _ => vec![LicenseChoice::License {
            license: License {
                id: None,
                name: Some(licensing.license.clone()),
                url,
            },
        }],
    }
}

fn external_references(model: &Model) -> Vec<ExternalReference> {
    let licensing = &model.licensing;
    let mut refs = Vec::new();
    if let Some(url) = licensing.license_url.as_deref().filter(|u| is_web_url(u)) {
        refs.push(ExternalReference {
            kind: "license",
            url: url.to_string(),
            comment: None,
        });
    }
    let mut sources: Vec<&str> = licensing.sources.iter().map(String::as_str).collect();
    sources.extend(licensing.evidence.iter().map(|e| e.source.as_str()));
    let mut seen = BTreeSet::new();
    for source in sources {
        // Sources read "URL (what was read, when)": the URL, then the note.
        let source = source.trim();
        let url = source.split_whitespace().next().unwrap_or("");
        if !is_web_url(url) || Some(url) == licensing.license_url.as_deref() || !seen.insert(url) {
            continue;
        }
        let note = source[url.len()..].trim();
        refs.push(ExternalReference {
            kind: "evidence",
            url: url.to_string(),
            comment: Some(if note.is_empty() {
                "A source of the licensing data".to_string()
            } else {
                format!("A source of the licensing data: {note}")
            }),
        });
    }
    refs
}

fn model_properties(resolved: &Resolved, intended: &BTreeSet<&'static str>) -> Vec<Property> {
    let model = &resolved.model;
    let licensing = &model.licensing;
    let mut props = vec![property("abstrakt:model-id", model.id.clone())];
    props.push(property("abstrakt:license", licensing.license.clone()));
    if let Some(category) = licensing.category {
        props.push(property("abstrakt:category", category.as_str()));
    }
    props.push(property(
        "abstrakt:commercial-use",
        token(&licensing.commercial),
    ));
    for use_ in intended {
        if let Ok(intended_use) = use_.parse::<crate::rules::IntendedUse>() {
            props.push(property(
                "abstrakt:commercial-use-for-intended-use",
                format!("{use_}: {}", super::commercial_for(licensing, intended_use)),
            ));
        }
    }
    if let Some(condition) = &licensing.commercial_condition {
        props.push(property(
            "abstrakt:commercial-condition",
            one_line(condition),
        ));
    }
    props.push(property(
        "abstrakt:attribution",
        token(&licensing.attribution),
    ));
    if let Some(credit) = resolved.model.credit() {
        // A suggested credit is ours, not the licence's: keep the two apart for auditors.
        let name = if credit.prescribed {
            "abstrakt:attribution-text"
        } else {
            "abstrakt:attribution-suggested-credit"
        };
        props.push(property(name, credit.text));
        if let Some(origin) = credit.origin {
            props.push(property("abstrakt:attribution-text-origin", origin));
        }
    }
    for restriction in &licensing.restrictions {
        props.push(property("abstrakt:restriction", one_line(restriction)));
    }
    for territory in &licensing.territories_excluded {
        props.push(property("abstrakt:territory-excluded", territory.clone()));
    }
    props.push(property(
        "abstrakt:resolution-source",
        source_token(&resolved.source),
    ));
    let (_, date) = super::source_and_date(resolved);
    if let Some(date) = date {
        props.push(property("abstrakt:source-date", date));
    }
    props
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn occurrence(file: &FileResult, model_use: &LocatedUse, root: &Path) -> Occurrence {
    let mut context = one_line(file.line_text(model_use.span.start_line));
    if context.chars().count() > 200 {
        context = context.chars().take(199).collect::<String>() + "…";
    }
    Occurrence {
        location: relative_path(&file.path, root),
        line: model_use.span.start_line,
        offset: model_use.span.start_column,
        symbol: model_use.method.clone(),
        additional_context: context,
    }
}

/// One model, being assembled.
struct Entry {
    component: Component,
    /// The route every use in the entry takes.
    route: crate::extract::Route,
    intended: BTreeSet<&'static str>,
    resolved: Option<Resolved>,
    written_as: BTreeSet<String>,
    /// Family patterns that decided some of the uses: a component gathers every
    /// spelling of a model, and any of them may have matched only by pattern.
    matched_patterns: BTreeSet<String>,
}

impl Entry {
    /// A model's component before its uses are added: licences, supplier
    /// and references when a source knows the id, a note when none does.
    fn new(
        bom_ref: &str,
        id: &str,
        route: crate::extract::Route,
        resolved: Option<Resolved>,
    ) -> Entry {
        let component = match &resolved {
            Some(r) => Component {
                kind: "machine-learning-model",
                bom_ref: Some(bom_ref.to_string()),
                supplier: r.model.vendor.clone().map(|name| Organization { name }),
                name: r.model.name.clone(),
                description: (r.model.name != r.model.id)
                    .then(|| format!("{} ({})", r.model.name, r.model.id)),
                licenses: licenses(&r.model),
                external_references: external_references(&r.model),
                ..Component::default()
            },
            None => Component {
                kind: "machine-learning-model",
                bom_ref: Some(bom_ref.to_string()),
                name: id.to_string(),
                description: Some("Unknown model: no licensing source knows this id".to_string()),
                ..Component::default()
            },
        };
        Entry {
            component,
            route,
            intended: BTreeSet::new(),
            resolved,
            written_as: BTreeSet::new(),
            matched_patterns: BTreeSet::new(),
        }
    }

    /// The finished component: the licensing facts, every spelling the code
    /// wrote, the patterns that matched and the route as properties.
    fn into_component(mut self) -> Component {
        let mut props = match &self.resolved {
            Some(resolved) => model_properties(resolved, &self.intended),
            None => vec![property("abstrakt:status", "unknown")],
        };
        for id in &self.written_as {
            props.push(property("abstrakt:written-as", id.clone()));
        }
        for pattern in &self.matched_patterns {
            props.push(property("abstrakt:matched-pattern", pattern.clone()));
        }
        if !self.route.is_abstrakt() {
            props.push(property("abstrakt:route", self.route.as_str()));
            props.push(property("abstrakt:provider", self.route.label()));
        }
        self.component.properties = props;
        self.component
    }
}

/// A use whose model id is only known at run time, as a metadata property.
fn unchecked_use(file: &FileResult, model_use: &LocatedUse, root: &Path) -> Property {
    let expression = match &model_use.target {
        Target::Dynamic { expression, .. } => one_line(expression),
        Target::Static { .. } => String::new(),
    };
    property(
        "abstrakt:unchecked-use",
        format!(
            "{}:{}:{}: dynamic model id `{expression}`",
            relative_path(&file.path, root),
            model_use.span.start_line,
            model_use.span.start_column
        ),
    )
}

/// The models used, one entry per model and route; the intended uses of the
/// projects they were met in; the uses that could not be checked.
struct Gathered {
    entries: BTreeMap<String, Entry>,
    intended_uses: BTreeSet<&'static str>,
    unchecked: Vec<Property>,
}

fn gather(scan: &Scan, root: &Path) -> Gathered {
    let mut gathered = Gathered {
        entries: BTreeMap::new(),
        intended_uses: BTreeSet::new(),
        unchecked: Vec::new(),
    };
    for (file, model_use) in scan.uses() {
        let intended = file.project.intended_use().as_str();
        gathered.intended_uses.insert(intended);
        let Target::Static { id, .. } = &model_use.target else {
            gathered
                .unchecked
                .push(unchecked_use(file, model_use, root));
            continue;
        };
        let route = model_use.route;
        let resolved = crate::rules::resolve_on(&file.project.resolver, route, id);
        // One component per model and route: a route may bind other terms
        // (self-hosted FLUX.1 [dev] weights are non-commercial).
        let on_route = if route.is_abstrakt() {
            String::new()
        } else {
            format!("@{route}")
        };
        let bom_ref = match &resolved {
            Some(r) => format!("model:{}{on_route}", r.model.id),
            None => format!("unknown-model:{id}{on_route}"),
        };
        let entry = gathered
            .entries
            .entry(bom_ref.clone())
            .or_insert_with(|| Entry::new(&bom_ref, id, route, resolved.clone()));
        entry.intended.insert(intended);
        entry.written_as.insert(id.clone());
        if let Some(pattern) = resolved.as_ref().and_then(|r| r.matched.pattern()) {
            entry.matched_patterns.insert(pattern.to_string());
        }
        entry
            .component
            .evidence
            .get_or_insert_with(|| Evidence {
                occurrences: Vec::new(),
            })
            .occurrences
            .push(occurrence(file, model_use, root));
    }
    gathered
}

/// The tool that wrote the BOM, the project it describes, and the intended
/// uses and unchecked uses as properties.
fn metadata(options: &Options<'_>, project_ref: &str, properties: Vec<Property>) -> Metadata {
    Metadata {
        timestamp: options.timestamp.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        tools: Tools {
            components: vec![Component {
                kind: "application",
                name: "abstrakt-lsp".to_string(),
                version: Some(env!("CARGO_PKG_VERSION").to_string()),
                external_references: vec![ExternalReference {
                    kind: "website",
                    url: PROJECT_URL.to_string(),
                    comment: None,
                }],
                ..Component::default()
            }],
        },
        component: Component {
            kind: "application",
            bom_ref: Some(project_ref.to_string()),
            name: options.project_name.to_string(),
            ..Component::default()
        },
        properties,
    }
}

pub fn render(scan: &Scan, options: &Options<'_>) -> Result<String, Fatal> {
    let root = crate::cli::output::current_dir()?;
    let gathered = gather(scan, &root);
    let components: Vec<Component> = gathered
        .entries
        .into_values()
        .map(Entry::into_component)
        .collect();
    let mut metadata_properties: Vec<Property> = gathered
        .intended_uses
        .iter()
        .map(|u| property("abstrakt:intended-use", *u))
        .collect();
    metadata_properties.extend(gathered.unchecked);

    let project_ref = "project".to_string();
    let bom = Bom {
        schema: "http://cyclonedx.org/schema/bom-1.6.schema.json",
        bom_format: "CycloneDX",
        spec_version: SPEC_VERSION,
        serial_number: options.serial_number.clone(),
        version: 1,
        metadata: metadata(options, &project_ref, metadata_properties),
        dependencies: vec![Dependency {
            reference: project_ref,
            depends_on: components
                .iter()
                .filter_map(|c| c.bom_ref.clone())
                .collect(),
        }],
        components,
    };
    let mut text = serde_json::to_string_pretty(&bom)
        .map_err(|e| Fatal(format!("cannot write CycloneDX: {e}")))?;
    text.push('\n');
    Ok(text)
}

/// A random (version 4) UUID as a URN.
pub fn random_serial_number() -> String {
    let mut bytes = [0u8; 16];
    for byte in &mut bytes {
        *byte = fastrand::u8(..);
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    format_uuid(&bytes)
}

fn format_uuid(bytes: &[u8; 16]) -> String {
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Reads a pinned serial number: a UUID, bare or as `urn:uuid:…`, any case.
pub fn parse_serial_number(text: &str) -> Result<String, Fatal> {
    let bare = text.trim();
    let bare = bare
        .strip_prefix("urn:uuid:")
        .or_else(|| bare.strip_prefix("URN:UUID:"))
        .unwrap_or(bare)
        .to_ascii_lowercase();
    let groups: Vec<&str> = bare.split('-').collect();
    let well_formed = groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12])
        && groups
            .iter()
            .all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()));
    if well_formed {
        Ok(format!("urn:uuid:{bare}"))
    } else {
        Err(Fatal(format!(
            "--serial-number: `{text}` is not a UUID (such as 3e671687-395b-41f5-a30f-a58921a69b79)"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_serial_numbers_are_version_4_uuid_urns() {
        let serial = random_serial_number();
        assert_eq!(parse_serial_number(&serial).ok(), Some(serial.clone()));
        assert_eq!(&serial[23..24], "4", "{serial}");
        assert!("89ab".contains(&serial[28..29]), "{serial}");
        assert_ne!(serial, random_serial_number());
    }

    #[test]
    fn pinned_serial_numbers_are_normalised_or_rejected() {
        assert_eq!(
            parse_serial_number("3E671687-395B-41F5-A30F-A58921A69B79").ok(),
            Some("urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79".to_string())
        );
        assert_eq!(
            parse_serial_number("urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79").ok(),
            Some("urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79".to_string())
        );
        for bad in [
            "",
            "nope",
            "3e671687-395b-41f5-a30f-a58921a69b7",
            "3e671687395b41f5a30fa58921a69b79",
        ] {
            assert!(parse_serial_number(bad).is_err(), "{bad}");
        }
    }
}
