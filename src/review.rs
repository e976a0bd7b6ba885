//! `review-due`: Abstrakt's licensing guide asks its users to "Review terms
//! quarterly — Licenses can be updated". With `[policy] review-every = "90d"`
//! a model whose last review in `abstrakt.lock` (its `reviewed` day, else the
//! day it was recorded) is that old, or that has no review at all, is reported
//! at every use, like `license-changed`. Off unless the project sets it. Pure.

use crate::config::ReviewInterval;
use crate::extract::{ModelUse, Target};
use crate::lockfile::{self, Lockfile};
use crate::registry::{Lookup, shown_id};
use crate::rules::{Finding, RuleCode, RuleSettings, resolve_on};

/// `review-due` findings for the statically known ids of `uses`.
pub fn findings(
    uses: &[ModelUse],
    lookup: &impl Lookup,
    settings: &RuleSettings,
    every: Option<ReviewInterval>,
    lock: Option<&Lockfile>,
    today: jiff::civil::Date,
    out: &mut Vec<Finding>,
) {
    let Some(every) = every else {
        return;
    };
    let Some(severity) =
        settings.severity(RuleCode::ReviewDue, RuleCode::ReviewDue.default_severity())
    else {
        return;
    };
    for (model_use, target) in uses
        .iter()
        .flat_map(|u| u.targets.iter().map(move |t| (u, t)))
    {
        let Target::Static { id, range } = target else {
            continue;
        };
        let Some(resolved) = resolve_on(lookup, model_use.route(), id) else {
            continue;
        };
        let canonical = &resolved.model.id;
        let route = model_use.route();
        let locked = lock.and_then(|l| {
            l.models
                .get(&lockfile::key(canonical, route))
                .or_else(|| l.models.get(&lockfile::key(id, route)))
        });
        let shown = shown_id(id);
        let message = match locked.map(|l| (l, l.last_review())) {
            None => format!(
                "{shown} has no licensing review in abstrakt.lock, and this project reviews every {every} (review-every): review its terms, then mark it reviewed"
            ),
            Some((_, None)) => format!(
                "{shown}'s review date in abstrakt.lock is not a date; this project reviews every {every}: review its terms, then mark it reviewed"
            ),
            Some((_, Some(last))) => match every.due(last) {
                Some(due) if due > today => continue,
                _ => format!(
                    "{shown}'s licensing was last reviewed on {last}, and this project reviews every {every} (review-every): review its current terms, then mark it reviewed"
                ),
            },
        };
        out.push(Finding {
            code: RuleCode::ReviewDue,
            severity,
            range: range.clone(),
            message,
            model_id: Some(shown.into_owned()),
            canonical_id: Some(canonical.clone()),
            license: Some(resolved.model.licensing.license.clone()),
            suggestions: Vec::new(),
            matched_pattern: resolved.pattern().map(str::to_string),
            route: model_use.route(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Resolver;

    fn run(lock: Option<&Lockfile>, every: &str, today: jiff::civil::Date) -> Vec<String> {
        let source = "abstrakt.run('flux-dev');\nabstrakt.run('nobody/knows');\n";
        let tree = crate::syntax::parse(crate::syntax::Language::JavaScript, source);
        let uses = crate::extract::extract(&tree, source, &Default::default());
        assert_eq!(uses.len(), 2);
        let mut out = Vec::new();
        findings(
            &uses,
            &Resolver::builtin(),
            &RuleSettings::default(),
            ReviewInterval::parse(every).ok(),
            lock,
            today,
            &mut out,
        );
        out.into_iter().map(|f| f.message).collect()
    }

    #[test]
    fn a_review_is_due_on_the_day_the_interval_ends() {
        let mut lock = Lockfile::default();
        let licensing = Resolver::builtin()
            .resolve("flux-dev")
            .map(|r| r.model.licensing.clone())
            .expect("built in");
        lock.record("flux-dev", &licensing, jiff::civil::date(2026, 1, 1));
        assert_eq!(
            run(Some(&lock), "90d", jiff::civil::date(2026, 3, 31)),
            Vec::<String>::new()
        );
        assert_eq!(
            run(Some(&lock), "90d", jiff::civil::date(2026, 4, 1)),
            [
                "flux-dev's licensing was last reviewed on 2026-01-01, and this project reviews every 90d (review-every): review its current terms, then mark it reviewed"
            ]
        );
        lock.mark_reviewed("flux-dev", jiff::civil::date(2026, 3, 1));
        assert!(run(Some(&lock), "90d", jiff::civil::date(2026, 4, 1)).is_empty());
        // Unknown models have no licensing to review; unlocked ones are due.
        assert_eq!(
            run(None, "3m", jiff::civil::date(2026, 4, 1)),
            [
                "flux-dev has no licensing review in abstrakt.lock, and this project reviews every 3m (review-every): review its terms, then mark it reviewed"
            ]
        );
        // Off without review-every.
        assert!(run(None, "never", jiff::civil::date(2026, 4, 1)).is_empty());
    }
}
