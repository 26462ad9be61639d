//! Turning what a plugin returned into the report model: outcomes from the
//! contract's, the check's severity applied, finding names made unique.

use std::collections::HashSet;

use mltest_report::plot::PLOT_PROPERTY;
use mltest_report::{
    CheckResult, ErrorKind, FindingResult, Outcome, PARAM_PROPERTY, Plot, Severity, Truncation,
};

use crate::host::{Finding, WitOutcome};
use crate::suite::CheckSpec;

/// Caps on what one check's findings may hold. Reports stay readable by
/// every consumer (libxml2-based JUnit readers refuse multi-megabyte
/// attributes), and a plugin cannot grow them without bound.
pub(crate) const MAX_FINDINGS: usize = 10_000;
const MAX_NAME: usize = 1024;
const MAX_MESSAGE: usize = 16 * 1024;
const MAX_DETAILS: usize = 256 * 1024;
const MAX_PROPERTIES: usize = 256;
const MAX_PROPERTY_KEY: usize = 256;
const MAX_PROPERTY_VALUE: usize = 16 * 1024;

/// The plugin's findings in the report model, within the caps; what was
/// cut is counted in `truncated`.
pub(crate) fn findings(found: Vec<Finding>, truncated: &mut Truncation) -> Vec<FindingResult> {
    truncated.findings_dropped = found.len().saturating_sub(MAX_FINDINGS) as u64;
    found
        .into_iter()
        .take(MAX_FINDINGS)
        .map(|f| {
            let (finding, shortened) = capped(finding(f));
            truncated.findings_shortened += u64::from(shortened);
            finding
        })
        .collect()
}

/// Lifts the reserved properties into the report: `mltest.param` (the
/// parameter a finding comes from) becomes its suite location, and
/// `mltest.plot` its plot, if the plot is valid. A plot that is not is
/// dropped, and the check's log says why: a plugin cannot break a report
/// by drawing badly.
pub(crate) fn place(findings: &mut [FindingResult], check: &CheckSpec, logs: &mut Vec<String>) {
    let mut bad_plots = 0usize;
    for finding in findings {
        if let Some(pointer) = finding.properties.remove(PARAM_PROPERTY) {
            finding.location = Some(check.locate(&pointer));
        }
        if let Some(json) = finding.properties.remove(PLOT_PROPERTY) {
            match serde_json::from_str::<Plot>(&json)
                .map_err(|e| e.to_string())
                .and_then(|plot| plot.validate().map(|()| plot))
            {
                Ok(plot) => finding.plot = Some(plot),
                Err(why) => {
                    bad_plots += 1;
                    if bad_plots <= 10 {
                        logs.push(format!(
                            "warn: plot of finding `{}` dropped: {why}",
                            escape_name(&finding.name)
                        ));
                    }
                }
            }
        }
    }
    if bad_plots > 10 {
        logs.push(format!("warn: {} more plots dropped", bad_plots - 10));
    }
}

/// A finding name inside a log line, one line long.
fn escape_name(name: &str) -> String {
    name.chars().take(200).filter(|c| !c.is_control()).collect()
}

/// Shortens what is too long; says whether anything was.
fn capped(mut f: FindingResult) -> (FindingResult, bool) {
    let mut cut = false;
    cut |= shorten(&mut f.name, MAX_NAME);
    cut |= shorten(&mut f.message, MAX_MESSAGE);
    cut |= shorten(&mut f.details, MAX_DETAILS);
    if f.properties.len() > MAX_PROPERTIES {
        f.properties = std::mem::take(&mut f.properties)
            .into_iter()
            .take(MAX_PROPERTIES)
            .collect();
        cut = true;
    }
    let long_keys = f.properties.keys().any(|k| k.len() > MAX_PROPERTY_KEY);
    if long_keys {
        f.properties = std::mem::take(&mut f.properties)
            .into_iter()
            .map(|(mut k, v)| {
                shorten(&mut k, MAX_PROPERTY_KEY);
                (k, v)
            })
            .collect();
        cut = true;
    }
    for value in f.properties.values_mut() {
        cut |= shorten(value, MAX_PROPERTY_VALUE);
    }
    (f, cut)
}

/// Cuts `text` to at most `max` bytes at a character boundary, marking the
/// cut with `…`.
fn shorten(text: &mut String, max: usize) -> bool {
    if text.len() <= max {
        return false;
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.push('…');
    true
}

fn finding(f: Finding) -> FindingResult {
    let outcome = match f.outcome {
        WitOutcome::Pass => Outcome::Pass,
        WitOutcome::Warn => Outcome::Warn,
        WitOutcome::Fail => Outcome::Fail,
        WitOutcome::Skip => Outcome::Skip,
        WitOutcome::Error => Outcome::Error,
    };
    let mut result = FindingResult::new(f.name, outcome, f.message);
    result.details = f.details;
    result.observed = f.observed;
    result.threshold = f.threshold;
    result.properties = f.properties.into_iter().collect();
    result
}

/// Applies the check's severity and derives its outcome from its findings.
/// A check without findings is an error, never a skip that lets the suite
/// pass: a plugin with nothing to check says why with a skip finding.
pub(crate) fn finish(mut check: CheckResult) -> CheckResult {
    if check.findings.is_empty() {
        check.error = Some(ErrorKind::Contract);
        check.findings.push(FindingResult::check_error(
            ErrorKind::Contract,
            "the plugin reported no findings (a plugin with nothing to check reports a skip that says why)",
        ));
    }
    if check.severity == Severity::Warn {
        for finding in &mut check.findings {
            if finding.outcome == Outcome::Fail {
                finding.outcome = Outcome::Warn;
            }
        }
    }
    dedupe_names(&mut check.findings);
    check.outcome = Outcome::worst(check.findings.iter().map(|f| f.outcome));
    check
}

/// Finding names must be unique within a check (GitLab keeps only the first
/// of two cases with the same name); later duplicates get `#2`, `#3`, ….
/// Linear: each base name remembers the next suffix to try.
fn dedupe_names(findings: &mut [FindingResult]) {
    let mut taken: HashSet<String> = findings.iter().map(|f| f.name.clone()).collect();
    let mut seen: HashSet<String> = HashSet::with_capacity(findings.len());
    let mut next: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    for finding in findings {
        if seen.insert(finding.name.clone()) {
            continue;
        }
        let n = next.entry(finding.name.clone()).or_insert(1);
        let name = loop {
            *n += 1;
            let candidate = format!("{}#{n}", finding.name);
            if !taken.contains(&candidate) {
                break candidate;
            }
        };
        taken.insert(name.clone());
        seen.insert(name.clone());
        finding.name = name;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(names: &[&str]) -> Vec<FindingResult> {
        names
            .iter()
            .map(|n| FindingResult::new(*n, Outcome::Pass, ""))
            .collect()
    }

    #[test]
    fn reserved_properties_become_a_location_and_a_valid_plot_only() {
        let text = "[[check]]\nid = \"m\"\nplugin = \"metrics\"\n[check.params.thresholds.auc]\nmin = 0.7\n";
        let suite = crate::suite::Suite::parse_text(std::path::Path::new("s.toml"), text.into())
            .expect("a valid suite");
        let check = &suite.checks[0];
        let mut good = FindingResult::new("a", Outcome::Fail, "");
        good.properties
            .insert(PARAM_PROPERTY.into(), "/thresholds/auc/min".into());
        good.properties.insert(
            PLOT_PROPERTY.into(),
            r#"{"kind":"comparison","metric":"auc","candidate":0.6,"baseline":0.8,"allowed":0.79,"greater_is_better":true}"#.into(),
        );
        let mut bad = FindingResult::new("b", Outcome::Pass, "");
        // Not written: the nearest enclosing key that is (the thresholds table).
        bad.properties
            .insert(PARAM_PROPERTY.into(), "/thresholds/loss/max".into());
        bad.properties.insert(
            PLOT_PROPERTY.into(),
            r#"{"kind":"histogram","edges":[0],"reference":[1],"current":[1]}"#.into(),
        );
        let mut findings = vec![good, bad];
        let mut logs = Vec::new();
        place(&mut findings, check, &mut logs);
        let at = findings[0].location.as_ref().unwrap();
        assert_eq!(
            (at.line, at.key.as_deref()),
            (5, Some("/thresholds/auc/min"))
        );
        assert!(findings[0].plot.is_some());
        assert_eq!(findings[1].location.as_ref().unwrap().line, 4);
        assert!(
            findings[1].plot.is_none(),
            "an inconsistent plot is dropped"
        );
        assert!(logs[0].contains("plot of finding `b` dropped"), "{logs:?}");
        assert!(findings.iter().all(|f| f.properties.is_empty()));
    }

    #[test]
    fn long_text_is_cut_at_a_character_boundary() {
        let mut f = FindingResult::new("n", Outcome::Fail, "é".repeat(20_000));
        f.properties.insert("k".repeat(300), "v".into());
        for i in 0..300 {
            f.properties.insert(format!("p{i}"), "x".into());
        }
        let (f, cut) = capped(f);
        assert!(cut);
        assert!(f.message.len() <= MAX_MESSAGE && f.message.ends_with('…'));
        assert_eq!(f.properties.len(), MAX_PROPERTIES);
        assert!(f.properties.keys().all(|k| k.len() <= MAX_PROPERTY_KEY));
        let (same, cut) = capped(FindingResult::new("n", Outcome::Pass, "short"));
        assert!(!cut);
        assert_eq!(same.message, "short");
    }

    #[test]
    fn duplicate_finding_names_are_suffixed_without_colliding() {
        let mut findings = named(&["a", "a", "b", "a", "a#2"]);
        dedupe_names(&mut findings);
        let names: Vec<_> = findings.iter().map(|f| f.name.as_str()).collect();
        // `a#2` is a name a later finding already has, so the copies skip it.
        assert_eq!(names, ["a", "a#3", "b", "a#4", "a#2"]);
    }

    /// 100k findings with one name: quadratic renaming took about a minute
    /// for 30k; this must stay linear (it runs in well under a second).
    #[test]
    fn many_same_named_findings_are_renamed_in_linear_time() {
        let mut findings = named(&vec!["x"; 100_000]);
        dedupe_names(&mut findings);
        let unique: HashSet<_> = findings.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(unique.len(), 100_000);
        assert_eq!(findings[99_999].name, "x#100000");
    }
}
