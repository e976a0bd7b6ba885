//! The project file, `abstrakt.toml` (docs/architecture.md, "The project
//! index"): found by walking up from a source file, so a monorepo can have several. It sets how the project uses
//! model outputs, its license policy, rule severities, extra client names,
//! reviewed exceptions and local model entries.
//!
//! The file has no say over API endpoints or keys: those come only from the
//! user (editor settings or environment). Unknown keys are errors, so a key
//! such as `api-url` in a repository file is rejected, never obeyed.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use serde::de::{self, Deserializer};
use toml::Spanned;

use crate::extract::ExtractOptions;
use crate::licensing::{Attribution, CommercialUse, Licensing, Model, Registry};
use crate::limits::{self, Limits};
use crate::registry::Resolver;
use crate::rules::{IntendedUse, RuleCode, RuleSettings, Severity};

/// The project file's name.
pub const FILE_NAME: &str = "abstrakt.toml";

/// A rejected project file, with where the problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    /// One-based line and column (in characters) of the problem, when known.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// Byte range of the problem in the file, when known.
    pub span: Option<Range<usize>>,
    /// One-based line and column where the problem's span ends.
    pub end: Option<(u32, u32)>,
    pub message: String,
}

impl ConfigError {
    /// An error in `text` (the file at `path`) at byte `span`.
    pub fn at(path: &Path, text: &str, span: Option<Range<usize>>, message: String) -> Self {
        let (line, column) = match &span {
            Some(span) => {
                let (line, column) = line_column(text, span.start);
                (Some(line), Some(column))
            }
            None => (None, None),
        };
        let end = span.as_ref().map(|span| {
            let (line, column) = line_column(text, span.end);
            (
                u32::try_from(line).unwrap_or(u32::MAX),
                u32::try_from(column).unwrap_or(u32::MAX),
            )
        });
        Self {
            path: path.to_path_buf(),
            line,
            column,
            span,
            end,
            message,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => write!(
                f,
                "{}:{line}:{column}: {}",
                self.path.display(),
                self.message
            ),
            _ => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

/// One-based line and character column of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// The project's license policy (`[policy]`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// When non-empty, every other license is denied.
    pub allow_licenses: Vec<String>,
    pub deny_licenses: Vec<String>,
    pub deny_models: Vec<String>,
}

impl Policy {
    pub fn is_empty(&self) -> bool {
        self.allow_licenses.is_empty()
            && self.deny_licenses.is_empty()
            && self.deny_models.is_empty()
    }
}

/// A reviewed finding (`[[exceptions]]`): the model's findings of these rules
/// are dropped until `expires` has passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception {
    pub model: String,
    /// Empty means every rule.
    pub rules: Vec<RuleCode>,
    pub reason: Option<String>,
    /// The last day the exception holds.
    pub expires: Option<jiff::civil::Date>,
    /// Bytes of its `model` value in the project file, where
    /// `unused-exception` points.
    pub span: Option<Range<usize>>,
}

impl Exception {
    pub fn covers(&self, code: RuleCode) -> bool {
        self.rules.is_empty() || self.rules.contains(&code)
    }

    /// Whether the exception has lapsed on `today` (it holds through its expiry day).
    pub fn expired(&self, today: jiff::civil::Date) -> bool {
        self.expires.is_some_and(|expires| expires < today)
    }
}

/// A loaded project file. `ProjectConfig::default()` is "no project file".
#[derive(Debug, Clone, Default)]
pub struct ProjectConfig {
    /// The file it came from; `None` for the defaults.
    pub path: Option<PathBuf>,
    pub intended_use: Option<IntendedUse>,
    pub policy: Policy,
    /// Per-rule severity; `None` turns the rule off.
    pub rules: HashMap<RuleCode, Option<Severity>>,
    pub client_names: Vec<String>,
    pub exceptions: Vec<Exception>,
    /// `[[models]]`: local models and corrections, which beat every other source.
    pub models: Arc<Registry>,
    /// The API base URL the face was configured with (`--api-url`, the
    /// editor's `apiUrl`), never read from the project file: model URLs on
    /// its host are recognised like the public API's.
    pub api_url: Option<String>,
    /// `[limits]`: files too large to analyse.
    pub limits: Limits,
    /// `[attribution] file`: the committed attribution file `check` keeps current.
    pub attribution_file: Option<AttributionFile>,
    /// `[policy] review-every`: how often each model's licensing is reviewed.
    pub review_every: Option<ReviewInterval>,
    /// `[compliance] log`: the function the compliance-log code action calls.
    pub compliance_log: Option<String>,
}

/// `[attribution] file = "THIRD_PARTY_MODELS.md"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributionFile {
    /// As written, relative to the project file's folder.
    pub path: PathBuf,
    /// Bytes of the value in the project file.
    pub span: Range<usize>,
}

/// `review-every`: a whole number of days, weeks, months or years (`"90d"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewInterval {
    pub amount: u32,
    pub unit: IntervalUnit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntervalUnit {
    Days,
    Weeks,
    Months,
    Years,
}

impl ReviewInterval {
    /// Reads `90d`, `12w`, `3m`, `1y` (a space before the unit is allowed).
    pub fn parse(text: &str) -> Result<Self, String> {
        let trimmed = text.trim();
        let split = trimmed
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(trimmed.len());
        let (number, unit) = trimmed.split_at(split);
        let unit = match unit.trim() {
            "d" | "day" | "days" => IntervalUnit::Days,
            "w" | "week" | "weeks" => IntervalUnit::Weeks,
            "m" | "month" | "months" => IntervalUnit::Months,
            "y" | "year" | "years" => IntervalUnit::Years,
            _ => {
                return Err(format!(
                    "review-every: `{text}` is not an interval (such as \"90d\", \"12w\", \"3m\" or \"1y\")"
                ));
            }
        };
        match number.parse::<u32>() {
            Ok(amount) if amount > 0 && amount <= 10_000 => Ok(Self { amount, unit }),
            _ => Err(format!(
                "review-every: `{text}` needs a whole number of units from 1 to 10000"
            )),
        }
    }

    /// The first day a review made on `reviewed` is due again.
    pub fn due(self, reviewed: jiff::civil::Date) -> Option<jiff::civil::Date> {
        let amount = i64::from(self.amount);
        let span = match self.unit {
            IntervalUnit::Days => jiff::Span::new().try_days(amount),
            IntervalUnit::Weeks => jiff::Span::new().try_weeks(amount),
            IntervalUnit::Months => jiff::Span::new().try_months(amount),
            IntervalUnit::Years => jiff::Span::new().try_years(amount),
        }
        .ok()?;
        reviewed.checked_add(span).ok()
    }
}

impl fmt::Display for ReviewInterval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.unit {
            IntervalUnit::Days => "d",
            IntervalUnit::Weeks => "w",
            IntervalUnit::Months => "m",
            IntervalUnit::Years => "y",
        };
        write!(f, "{}{unit}", self.amount)
    }
}

/// The nearest file called `name` at or above `start` (a file or a folder):
/// how every per-project file (`abstrakt.toml`, `abstrakt.lock`) is found.
pub fn find_upward(start: &Path, name: &str) -> Option<PathBuf> {
    let mut dir = if start.is_dir() {
        Some(start)
    } else {
        start.parent()
    };
    while let Some(current) = dir {
        let candidate = current.join(name);
        if candidate.is_file() {
            return Some(candidate);
        }
        dir = current.parent();
    }
    None
}

impl ProjectConfig {
    /// The nearest `abstrakt.toml` at or above `start` (a file or a folder).
    pub fn discover(start: &Path) -> Option<PathBuf> {
        find_upward(start, FILE_NAME)
    }

    pub fn load(path: &Path) -> Result<ProjectConfig, ConfigError> {
        Self::load_from(&crate::host::Disk, path)
    }

    /// [`ProjectConfig::load`] from the host's files.
    pub fn load_from(
        files: &dyn crate::host::FileSystem,
        path: &Path,
    ) -> Result<ProjectConfig, ConfigError> {
        let text = files
            .read_to_string(path)
            .map_err(|e| ConfigError::at(path, "", None, format!("cannot read: {e}")))?;
        ProjectConfig::parse(&text, path)
    }

    /// Parses a project file's text; `path` names it in errors and provenance.
    pub fn parse(text: &str, path: &Path) -> Result<ProjectConfig, ConfigError> {
        let raw: RawConfig = toml::from_str(text)
            .map_err(|e| ConfigError::at(path, text, e.span(), e.message().trim().to_string()))?;
        raw.into_config(text, path)
    }

    /// The rule settings this project asks for.
    pub fn rule_settings(&self) -> RuleSettings {
        RuleSettings {
            intended_use: self.intended_use.unwrap_or_default(),
            severities: self.rules.clone(),
        }
    }

    /// Extraction options: the extra client names.
    pub fn extract_options(&self) -> ExtractOptions {
        ExtractOptions {
            client_names: self.client_names.clone(),
            api_url: self.api_url.clone(),
        }
    }

    /// The folder the project file is in: what its relative paths mean.
    pub fn root(&self) -> Option<&Path> {
        self.path.as_deref().and_then(Path::parent)
    }

    /// `base` with this project's `[[models]]` layered on top.
    pub fn resolver(&self, base: Resolver) -> Resolver {
        match &self.path {
            Some(path) if !self.models.models().is_empty() => {
                base.with_project(self.models.clone(), path.clone())
            }
            _ => base,
        }
    }
}

// ---- The file as written -------------------------------------------------

/// The project file of abstrakt-lsp, which shows AI-model licensing where
/// code calls Abstrakt models. Unknown keys are errors.
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[cfg_attr(test, schemars(title = "abstrakt.toml"))]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawConfig {
    /// How the project uses model outputs: commercial (the default), personal
    /// or research. Decides how serious non-commercial licenses are.
    intended_use: Option<Parsed<IntendedUse>>,
    /// The license policy: which licenses and models the project accepts.
    #[serde(default)]
    policy: RawPolicy,
    /// Per-rule severity: error, warning, info, hint, or off.
    #[serde(default)]
    #[cfg_attr(test, schemars(schema_with = "schema::rules"))]
    rules: BTreeMap<Parsed<RuleCode>, Level>,
    /// Extra receivers treated as Abstrakt clients.
    #[serde(default)]
    clients: RawClients,
    /// Reviewed findings: the model's findings of these rules are dropped
    /// until `expires` has passed.
    #[serde(default)]
    exceptions: Vec<RawException>,
    /// Local or private models, and corrections: these entries beat every
    /// other licensing source.
    #[serde(default)]
    models: Vec<RawModel>,
    /// Files too big to analyse (minified bundles) are skipped with a notice.
    #[serde(default)]
    limits: RawLimits,
    /// The attribution file the product ships (`report --format attribution`),
    /// which `check` keeps current (attribution-file-stale).
    #[serde(default)]
    attribution: RawAttribution,
    /// Compliance records of generations (the licensing guide's Step 2).
    #[serde(default)]
    compliance: RawCompliance,
}

/// `[attribution]`.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[cfg_attr(test, schemars(rename = "Attribution"))]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawAttribution {
    /// The committed attribution file, relative to this file, e.g.
    /// "THIRD_PARTY_MODELS.md".
    #[cfg_attr(test, schemars(with = "Option<schema::NonEmpty>"))]
    file: Option<Spanned<String>>,
}

/// `[compliance]`.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[cfg_attr(test, schemars(rename = "Compliance"))]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawCompliance {
    /// The function that saves a generation's compliance record, e.g.
    /// "complianceLog.save" (the "Log this generation" code action calls it;
    /// generation-not-logged looks for it).
    #[cfg_attr(test, schemars(with = "Option<schema::NonEmpty>"))]
    log: Option<Spanned<String>>,
}

/// `[limits]`: the largest file and the longest line analysed.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[cfg_attr(test, schemars(rename = "Limits"))]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawLimits {
    /// Bytes (`1048576`) or a whole number with a unit: "5 MB" (1 MB = 1,048,576 bytes).
    #[cfg_attr(test, schemars(schema_with = "schema::size"))]
    max_file_size: Option<Size>,
    /// Bytes in one line; minified code goes over it. Default 20000.
    max_line_length: Option<usize>,
}

/// `max-file-size`: bytes (`1048576`) or a string with a unit (`"5 MB"`).
#[derive(Debug, Clone, Copy)]
struct Size(u64);

impl<'de> Deserialize<'de> for Size {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match toml::Value::deserialize(deserializer)? {
            toml::Value::Integer(n) => u64::try_from(n)
                .map(Size)
                .map_err(|_| de::Error::custom("max-file-size: a size cannot be negative")),
            toml::Value::String(text) => limits::parse_size(&text)
                .map(Size)
                .map_err(|e| de::Error::custom(format!("max-file-size: {e}"))),
            _ => Err(de::Error::custom(
                "max-file-size: expected bytes or a string such as \"5 MB\"",
            )),
        }
    }
}

/// The project's license policy.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[cfg_attr(test, schemars(rename = "Policy"))]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawPolicy {
    /// When non-empty, every other license is denied (license-denied).
    #[serde(default)]
    allow_licenses: Vec<String>,
    /// License names or SPDX ids to deny, case-insensitive.
    #[serde(default)]
    deny_licenses: Vec<String>,
    /// Model ids (canonical or as written) to deny, case-insensitive.
    #[serde(default)]
    deny_models: Vec<String>,
    /// How often each model's licensing must be reviewed, e.g. "90d", "12w",
    /// "3m", "1y" (review-due); off when absent.
    #[cfg_attr(test, schemars(with = "Option<schema::Interval>"))]
    review_every: Option<Spanned<String>>,
}

/// Extra client names.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[cfg_attr(test, schemars(rename = "Clients"))]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawClients {
    /// Identifiers treated as Abstrakt clients, like `abstrakt`.
    #[serde(default)]
    #[cfg_attr(test, schemars(with = "Vec<schema::Identifier>"))]
    names: Vec<Spanned<String>>,
}

/// A reviewed finding.
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[cfg_attr(test, schemars(rename = "Exception"))]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawException {
    /// The model id the exception is for.
    #[cfg_attr(test, schemars(with = "String"))]
    model: Spanned<String>,
    /// The rules it covers; omit for every rule.
    #[serde(default)]
    rules: Vec<Parsed<RuleCode>>,
    /// Why the finding is accepted (shown in reviews).
    reason: Option<String>,
    /// The last day the exception holds (YYYY-MM-DD).
    expires: Option<Expiry>,
}

/// A local model entry.
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[cfg_attr(test, schemars(rename = "Model"))]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawModel {
    /// The model id as code passes it, e.g. `acme/custom-sdxl`.
    #[cfg_attr(test, schemars(with = "schema::NonEmpty"))]
    id: Spanned<String>,
    /// A display name [default: the id].
    name: Option<String>,
    /// The license's short name, e.g. `Proprietary`.
    license: String,
    /// The SPDX license id, when the license has one.
    spdx: Option<String>,
    /// Where the license text is published.
    license_url: Option<String>,
    /// Whether outputs may be used commercially.
    commercial: bool,
    /// "Required" or "Not required".
    attribution: Parsed<Attribution>,
    /// The exact text to show when attribution is required.
    attribution_text: Option<String>,
    /// Usage restrictions, one per entry.
    #[serde(default)]
    restrictions: Vec<String>,
    /// Territories the license excludes.
    #[serde(default)]
    territories_excluded: Vec<String>,
    /// Family patterns (`acme/*`), as in the built-in registry.
    #[serde(default)]
    patterns: Vec<String>,
}

/// A string value parsed with `FromStr`; a bad value is an error at its span.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Parsed<T>(T);

trait ConfigValue: Sized {
    fn parse_value(text: &str) -> Result<Self, String>;
}

impl ConfigValue for IntendedUse {
    fn parse_value(text: &str) -> Result<Self, String> {
        text.parse()
    }
}

impl ConfigValue for RuleCode {
    fn parse_value(text: &str) -> Result<Self, String> {
        text.parse().map_err(|e: String| {
            let known: Vec<&str> = RuleCode::ALL.iter().map(|c| c.as_str()).collect();
            format!("{e} (known rules: {})", known.join(", "))
        })
    }
}

impl ConfigValue for Attribution {
    fn parse_value(text: &str) -> Result<Self, String> {
        parse_attribution(text).ok_or_else(|| {
            format!("unknown attribution `{text}` (expected \"Required\" or \"Not required\")")
        })
    }
}

impl<'de, T: ConfigValue> Deserialize<'de> for Parsed<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        T::parse_value(&text).map(Parsed).map_err(de::Error::custom)
    }
}

/// Every attribution spelling the loader accepts, with letters and digits
/// only, lower case (the JSON Schema's pattern is built from this table).
const ATTRIBUTION_SPELLINGS: [(&str, Attribution); 10] = [
    ("required", Attribution::Required),
    ("yes", Attribution::Required),
    ("true", Attribution::Required),
    ("notrequired", Attribution::NotRequired),
    ("none", Attribution::NotRequired),
    ("no", Attribution::NotRequired),
    ("false", Attribution::NotRequired),
    ("optional", Attribution::NotRequired),
    ("unverified", Attribution::Unverified),
    ("unknown", Attribution::Unverified),
];

/// Reads an attribution label as Abstrakt's SDK writes it (`"Required"`,
/// `"Not required"`), leniently as to case and separators.
pub fn parse_attribution(text: &str) -> Option<Attribution> {
    let squashed: String = text
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    ATTRIBUTION_SPELLINGS
        .iter()
        .find(|(spelling, _)| *spelling == squashed)
        .map(|(_, attribution)| *attribution)
}

/// A rule's level in `[rules]`: a severity or `off`.
#[derive(Debug, Clone, Copy)]
struct Level(Option<Severity>);

impl<'de> Deserialize<'de> for Level {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        if text == "off" {
            return Ok(Level(None));
        }
        text.parse::<Severity>()
            .map(|s| Level(Some(s)))
            .map_err(de::Error::custom)
    }
}

/// `expires`: a TOML date (`2027-06-30`) or a string holding one.
#[derive(Debug, Clone, Copy)]
struct Expiry(jiff::civil::Date);

impl<'de> Deserialize<'de> for Expiry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = toml::Value::deserialize(deserializer)?;
        let text = match &value {
            toml::Value::String(s) => s.clone(),
            toml::Value::Datetime(d) if d.time.is_none() && d.offset.is_none() => d.to_string(),
            _ => {
                return Err(de::Error::custom(
                    "expires: expected a date such as 2027-06-30",
                ));
            }
        };
        text.parse::<jiff::civil::Date>()
            .map(Expiry)
            .map_err(|_| de::Error::custom(format!("expires: `{text}` is not a date (YYYY-MM-DD)")))
    }
}

impl RawConfig {
    fn into_config(self, text: &str, path: &Path) -> Result<ProjectConfig, ConfigError> {
        let at = At { path, text };
        let client_names = self.clients.into_names(&at)?;
        let models = models(self.models, &at)?;
        let review_every = match self.policy.review_every {
            Some(value) => {
                let span = value.span();
                Some(ReviewInterval::parse(value.get_ref()).map_err(|e| at.error(span, e))?)
            }
            None => None,
        };
        let attribution_file = attribution_file(self.attribution.file, &at)?;
        let compliance_log = compliance_log(self.compliance.log, &at)?;
        let rules: HashMap<RuleCode, Option<Severity>> =
            self.rules.into_iter().map(|(k, v)| (k.0, v.0)).collect();
        if compliance_log.is_none()
            && matches!(rules.get(&RuleCode::GenerationNotLogged), Some(Some(_)))
        {
            // The key's place, for the editor's diagnostic.
            let key = RuleCode::GenerationNotLogged.as_str();
            let span = text.find(key).map(|start| start..start + key.len());
            return Err(ConfigError::at(
                path,
                text,
                span,
                format!(
                    "rules.{key} needs [compliance] log = \"…\": the function whose call logs a generation"
                ),
            ));
        }
        Ok(ProjectConfig {
            path: Some(path.to_path_buf()),
            attribution_file,
            review_every,
            compliance_log,
            intended_use: self.intended_use.map(|p| p.0),
            policy: Policy {
                allow_licenses: self.policy.allow_licenses,
                deny_licenses: self.policy.deny_licenses,
                deny_models: self.policy.deny_models,
            },
            rules,
            client_names,
            api_url: None,
            exceptions: self
                .exceptions
                .into_iter()
                .map(RawException::into_exception)
                .collect(),
            models: Arc::new(models),
            limits: self.limits.into_limits(),
        })
    }
}

/// Where a value was read, for errors at its span.
struct At<'a> {
    path: &'a Path,
    text: &'a str,
}

impl At<'_> {
    fn error(&self, span: Range<usize>, message: String) -> ConfigError {
        ConfigError::at(self.path, self.text, Some(span), message)
    }
}

impl RawClients {
    /// The extra client names, each a JavaScript identifier.
    fn into_names(self, at: &At<'_>) -> Result<Vec<String>, ConfigError> {
        let mut client_names = Vec::new();
        for name in self.names {
            let span = name.span();
            let name = name.into_inner();
            if !is_identifier(&name) {
                return Err(at.error(
                    span,
                    format!("clients.names: `{name}` is not a JavaScript identifier"),
                ));
            }
            client_names.push(name);
        }
        Ok(client_names)
    }
}

/// The project's `[[models]]` as a registry: ids non-empty and unique
/// (case-insensitive), patterns valid.
fn models(raw_models: Vec<RawModel>, at: &At<'_>) -> Result<Registry, ConfigError> {
    let mut seen = HashSet::new();
    let mut models = Vec::new();
    for raw in raw_models {
        let span = raw.id.span();
        let id = raw.id.get_ref();
        if id.trim().is_empty() {
            return Err(at.error(span, "models: `id` is empty".to_string()));
        }
        if !seen.insert(id.to_lowercase()) {
            return Err(at.error(span, format!("models: `{id}` appears twice")));
        }
        models.push(raw.into_model(at.path));
    }
    Registry::from_models(models)
        .map_err(|e| ConfigError::at(at.path, at.text, None, e.to_string()))
}

impl RawModel {
    /// The entry as a model whose one source is the project file.
    fn into_model(self, path: &Path) -> Model {
        let id = self.id.into_inner();
        Model {
            name: self.name.unwrap_or_else(|| id.clone()),
            id,
            aliases: Vec::new(),
            vendor: None,
            modality: None,
            alternatives: Vec::new(),
            patterns: self.patterns,
            licensing: Licensing {
                license: self.license,
                spdx: self.spdx,
                license_url: self.license_url,
                category: None,
                commercial: if self.commercial {
                    CommercialUse::Allowed
                } else {
                    CommercialUse::NotAllowed
                },
                commercial_condition: None,
                attribution: self.attribution.0,
                attribution_text: self.attribution_text,
                attribution_text_origin: None,
                restrictions: self.restrictions,
                territories_excluded: self.territories_excluded,
                confidence: None,
                unverified: Vec::new(),
                sources: vec![path.display().to_string()],
                license_date: None,
                verified: None,
                notes: None,
                evidence: Vec::new(),
            },
        }
    }
}

/// `[attribution] file`: a non-empty path.
fn attribution_file(
    value: Option<Spanned<String>>,
    at: &At<'_>,
) -> Result<Option<AttributionFile>, ConfigError> {
    let Some(value) = value else {
        return Ok(None);
    };
    let span = value.span();
    let file = value.into_inner();
    if file.trim().is_empty() {
        return Err(at.error(span, "attribution.file: the path is empty".to_string()));
    }
    Ok(Some(AttributionFile {
        path: PathBuf::from(file),
        span,
    }))
}

/// `[compliance] log`: a function name, dotted identifiers.
fn compliance_log(
    value: Option<Spanned<String>>,
    at: &At<'_>,
) -> Result<Option<String>, ConfigError> {
    let Some(value) = value else {
        return Ok(None);
    };
    let span = value.span();
    let name = value.into_inner();
    if name.is_empty() || !name.split('.').all(is_identifier) {
        return Err(at.error(
            span,
            format!("compliance.log: `{name}` is not a function name such as complianceLog.save"),
        ));
    }
    Ok(Some(name))
}

impl RawException {
    fn into_exception(self) -> Exception {
        Exception {
            span: Some(self.model.span()),
            model: self.model.into_inner(),
            rules: self.rules.into_iter().map(|r| r.0).collect(),
            reason: self.reason,
            expires: self.expires.map(|e| e.0),
        }
    }
}

impl RawLimits {
    /// The limits, defaults where the project sets none.
    fn into_limits(self) -> Limits {
        Limits {
            max_file_size: self
                .max_file_size
                .map_or(limits::DEFAULT_MAX_FILE_SIZE, |size| size.0),
            max_line_length: self
                .max_line_length
                .unwrap_or(limits::DEFAULT_MAX_LINE_LENGTH),
        }
    }
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

/// The JSON Schema of `abstrakt.toml` (`schemas/abstrakt.schema.json`), for
/// taplo and Even Better TOML: generated from the types above by schemars,
/// and checked against the loader on sample files, so the two cannot drift.
/// `ABSTRAKT_UPDATE_SCHEMA=1 cargo test config::schema` rewrites the file.
#[cfg(test)]
mod schema {
    use std::borrow::Cow;

    use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

    use super::*;

    /// What `[rules]` accepts: a severity (`Severity::from_str`) or `off`.
    pub const LEVELS: [&str; 6] = ["error", "warning", "info", "information", "hint", "off"];
    /// What `intended-use` accepts (`IntendedUse::from_str`).
    pub const INTENDED_USES: [&str; 3] = ["commercial", "personal", "research"];
    /// How Abstrakt's SDK spells attribution; the pattern allows the rest.
    pub const ATTRIBUTION_LABELS: [&str; 3] = ["Required", "Not required", "Unverified"];

    /// A client name (the loader checks it is a JavaScript identifier).
    pub struct Identifier;
    /// A string that is not empty.
    pub struct NonEmpty;

    impl JsonSchema for Identifier {
        fn schema_name() -> Cow<'static, str> {
            "Identifier".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "type": "string",
                "minLength": 1,
                "description": "A JavaScript identifier, such as imageClient."
            })
        }
    }

    impl JsonSchema for NonEmpty {
        fn schema_name() -> Cow<'static, str> {
            "NonEmpty".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({ "type": "string", "pattern": "\\S" })
        }
    }

    impl JsonSchema for Level {
        fn schema_name() -> Cow<'static, str> {
            "Level".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "type": "string",
                "enum": LEVELS,
                "description": "The rule's severity, or off to turn it off."
            })
        }
    }

    impl JsonSchema for Parsed<IntendedUse> {
        fn schema_name() -> Cow<'static, str> {
            "IntendedUse".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({ "type": "string", "enum": INTENDED_USES })
        }
    }

    impl JsonSchema for Parsed<RuleCode> {
        fn schema_name() -> Cow<'static, str> {
            "RuleCode".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            let codes: Vec<&str> = RuleCode::ALL.iter().map(|c| c.as_str()).collect();
            json_schema!({ "type": "string", "enum": codes })
        }
    }

    /// `[^A-Za-z0-9]*` between letters, each letter in either case: the
    /// loader ignores case and everything but letters and digits.
    fn spelling_pattern() -> String {
        let words: Vec<String> = ATTRIBUTION_SPELLINGS
            .iter()
            .map(|(word, _)| {
                word.chars()
                    .map(|c| format!("[{}{}]", c.to_ascii_uppercase(), c))
                    .collect::<Vec<_>>()
                    .join("[^A-Za-z0-9]*")
            })
            .collect();
        format!("^[^A-Za-z0-9]*({})[^A-Za-z0-9]*$", words.join("|"))
    }

    impl JsonSchema for Parsed<Attribution> {
        fn schema_name() -> Cow<'static, str> {
            "Attribution".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "type": "string",
                "anyOf": [
                    { "enum": ATTRIBUTION_LABELS },
                    { "pattern": spelling_pattern() }
                ],
                "description": "\"Required\" or \"Not required\" (case and separators are ignored)."
            })
        }
    }

    impl JsonSchema for Expiry {
        fn schema_name() -> Cow<'static, str> {
            "Date".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "type": "string",
                "format": "date",
                "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
                "description": "A date such as 2027-06-30 (a TOML date or a string)."
            })
        }
    }

    /// `review-every` (`ReviewInterval::parse`).
    pub struct Interval;

    impl JsonSchema for Interval {
        fn schema_name() -> Cow<'static, str> {
            "Interval".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "type": "string",
                "pattern": "^\\s*[0-9]+\\s*(d|days?|w|weeks?|m|months?|y|years?)\\s*$",
                "description": "A whole number of days, weeks, months or years: \"90d\", \"12w\", \"3m\", \"1y\"."
            })
        }
    }

    /// `[rules]`: one optional key per rule code.
    pub fn rules(generator: &mut SchemaGenerator) -> Schema {
        let level = generator.subschema_for::<Level>();
        let properties: serde_json::Map<String, serde_json::Value> = RuleCode::ALL
            .iter()
            .map(|code| {
                let mut schema = level.clone();
                schema.insert("description".into(), code.summary().into());
                (code.as_str().to_string(), schema.to_value())
            })
            .collect();
        json_schema!({
            "type": "object",
            "properties": properties,
            "additionalProperties": false
        })
    }

    /// `max-file-size`: bytes, or a string such as "5 MB" (`limits::parse_size`).
    pub fn size(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "anyOf": [
                { "type": "integer", "minimum": 0 },
                { "type": "string", "pattern": "^\\s*[0-9]+\\s*([KkMmGg]([Ii]?[Bb])?|[Bb])?\\s*$" }
            ]
        })
    }

    pub fn generate() -> String {
        let generator = schemars::generate::SchemaSettings::draft07().into_generator();
        let schema = generator.into_root_schema_for::<RawConfig>();
        let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
        text.push('\n');
        text
    }

    /// TOML as the JSON that schema validators see (dates become strings, as in taplo).
    fn to_json(value: toml::Value) -> serde_json::Value {
        match value {
            toml::Value::String(s) => s.into(),
            toml::Value::Integer(i) => i.into(),
            toml::Value::Float(f) => f.into(),
            toml::Value::Boolean(b) => b.into(),
            toml::Value::Datetime(d) => d.to_string().into(),
            toml::Value::Array(items) => items.into_iter().map(to_json).collect(),
            toml::Value::Table(table) => table
                .into_iter()
                .map(|(k, v)| (k, to_json(v)))
                .collect::<serde_json::Map<_, _>>()
                .into(),
        }
    }

    fn committed_path() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/abstrakt.schema.json")
    }

    #[test]
    fn the_committed_schema_is_up_to_date() {
        let generated = generate();
        let path = committed_path();
        if std::env::var_os("ABSTRAKT_UPDATE_SCHEMA").is_some() {
            std::fs::write(&path, &generated).expect("write the schema");
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "schemas/abstrakt.schema.json is stale: run `ABSTRAKT_UPDATE_SCHEMA=1 cargo test config::schema` and commit it"
        );
    }

    /// Even Better TOML passes a `tomlValidation` URL to taplo unchanged and
    /// cannot resolve paths relative to the extension (tamasfe/taplo#322), so
    /// the extension names the committed file at the project's repository.
    #[test]
    fn the_vscode_extension_contributes_the_committed_schema() {
        let manifest = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("editors/vscode/package.json"),
        )
        .expect("package.json");
        let manifest: serde_json::Value = serde_json::from_str(&manifest).expect("JSON");
        let raw = crate::cli::PROJECT_URL.replacen(
            "https://github.com/",
            "https://raw.githubusercontent.com/",
            1,
        );
        assert_eq!(
            manifest["contributes"]["tomlValidation"],
            serde_json::json!([{
                "fileMatch": FILE_NAME,
                "url": format!("{raw}/main/schemas/abstrakt.schema.json"),
            }])
        );
    }

    #[test]
    fn schema_and_loader_agree() {
        let schema: serde_json::Value =
            serde_json::from_str(&generate()).expect("the schema is JSON");
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .expect("a valid schema");
        let example = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/abstrakt.toml"),
        )
        .expect("examples/abstrakt.toml");
        let model = "[[models]]\nid = \"a\"\nlicense = \"MIT\"\ncommercial = true\n";
        let samples: Vec<String> = vec![
            example,
            String::new(),
            "intended-use = \"research\"\n".into(),
            "[rules]\nunknown-model = \"off\"\nnon-commercial = \"information\"\n".into(),
            "[clients]\nnames = [\"imageClient\", \"$x\"]\n".into(),
            "[[exceptions]]\nmodel = \"a\"\nexpires = 2027-01-02\n".into(),
            "[[exceptions]]\nmodel = \"a\"\nrules = [\"attribution-required\"]\nexpires = \"2027-01-02\"\n".into(),
            format!("{model}attribution = \"Required\"\n"),
            format!("{model}attribution = \"Not required\"\n"),
            format!("{model}attribution = \"not-required\"\n"),
            format!("{model}attribution = \"  YES \"\n"),
            "[policy]\nreview-every = \"90d\"\n[attribution]\nfile = \"THIRD_PARTY_MODELS.md\"\n[compliance]\nlog = \"complianceLog.save\"\n".into(),
            "[policy]\nreview-every = \" 3 months\"\n".into(),
            format!("{model}attribution = \"Unverified\"\nspdx = \"MIT\"\nname = \"A\"\nlicense-url = \"https://x\"\nrestrictions = [\"r\"]\nterritories-excluded = [\"EU\"]\nattribution-text = \"t\"\n"),
            // Rejected:
            "[policy]\nreview-every = \"soon\"\n".into(),
            "[policy]\nreview-every = 90\n".into(),
            "[attribution]\nfiles = \"x\"\n".into(),
            "[attribution]\nfile = \" \"\n".into(),
            "[compliance]\nlog = \"\"\n".into(),
            "api-url = \"https://evil.example/v1\"\n".into(),
            "intended-use = \"business\"\n".into(),
            "intended-use = 3\n".into(),
            "[policy]\nendpoint = \"x\"\n".into(),
            "[policy]\ndeny-licenses = \"MIT\"\n".into(),
            "[rules]\nno-such-rule = \"error\"\n".into(),
            "[rules]\nunknown-model = \"loud\"\n".into(),
            "[[exceptions]]\nmodel = \"a\"\nrules = [\"nope\"]\n".into(),
            "[[exceptions]]\nmodel = \"a\"\nexpires = \"next year\"\n".into(),
            "[[exceptions]]\nrules = []\n".into(),
            format!("{model}attribution = \"maybe\"\n"),
            format!("{model}attribution = \"Required\"\nurl = \"https://evil.example\"\n"),
            "[[models]]\nid = \"a\"\ncommercial = true\nattribution = \"Required\"\n".into(),
            "[[models]]\nid = \"\"\nlicense = \"MIT\"\ncommercial = true\nattribution = \"Required\"\n".into(),
            format!("{model}attribution = \"Required\"\ncommercial = \"yes\"\n"),
        ];
        let mut rejected = 0;
        for text in &samples {
            let loaded = parse(text);
            let Ok(value) = toml::from_str::<toml::Value>(text) else {
                continue;
            };
            let errors: Vec<String> = validator
                .iter_errors(&to_json(value))
                .map(|e| e.to_string())
                .collect();
            assert_eq!(
                loaded.is_ok(),
                errors.is_empty(),
                "loader and schema disagree on:\n{text}\nloader: {loaded:?}\nschema: {errors:?}"
            );
            rejected += usize::from(loaded.is_err());
        }
        assert!(rejected >= 14, "the samples include rejected files");
    }

    fn parse(text: &str) -> Result<ProjectConfig, ConfigError> {
        ProjectConfig::parse(text, Path::new("/p/abstrakt.toml"))
    }

    #[test]
    fn enumerated_values_are_the_ones_the_loader_accepts() {
        for level in LEVELS {
            assert!(
                level == "off" || level.parse::<Severity>().is_ok(),
                "{level}"
            );
        }
        for use_ in INTENDED_USES {
            assert!(use_.parse::<IntendedUse>().is_ok(), "{use_}");
        }
        for label in ATTRIBUTION_LABELS {
            assert!(parse_attribution(label).is_some(), "{label}");
        }
        let pattern = regex_lite(&spelling_pattern());
        for (spelling, _) in ATTRIBUTION_SPELLINGS {
            assert!(pattern(spelling), "{spelling}");
        }
    }

    /// Whether the pattern matches, via the schema validator's own regex engine.
    fn regex_lite(pattern: &str) -> impl Fn(&str) -> bool + use<> {
        let validator = jsonschema::validator_for(&serde_json::json!({ "pattern": pattern }))
            .expect("a valid pattern");
        move |text: &str| validator.is_valid(&serde_json::json!(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ProjectConfig, ConfigError> {
        ProjectConfig::parse(text, Path::new("/p/abstrakt.toml"))
    }

    #[test]
    fn the_example_from_the_issue_parses() {
        let config = parse(
            r#"
intended-use = "commercial"
[policy]
allow-licenses = []
deny-licenses = ["CC-BY-NC-4.0"]
deny-models = []
[rules]
dynamic-model-id = "info"
unknown-model = "off"
[clients]
names = ["imageClient"]
[[exceptions]]
model = "flux-dev"
rules = ["attribution-required"]
reason = "credited in the site footer"
expires = "2027-06-30"
[[models]]
id = "acme/custom-sdxl"
license = "Proprietary"
commercial = true
attribution = "Not required"
"#,
        )
        .expect("valid");
        assert_eq!(config.intended_use, Some(IntendedUse::Commercial));
        assert_eq!(config.policy.deny_licenses, ["CC-BY-NC-4.0"]);
        assert_eq!(
            config.rules.get(&RuleCode::DynamicModelId),
            Some(&Some(Severity::Info))
        );
        assert_eq!(config.rules.get(&RuleCode::UnknownModel), Some(&None));
        assert_eq!(config.client_names, ["imageClient"]);
        assert_eq!(config.exceptions.len(), 1);
        assert_eq!(
            config.exceptions[0].expires,
            Some(jiff::civil::date(2027, 6, 30))
        );
        let custom = config.models.get("acme/custom-sdxl").expect("model");
        assert_eq!(custom.licensing.license, "Proprietary");
        assert_eq!(custom.licensing.attribution, Attribution::NotRequired);
        assert_eq!(config.extract_options().client_names, ["imageClient"]);
        assert_eq!(
            config
                .rule_settings()
                .severities
                .get(&RuleCode::UnknownModel),
            Some(&None)
        );
    }

    #[test]
    fn workflow_keys_parse_and_bad_values_point_at_themselves() {
        let config = parse(
            "[policy]\nreview-every = \"90d\"\n[attribution]\nfile = \"THIRD_PARTY_MODELS.md\"\n[compliance]\nlog = \"complianceLog.save\"\n[[exceptions]]\nmodel = \"flux-dev\"\n",
        )
        .expect("valid");
        let interval = config.review_every.expect("interval");
        assert_eq!(interval.to_string(), "90d");
        assert_eq!(
            interval.due(jiff::civil::date(2026, 1, 1)),
            Some(jiff::civil::date(2026, 4, 1))
        );
        assert_eq!(
            ReviewInterval::parse("3m")
                .ok()
                .and_then(|i| i.due(jiff::civil::date(2026, 11, 30))),
            Some(jiff::civil::date(2027, 2, 28))
        );
        let file = config.attribution_file.clone().expect("file");
        assert_eq!(file.path, Path::new("THIRD_PARTY_MODELS.md"));
        assert_eq!(file.span, 51..74);
        assert_eq!(config.compliance_log.as_deref(), Some("complianceLog.save"));
        assert_eq!(config.exceptions[0].span, Some(138..148));
        assert_eq!(config.root(), Some(Path::new("/p")));

        let error = parse("[policy]\nreview-every = \"soon\"\n").expect_err("bad interval");
        assert_eq!((error.line, error.column), (Some(2), Some(16)), "{error}");
        assert!(
            error.message.contains("`soon` is not an interval"),
            "{error}"
        );
        let error = parse("[policy]\nreview-every = \"0d\"\n").expect_err("zero");
        assert!(error.message.contains("from 1 to 10000"), "{error}");
        let error = parse("\n[compliance]\nlog = \"log it\"\n").expect_err("bad name");
        assert_eq!(error.line, Some(3), "{error}");
        assert!(error.message.contains("not a function name"), "{error}");
        // generation-not-logged looks for the log function: it must be named.
        let error = parse("[rules]\ngeneration-not-logged = \"warning\"\n").expect_err("no log");
        assert_eq!((error.line, error.column), (Some(2), Some(1)), "{error}");
        assert_eq!(
            error.message,
            "rules.generation-not-logged needs [compliance] log = \"…\": the function whose call logs a generation"
        );
        assert!(parse("[rules]\ngeneration-not-logged = \"off\"\n").is_ok());
    }

    #[test]
    fn an_empty_file_is_the_defaults() {
        let config = parse("").expect("valid");
        assert_eq!(config.intended_use, None);
        assert!(config.policy.is_empty());
        assert!(config.models.models().is_empty());
        assert_eq!(config.limits, Limits::default());
    }

    #[test]
    fn limits_take_bytes_or_sizes_with_units() {
        let config =
            parse("[limits]\nmax-file-size = \"8 MB\"\nmax-line-length = 100000\n").expect("valid");
        assert_eq!(
            config.limits,
            Limits {
                max_file_size: 8 * 1024 * 1024,
                max_line_length: 100_000
            }
        );
        let config = parse("[limits]\nmax-file-size = 1000\n").expect("valid");
        assert_eq!(config.limits.max_file_size, 1000);
        assert_eq!(
            config.limits.max_line_length,
            limits::DEFAULT_MAX_LINE_LENGTH
        );
        let error = parse("[limits]\nmax-file-size = \"lots\"\n").expect_err("bad size");
        assert_eq!(error.line, Some(2), "{error}");
        assert!(error.message.contains("`lots` is not a size"), "{error}");
        let error = parse("[limits]\nmax-line-length = -1\n").expect_err("negative");
        assert_eq!(error.line, Some(2), "{error}");
        let error = parse("[limits]\nmax-lines = 1\n").expect_err("unknown key");
        assert!(error.message.contains("unknown field"), "{error}");
    }

    #[test]
    fn errors_carry_line_and_column() {
        let error = parse("intended-use = \"commercial\"\n\n[rules]\nno-such-rule = \"error\"\n")
            .expect_err("unknown rule");
        assert_eq!(error.line, Some(4), "{error}");
        assert!(
            error.to_string().starts_with("/p/abstrakt.toml:4:"),
            "{error}"
        );
        assert!(
            error.message.contains("unknown rule `no-such-rule`"),
            "{error}"
        );

        let error = parse("[rules]\nunknown-model = \"loud\"\n").expect_err("bad level");
        assert_eq!((error.line, error.column), (Some(2), Some(17)), "{error}");

        let error = parse("intended-use = 3\n").expect_err("wrong type");
        assert_eq!(error.line, Some(1), "{error}");

        let error = parse("[policy]\ndeny-licenses = [\n").expect_err("bad toml");
        assert!(error.line.is_some(), "{error}");

        let error = parse("[[models]]\nid = \"a\"\nlicense = \"MIT\"\ncommercial = true\nattribution = \"maybe\"\n")
            .expect_err("bad attribution");
        assert_eq!(error.line, Some(5), "{error}");

        let error = parse("[[exceptions]]\nmodel = \"a\"\nexpires = \"next year\"\n")
            .expect_err("bad date");
        assert_eq!(error.line, Some(3), "{error}");
    }

    #[test]
    fn unknown_keys_are_rejected_including_endpoints_and_keys() {
        for text in [
            "api-url = \"https://evil.example/v1\"\n",
            "api-key = \"sk_live_x\"\n",
            "[api]\nurl = \"https://evil.example/v1\"\n",
            "[policy]\nendpoint = \"https://evil.example\"\n",
            "[[models]]\nid = \"a\"\nlicense = \"MIT\"\ncommercial = true\nattribution = \"Required\"\nurl = \"https://evil.example\"\n",
        ] {
            let error = parse(text).expect_err(text);
            assert!(error.message.contains("unknown field"), "{error}");
            assert!(error.line.is_some(), "{error}");
        }
    }

    #[test]
    fn duplicate_models_and_bad_client_names_are_rejected() {
        let error = parse(
            "[[models]]\nid = \"a\"\nlicense = \"MIT\"\ncommercial = true\nattribution = \"Required\"\n[[models]]\nid = \"A\"\nlicense = \"MIT\"\ncommercial = true\nattribution = \"Required\"\n",
        )
        .expect_err("duplicate");
        assert_eq!(error.line, Some(7), "{error}");
        let error = parse("[clients]\nnames = [\"ok\", \"not ok\"]\n").expect_err("bad name");
        assert_eq!(error.line, Some(2), "{error}");
    }

    #[test]
    fn toml_dates_work_for_expiry() {
        let config = parse("[[exceptions]]\nmodel = \"a\"\nexpires = 2027-01-02\n").expect("valid");
        assert_eq!(
            config.exceptions[0].expires,
            Some(jiff::civil::date(2027, 1, 2))
        );
        assert!(config.exceptions[0].covers(RuleCode::NonCommercial));
        assert!(!config.exceptions[0].expired(jiff::civil::date(2027, 1, 2)));
        assert!(config.exceptions[0].expired(jiff::civil::date(2027, 1, 3)));
    }

    #[test]
    fn discovery_walks_up() {
        let dir = tempfile::tempdir().expect("tempdir");
        let nested = dir.path().join("a/b");
        std::fs::create_dir_all(&nested).expect("mkdir");
        assert_eq!(ProjectConfig::discover(&nested.join("x.ts")), None);
        std::fs::write(dir.path().join("a").join(FILE_NAME), "").expect("write");
        assert_eq!(
            ProjectConfig::discover(&nested.join("x.ts")),
            Some(dir.path().join("a").join(FILE_NAME))
        );
    }

    #[test]
    fn project_models_override_the_builtin_registry() {
        use crate::registry::{Lookup, Source};
        let config = parse(
            "[[models]]\nid = \"flux-dev\"\nlicense = \"Custom\"\ncommercial = false\nattribution = \"Not required\"\n",
        )
        .expect("valid");
        let resolver = config.resolver(Resolver::builtin());
        let resolved = resolver.resolve("flux-dev").expect("known");
        assert_eq!(resolved.model.licensing.license, "Custom");
        assert!(matches!(resolved.source, Source::Project { .. }));
        // The built-in aliases still resolve to the built-in entry.
        assert!(resolver.resolve("fal-ai/flux/schnell").is_some());
    }
}
