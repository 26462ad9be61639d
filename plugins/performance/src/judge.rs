//! From the kernels' quality report to findings: one finding per metric on
//! all rows, per slice and per slicing's gap, each the worst of the rules
//! that apply there, with every rule's line in its details.

use std::collections::BTreeMap;

use mltest_sdk::kernels::{QualityReport, SliceQuality};
use mltest_sdk::metric::canonical;
use mltest_sdk::{Error, Finding, Outcome, Plot, worst};

use crate::compare::{self, Interval};
use crate::params::{Method, Params, SliceRule};
use crate::{Comparison, Metric, Plan};

fn fmt(v: f64) -> String {
    mltest_sdk::number::short(v)
}

/// With its sign, a true minus: `+0.012`, `−0.036`.
fn signed(v: f64) -> String {
    if v >= 0.0 {
        format!("+{}", fmt(v))
    } else {
        format!("−{}", fmt(-v))
    }
}

/// One rule's outcome where it applies.
struct Verdict {
    outcome: Outcome,
    line: String,
    /// The rule's key under `/metrics/<metric>`.
    pointer: String,
    /// What the rule compares with `threshold` (the value, a regression,
    /// the interval's worst gain); the metric's value when absent.
    observed: Option<f64>,
    threshold: Option<f64>,
    properties: Vec<(String, String)>,
    plot: Option<Plot>,
}

impl Verdict {
    fn new(outcome: Outcome, pointer: &str, line: String) -> Verdict {
        Verdict {
            outcome,
            line,
            pointer: pointer.to_string(),
            observed: None,
            threshold: None,
            properties: Vec::new(),
            plot: None,
        }
    }
    fn check(ok: bool, pointer: &str, line: String) -> Verdict {
        Verdict::new(
            if ok { Outcome::Pass } else { Outcome::Fail },
            pointer,
            line,
        )
    }
    fn threshold(mut self, t: f64) -> Verdict {
        self.threshold = Some(t);
        self
    }
    fn observed(mut self, v: f64) -> Verdict {
        self.observed = Some(v);
        self
    }
    fn property(mut self, key: &str, value: impl ToString) -> Verdict {
        self.properties.push((key.to_string(), value.to_string()));
        self
    }
}

/// The slice's name in findings: `all`, or `region=north,age_band=under_35`.
fn slice_name(slice: &SliceQuality) -> String {
    if slice.key.is_empty() {
        return "all".to_string();
    }
    slice
        .key
        .iter()
        .map(|(column, value)| format!("{column}={}", value.as_deref().unwrap_or("(null)")))
        .collect::<Vec<_>>()
        .join(",")
}

fn slicing_name(slice: &SliceQuality) -> String {
    slice
        .key
        .iter()
        .map(|(column, _)| column.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// All findings, metric by metric.
pub(crate) fn findings(
    params: &Params,
    plan: &Plan,
    report: &QualityReport,
    baseline: Result<&BTreeMap<String, f64>, &String>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some((all, slices)) = report.slices.split_first() else {
        return out;
    };
    for metric in &plan.metrics {
        let ctx = Context {
            params,
            metric,
            pointer: format!(
                "/metrics/{}",
                metric.name.replace('~', "~0").replace('/', "~1")
            ),
        };
        if metric.rule.overall() {
            out.push(ctx.overall(all, baseline));
        }
        let Some(rule) = &metric.rule.slices else {
            continue;
        };
        if rule.per_slice() {
            out.extend(slices.iter().map(|s| ctx.slice(rule, s)));
        }
        if let Some(limit) = rule.max_gap {
            let mut slicings: Vec<(String, Vec<&SliceQuality>)> = Vec::new();
            for s in slices {
                let name = slicing_name(s);
                match slicings.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, members)) => members.push(s),
                    None => slicings.push((name, vec![s])),
                }
            }
            out.extend(
                slicings
                    .iter()
                    .map(|(name, members)| ctx.gap(name, members, limit)),
            );
        }
    }
    if report.unlabelled > 0 {
        mltest_sdk::log::info(&format!(
            "{} rows have no label and were left out",
            report.unlabelled
        ));
    }
    out
}

struct Context<'a> {
    params: &'a Params,
    metric: &'a Metric<'a>,
    pointer: String,
}

impl Context<'_> {
    fn name(&self, at: &str) -> String {
        format!("performance.{}[{at}]", self.metric.name)
    }

    fn value(&self, slice: &SliceQuality) -> Result<f64, String> {
        let v = slice
            .candidate
            .get(self.metric.index)
            .ok_or_else(|| "not measured".to_string())?;
        v.value.clone().map_err(|why| {
            format!(
                "{} is undefined here: {}",
                self.metric.name,
                Error::from(why)
            )
        })
    }

    fn champion(&self, slice: &SliceQuality) -> Option<Result<f64, String>> {
        let values = slice.champion.as_ref()?;
        Some(match values.get(self.metric.index) {
            None => Err("not measured".into()),
            Some(v) => v.value.clone().map_err(|why| {
                format!(
                    "the champion's {} is undefined here: {}",
                    self.metric.name,
                    Error::from(why)
                )
            }),
        })
    }

    /// The finding for one place, from the verdicts of its rules.
    fn finding(&self, at: &str, slice: &SliceQuality, verdicts: Vec<Verdict>) -> Finding {
        let outcome = verdicts
            .iter()
            .map(|v| v.outcome)
            .reduce(worst)
            .unwrap_or(Outcome::Skip);
        let lead: Vec<&Verdict> = verdicts.iter().filter(|v| v.outcome == outcome).collect();
        let message = lead
            .iter()
            .map(|v| v.line.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        let details = verdicts
            .iter()
            .map(|v| format!("{:<5} {}", outcome_word(v.outcome), v.line))
            .collect::<Vec<_>>()
            .join("\n");
        let mut finding = Finding::new(self.name(at), outcome, message)
            .details(details)
            .property("metric", self.metric.name)
            .property("slice", at)
            .property("rows", slice.rows)
            .property("greater_is_better", self.metric.direction.0);
        if self.params.weight.is_some() {
            finding = finding.property("weight", fmt(slice.weight));
        }
        if let Some(p) = slice.positives {
            finding = finding.property("positives", fmt(p));
        }
        let value = self.value(slice).ok();
        if let Some(v) = value {
            finding = finding.property("candidate", v);
        }
        if let Some(v) = lead.first().and_then(|l| l.observed).or(value) {
            finding = finding.observed(v);
        }
        if let Some(Ok(v)) = self.champion(slice) {
            finding = finding.property("champion", v);
        }
        if let Some(lead) = lead.first() {
            if let Some(t) = lead.threshold {
                finding = finding.threshold(t);
            }
            finding = finding.param(format!("{}/{}", self.pointer, lead.pointer));
        }
        if let Some(plot) = verdicts.iter().find_map(|v| v.plot.as_ref()) {
            finding = finding.plot(plot);
        }
        for v in verdicts {
            for (key, value) in v.properties {
                finding = finding.property(key, value);
            }
        }
        finding
    }

    fn too_small(&self, at: &str, slice: &SliceQuality) -> Finding {
        Finding::skip(
            self.name(at),
            format!(
                "{} rows, fewer than min_slice_size {}: reported, not measured",
                slice.rows, self.params.min_slice_size
            ),
        )
        .property("metric", self.metric.name)
        .property("slice", at)
        .property("rows", slice.rows)
    }

    /// The rules on all rows.
    fn overall(
        &self,
        all: &SliceQuality,
        baseline: Result<&BTreeMap<String, f64>, &String>,
    ) -> Finding {
        if all.too_small {
            return self.too_small("all", all);
        }
        let rule = self.metric.rule;
        let value = self.value(all);
        let mut verdicts = Vec::new();
        if let Some(min) = rule.min {
            verdicts.push(self.bound("min", &value, min, true));
        }
        if let Some(max) = rule.max {
            verdicts.push(self.bound("max", &value, max, false));
        }
        let against = [
            ("max_regression", rule.max_regression),
            ("max_relative_regression", rule.max_relative_regression),
            ("min_improvement", rule.min_improvement),
        ];
        if against.iter().any(|(_, limit)| limit.is_some()) {
            let reference = self.reference(all, baseline);
            for (kind, limit) in against {
                if let Some(limit) = limit {
                    verdicts.push(self.versus(kind, kind, &value, &reference, limit));
                }
            }
        }
        if let Some(c) = self.metric.non_inferior {
            verdicts.push(self.compared("non_inferior", "non_inferior", all, c, false));
        }
        if let Some(c) = self.metric.superior {
            verdicts.push(self.compared("superior", "superior", all, c, true));
        }
        self.finding("all", all, verdicts)
    }

    /// The rules on one slice.
    fn slice(&self, rule: &SliceRule, slice: &SliceQuality) -> Finding {
        let at = slice_name(slice);
        if slice.too_small {
            return self.too_small(&at, slice);
        }
        let value = self.value(slice);
        let mut verdicts = Vec::new();
        if let Some(min) = rule.min {
            verdicts.push(self.bound("slices/min", &value, min, true));
        }
        if let Some(max) = rule.max {
            verdicts.push(self.bound("slices/max", &value, max, false));
        }
        if let Some(limit) = rule.max_regression {
            let reference = match self.champion(slice) {
                Some(Ok(v)) => Ok((v, "champion")),
                Some(Err(why)) => Err((Outcome::Fail, why)),
                None => Err((
                    Outcome::Skip,
                    "no champion predictions given (a metrics document has no slices)".into(),
                )),
            };
            verdicts.push(self.versus(
                "max_regression",
                "slices/max_regression",
                &value,
                &reference,
                limit,
            ));
        }
        if let Some(c) = self.metric.slice_non_inferior {
            verdicts.push(self.compared("non_inferior", "slices/non_inferior", slice, c, false));
        }
        self.finding(&at, slice, verdicts)
    }

    /// The gap between the best and the worst measured slice of a slicing.
    fn gap(&self, slicing: &str, members: &[&SliceQuality], limit: f64) -> Finding {
        let name = self.name(&format!("gap:{slicing}"));
        let measured: Vec<&SliceQuality> =
            members.iter().copied().filter(|s| !s.too_small).collect();
        let mut values = Vec::new();
        let mut undefined = Vec::new();
        for s in &measured {
            match self.value(s) {
                Ok(v) => values.push((v, slice_name(s))),
                Err(_) => undefined.push(slice_name(s)),
            }
        }
        let left_out = members.len() - measured.len();
        let mut notes = Vec::new();
        if left_out > 0 {
            notes.push(format!("{left_out} slices below min_slice_size left out"));
        }
        if !undefined.is_empty() {
            notes.push(format!("undefined on {}", undefined.join(", ")));
        }
        let note = if notes.is_empty() {
            String::new()
        } else {
            format!(" ({})", notes.join("; "))
        };
        let base = |f: Finding| {
            f.property("metric", self.metric.name)
                .property("slice", format!("gap:{slicing}"))
                .property("slices", members.len())
                .property("measured_slices", values.len())
                .param(format!("{}/slices/max_gap", self.pointer))
        };
        if values.len() < 2 {
            return base(Finding::skip(
                name,
                format!(
                    "{} measured slices of {slicing}: a gap needs two{note}",
                    values.len()
                ),
            ));
        }
        let by_value = |a: &&(f64, String), b: &&(f64, String)| a.0.total_cmp(&b.0);
        let low = values.iter().min_by(by_value).expect("two values");
        let high = values.iter().max_by(by_value).expect("two values");
        let gap = high.0 - low.0;
        let (best, worst_slice) = if self.metric.direction.0 {
            (high, low)
        } else {
            (low, high)
        };
        base(
            Finding::check(
                name,
                gap <= limit,
                format!(
                    "{} ranges from {} ({}) to {} ({}) across {slicing}: gap {} (allowed {}){note}",
                    self.metric.name,
                    fmt(worst_slice.0),
                    worst_slice.1,
                    fmt(best.0),
                    best.1,
                    fmt(gap),
                    fmt(limit)
                ),
            )
            .observed(gap)
            .threshold(limit)
            .property("worst_slice", &worst_slice.1)
            .property("best_slice", &best.1),
        )
    }

    fn bound(&self, pointer: &str, value: &Result<f64, String>, limit: f64, min: bool) -> Verdict {
        let m = self.metric.name;
        match value {
            Err(why) => Verdict::new(Outcome::Fail, pointer, why.clone()),
            Ok(v) => {
                let (ok, word) = if min {
                    (*v >= limit, "minimum")
                } else {
                    (*v <= limit, "maximum")
                };
                Verdict::check(
                    ok,
                    pointer,
                    format!("{m} = {} ({word} {})", fmt(*v), fmt(limit)),
                )
                .threshold(limit)
            }
        }
    }

    /// The champion's value on all rows, else the baseline document's.
    fn reference(
        &self,
        all: &SliceQuality,
        baseline: Result<&BTreeMap<String, f64>, &String>,
    ) -> Result<(f64, &'static str), (Outcome, String)> {
        match (self.champion(all), baseline) {
            (Some(Ok(v)), _) => Ok((v, "champion")),
            (Some(Err(why)), _) => Err((Outcome::Fail, why)),
            (None, Ok(doc)) => {
                let wanted = canonical(self.metric.name);
                doc.get(self.metric.name)
                    .or_else(|| {
                        doc.iter()
                            .find(|(k, _)| canonical(k) == wanted)
                            .map(|(_, v)| v)
                    })
                    .map(|&v| (v, "baseline"))
                    .filter(|(v, _)| v.is_finite())
                    .ok_or_else(|| {
                        (
                            Outcome::Fail,
                            format!(
                                "metric `{}` is absent from the baseline's metrics, or not a finite number there",
                                self.metric.name
                            ),
                        )
                    })
            }
            (None, Err(why)) => Err((Outcome::Skip, format!("{why}: rule skipped"))),
        }
    }

    /// A point comparison with the champion (or baseline), as `metrics` makes it.
    fn versus(
        &self,
        kind: &str,
        pointer: &str,
        value: &Result<f64, String>,
        reference: &Result<(f64, &'static str), (Outcome, String)>,
        limit: f64,
    ) -> Verdict {
        let m = self.metric.name;
        let v = match value {
            Ok(v) => *v,
            Err(why) => return Verdict::new(Outcome::Fail, pointer, why.clone()),
        };
        let (b, source) = match reference {
            Ok(r) => *r,
            Err((outcome, why)) => {
                return Verdict::new(*outcome, pointer, format!("{kind}: {why}"));
            }
        };
        let greater_is_better = self.metric.direction.0;
        let sign = if greater_is_better { 1.0 } else { -1.0 };
        let gain = sign * (v - b);
        let direction = if greater_is_better { "higher" } else { "lower" };
        let head = format!(
            "{m} = {} vs {source} {} ({direction} is better)",
            fmt(v),
            fmt(b)
        );
        let (ok, line, observed, allowed) = match kind {
            "max_regression" => (
                -gain <= limit,
                format!("{head}: regression {} (allowed {})", fmt(-gain), fmt(limit)),
                -gain,
                b - sign * limit,
            ),
            "max_relative_regression" => {
                let relative = if b == 0.0 {
                    if gain >= 0.0 { 0.0 } else { f64::INFINITY }
                } else {
                    -gain / b.abs()
                };
                (
                    relative <= limit,
                    format!(
                        "{head}: relative regression {:.2}% (allowed {:.2}%)",
                        relative * 100.0,
                        limit * 100.0
                    ),
                    relative,
                    b - sign * limit * b.abs(),
                )
            }
            _ => (
                gain >= limit,
                format!(
                    "{head}: improvement {} (required {})",
                    fmt(gain),
                    fmt(limit)
                ),
                gain,
                b + sign * limit,
            ),
        };
        let mut verdict = Verdict::check(ok, pointer, line)
            .threshold(limit)
            .observed(observed)
            .property(&format!("{kind}.observed"), fmt(observed))
            .property(&format!("{kind}.reference"), source);
        verdict.plot = Some(Plot::Comparison {
            metric: m.to_string(),
            candidate: v,
            baseline: b,
            allowed,
            greater_is_better,
        });
        verdict
    }

    /// Non-inferiority (or superiority) by an interval of candidate − champion.
    fn compared(
        &self,
        kind: &str,
        pointer: &str,
        slice: &SliceQuality,
        comparison: Comparison,
        superior: bool,
    ) -> Verdict {
        let params = self.params;
        let m = self.metric.name;
        let method = comparison.method;
        let interval = match self.interval(slice, method) {
            Ok(i) => i,
            Err((outcome, why)) => {
                return Verdict::new(outcome, pointer, format!("{kind}: {why}"))
                    .property(&format!("{kind}.method"), method.name());
            }
        };
        let direction = self.metric.direction;
        let delta = comparison.margin;
        let bound = if superior { delta } else { -delta };
        let worst_gain = interval.worst_gain(direction);
        let p = interval.p_value(direction, bound);
        let ok = worst_gain > bound;
        let confidence = format!("{}%", fmt(params.confidence * 100.0));
        let how = match method {
            Method::Bootstrap => format!(
                "paired bootstrap, {} resamples, seed {}",
                params.bootstrap.resamples, params.bootstrap.seed
            ),
            Method::Delong => "DeLong".to_string(),
            Method::Mcnemar => "paired proportions, McNemar".to_string(),
        };
        let (end, side) = if direction.0 {
            ("lower", "above")
        } else {
            ("upper", "below")
        };
        let limit = if direction.0 { bound } else { -bound };
        let what = if superior { "superior" } else { "non-inferior" };
        let verdict_text = format!(
            "{}{what} by {}: the {end} bound {} is {}{side} {}",
            if ok { "" } else { "not shown " },
            fmt(delta),
            signed(if direction.0 {
                interval.low
            } else {
                interval.high
            }),
            if ok { "" } else { "not " },
            signed(limit)
        );
        let line = format!(
            "{m}: candidate − champion = {}, {confidence} CI [{}, {}] ({how}); {verdict_text} (p {})",
            signed(interval.difference),
            signed(interval.low),
            signed(interval.high),
            match (method, p) {
                (Method::Bootstrap, 0.0) => {
                    format!(
                        "< {}",
                        fmt(1.0 / f64::from(params.bootstrap.resamples.max(1)))
                    )
                }
                _ => format!("= {}", fmt(p)),
            }
        );
        let champion = self.champion(slice).and_then(|c| c.ok());
        let mut verdict = Verdict::check(ok, pointer, line)
            .threshold(bound)
            .observed(worst_gain)
            .property(&format!("{kind}.method"), method.name())
            .property(&format!("{kind}.margin"), fmt(delta))
            .property(&format!("{kind}.confidence"), params.confidence)
            .property(&format!("{kind}.difference"), interval.difference)
            .property(&format!("{kind}.ci_low"), interval.low)
            .property(&format!("{kind}.ci_high"), interval.high)
            .property(&format!("{kind}.p_value"), p);
        for (key, value) in &interval.properties {
            verdict = verdict.property(&format!("{kind}.{key}"), value);
        }
        if let (Ok(v), Some(b)) = (self.value(slice), champion) {
            let sign = if direction.0 { 1.0 } else { -1.0 };
            verdict.plot = Some(Plot::Comparison {
                metric: m.to_string(),
                candidate: v,
                baseline: b,
                allowed: b + sign * bound,
                greater_is_better: direction.0,
            });
        }
        verdict
    }

    fn interval(
        &self,
        slice: &SliceQuality,
        method: Method,
    ) -> Result<Interval, (Outcome, String)> {
        let fail = |why: String| (Outcome::Fail, why);
        if self.params.champion.is_none() {
            return Err((
                Outcome::Skip,
                "no champion predictions given: a comparison needs the champion's predictions of the same rows".into(),
            ));
        }
        let confidence = self.params.confidence;
        match method {
            Method::Bootstrap => {
                let value = self.value(slice).map_err(fail)?;
                let champion = self
                    .champion(slice)
                    .ok_or_else(|| fail("the champion was not measured".into()))?
                    .map_err(fail)?;
                let draws = self
                    .metric
                    .resampled
                    .and_then(|i| slice.bootstrap.get(i))
                    .ok_or_else(|| fail("no bootstrap resamples were drawn".into()))?;
                compare::bootstrap(
                    draws,
                    value - champion,
                    self.metric.direction,
                    confidence,
                    self.params.bootstrap.resamples,
                    self.params.bootstrap.seed,
                )
                .map_err(fail)
            }
            Method::Delong => match &slice.delong {
                Some(Ok(test)) => Ok(compare::delong(test, confidence)),
                Some(Err(why)) => Err(fail(format!(
                    "DeLong's test is undefined here: {}",
                    Error::from(why)
                ))),
                None => Err(fail("DeLong's test was not run".into())),
            },
            Method::Mcnemar => match &slice.mcnemar {
                Some(Ok(test)) => Ok(compare::mcnemar(test, confidence)),
                Some(Err(why)) => Err(fail(format!(
                    "McNemar's test is undefined here: {}",
                    Error::from(why)
                ))),
                None => Err(fail("McNemar's test was not run".into())),
            },
        }
    }
}

fn outcome_word(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "pass",
        Outcome::Warn => "warn",
        Outcome::Fail => "fail",
        Outcome::Skip => "skip",
        Outcome::Error => "error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mltest_sdk::kernels::{DelongTest, HostError, MetricValue, Resampled};
    use mltest_sdk::serde_json::{self, json};

    fn params(value: serde_json::Value) -> Params {
        let mut base = json!({"table": "holdout", "label": "y", "candidate": "score"});
        for (k, v) in value.as_object().unwrap() {
            base[k] = v.clone();
        }
        serde_json::from_value(base).unwrap()
    }

    fn values(v: &[(&str, Result<f64, &str>)]) -> Vec<MetricValue> {
        v.iter()
            .map(|(m, r)| MetricValue {
                metric: m.to_string(),
                value: r.map_err(|why| HostError::Unsupported(why.to_string())),
            })
            .collect()
    }

    fn slice(
        key: &[(&str, &str)],
        rows: u64,
        candidate: &[(&str, Result<f64, &str>)],
        champion: Option<&[(&str, Result<f64, &str>)]>,
    ) -> SliceQuality {
        SliceQuality {
            key: key
                .iter()
                .map(|(c, v)| (c.to_string(), Some(v.to_string())))
                .collect(),
            rows,
            weight: rows as f64,
            positives: Some(rows as f64 / 4.0),
            too_small: false,
            candidate: values(candidate),
            champion: champion.map(values),
            bootstrap: Vec::new(),
            delong: None,
            mcnemar: None,
        }
    }

    fn report(slices: Vec<SliceQuality>) -> QualityReport {
        QualityReport {
            slices,
            classes: Vec::new(),
            unlabelled: 0,
        }
    }

    fn judge(params: &Params, report: &QualityReport) -> Vec<Finding> {
        let plan = Plan::new(params).unwrap();
        let none = "no champion predictions or baseline metrics given".to_string();
        findings(params, &plan, report, Err(&none))
    }

    fn property<'a>(f: &'a Finding, key: &str) -> &'a str {
        f.properties
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no property {key} in {:?}", f.properties))
    }

    #[test]
    fn bounds_on_all_rows_pass_fail_and_fail_when_undefined() {
        let p = params(json!({"metrics": {"roc_auc": {"min": 0.8}, "log_loss": {"max": 0.5}}}));
        let r = report(vec![slice(
            &[],
            1000,
            &[("log_loss", Ok(0.6)), ("roc_auc", Ok(0.85))],
            None,
        )]);
        let out = judge(&p, &r);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].name, "performance.log_loss[all]");
        assert_eq!(out[0].outcome, Outcome::Fail, "{}", out[0].message);
        assert_eq!(out[0].message, "log_loss = 0.6 (maximum 0.5)");
        assert_eq!(out[1].outcome, Outcome::Pass);
        assert_eq!(property(&out[1], "rows"), "1000");
        assert_eq!(property(&out[1], "mltest.param"), "/metrics/roc_auc/min");

        let r = report(vec![slice(
            &[],
            10,
            &[
                ("log_loss", Ok(0.1)),
                ("roc_auc", Err("only one class is present")),
            ],
            None,
        )]);
        let out = judge(&p, &r);
        assert_eq!(out[1].outcome, Outcome::Fail);
        assert!(
            out[1].message.contains("only one class"),
            "{}",
            out[1].message
        );
    }

    #[test]
    fn regressions_use_the_champion_else_the_baseline_else_skip() {
        let p = params(json!({
            "champion": "old",
            "metrics": {"roc_auc": {"max_regression": 0.01, "min": 0.5}}
        }));
        let r = report(vec![slice(
            &[],
            1000,
            &[("roc_auc", Ok(0.80))],
            Some(&[("roc_auc", Ok(0.83))]),
        )]);
        let out = judge(&p, &r);
        assert_eq!(out[0].outcome, Outcome::Fail);
        assert!(
            out[0].message.contains("vs champion 0.83")
                && out[0].message.contains("regression 0.03"),
            "{}",
            out[0].message
        );
        assert!(
            out[0].details.contains("pass  roc_auc = 0.8 (minimum 0.5)"),
            "{}",
            out[0].details
        );

        let p = params(json!({"metrics": {"auc": {"max_regression": 0.05}}}));
        let r = report(vec![slice(&[], 1000, &[("roc_auc", Ok(0.80))], None)]);
        let plan = Plan::new(&p).unwrap();
        let doc = BTreeMap::from([("roc_auc".to_string(), 0.83)]);
        let out = findings(&p, &plan, &r, Ok(&doc));
        assert_eq!(out[0].outcome, Outcome::Pass, "{}", out[0].message);
        assert!(
            out[0].message.contains("vs baseline 0.83"),
            "{}",
            out[0].message
        );
        let out = judge(&p, &r);
        assert_eq!(out[0].outcome, Outcome::Skip);
        assert!(
            out[0].message.contains("no champion predictions"),
            "{}",
            out[0].message
        );
    }

    fn delong(
        candidate: f64,
        champion: f64,
        var_difference: f64,
    ) -> Option<Result<DelongTest, HostError>> {
        Some(Ok(DelongTest {
            auc_champion: champion,
            auc_candidate: candidate,
            var_champion: 0.0,
            var_candidate: 0.0,
            covariance: 0.0,
            var_difference,
        }))
    }

    #[test]
    fn non_inferiority_and_superiority_by_delong() {
        let p = params(json!({
            "champion": "old",
            "metrics": {"roc_auc": {"non_inferior": {"margin": 0.02}}}
        }));
        let mut all = slice(
            &[],
            5000,
            &[("roc_auc", Ok(0.80))],
            Some(&[("roc_auc", Ok(0.81))]),
        );
        all.delong = delong(0.80, 0.81, 0.005f64.powi(2));
        let out = judge(&p, &report(vec![all.clone()]));
        // −0.01 ± 1.96 × 0.005: lower bound −0.0198 > −0.02.
        assert_eq!(out[0].outcome, Outcome::Pass, "{}", out[0].message);
        assert_eq!(property(&out[0], "non_inferior.method"), "delong");
        let p_value: f64 = property(&out[0], "non_inferior.p_value").parse().unwrap();
        assert!(p_value < 0.025, "{p_value}");
        assert!(out[0].message.contains("95% CI"), "{}", out[0].message);

        all.delong = delong(0.80, 0.81, 0.006f64.powi(2));
        let out = judge(&p, &report(vec![all.clone()]));
        assert_eq!(out[0].outcome, Outcome::Fail, "{}", out[0].message);
        assert!(
            out[0].message.contains("not shown non-inferior"),
            "{}",
            out[0].message
        );

        let p = params(json!({
            "champion": "old",
            "metrics": {"roc_auc": {"superior": {"margin": 0.01}}}
        }));
        all.delong = delong(0.85, 0.81, 0.01f64.powi(2));
        let out = judge(&p, &report(vec![all.clone()]));
        // +0.04 − 1.96 × 0.01 = 0.0204 > 0.01.
        assert_eq!(out[0].outcome, Outcome::Pass, "{}", out[0].message);
        all.delong = Some(Err(HostError::Unsupported(
            "only one class is present".into(),
        )));
        let out = judge(&p, &report(vec![all]));
        assert_eq!(out[0].outcome, Outcome::Fail);
        assert!(
            out[0].message.contains("only one class"),
            "{}",
            out[0].message
        );
    }

    #[test]
    fn bootstrap_non_inferiority_of_a_loss_reads_the_upper_bound() {
        let p = params(json!({
            "champion": "old",
            "bootstrap": {"resamples": 5, "seed": 9},
            "metrics": {"log_loss": {"non_inferior": {"margin": 0.02}}}
        }));
        let mut all = slice(
            &[],
            800,
            &[("log_loss", Ok(0.41))],
            Some(&[("log_loss", Ok(0.40))]),
        );
        all.bootstrap = vec![Resampled {
            metric: "log_loss".into(),
            differences: vec![0.0, 0.005, 0.01, 0.015, 0.03],
            invalid: 0,
        }];
        let out = judge(&p, &report(vec![all.clone()]));
        // The upper bound (0.0285) is a loss of more than 0.02.
        assert_eq!(out[0].outcome, Outcome::Fail, "{}", out[0].message);
        assert_eq!(property(&out[0], "non_inferior.seed"), "9");
        assert!(out[0].message.contains("seed 9"), "{}", out[0].message);
        all.bootstrap[0].differences = vec![-0.01, 0.0, 0.005, 0.01, 0.012];
        let out = judge(&p, &report(vec![all]));
        assert_eq!(out[0].outcome, Outcome::Pass, "{}", out[0].message);
    }

    #[test]
    fn slices_are_judged_and_small_ones_skipped_with_their_size() {
        let p = params(json!({
            "slices": ["region"],
            "min_slice_size": 50,
            "metrics": {"roc_auc": {"slices": {"min": 0.7, "max_gap": 0.1}}}
        }));
        let mut tiny = slice(&[("region", "west")], 12, &[], None);
        tiny.too_small = true;
        let r = report(vec![
            slice(&[], 1000, &[("roc_auc", Ok(0.8))], None),
            slice(&[("region", "east")], 400, &[("roc_auc", Ok(0.66))], None),
            slice(&[("region", "north")], 588, &[("roc_auc", Ok(0.79))], None),
            tiny,
        ]);
        let out = judge(&p, &r);
        let names: Vec<&str> = out.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "performance.roc_auc[region=east]",
                "performance.roc_auc[region=north]",
                "performance.roc_auc[region=west]",
                "performance.roc_auc[gap:region]"
            ]
        );
        assert_eq!(out[0].outcome, Outcome::Fail);
        assert_eq!(property(&out[0], "rows"), "400");
        assert_eq!(out[1].outcome, Outcome::Pass);
        assert_eq!(out[2].outcome, Outcome::Skip);
        assert!(
            out[2]
                .message
                .starts_with("12 rows, fewer than min_slice_size 50"),
            "{}",
            out[2].message
        );
        assert_eq!(out[3].outcome, Outcome::Fail, "{}", out[3].message);
        assert!((out[3].observed.unwrap() - 0.13).abs() < 1e-12);
        assert_eq!(property(&out[3], "worst_slice"), "region=east");
        assert!(
            out[3]
                .message
                .contains("1 slices below min_slice_size left out"),
            "{}",
            out[3].message
        );

        let r = report(vec![
            slice(&[], 1000, &[("roc_auc", Ok(0.8))], None),
            slice(&[("region", "east")], 400, &[("roc_auc", Ok(0.75))], None),
        ]);
        let out = judge(&p, &r);
        assert_eq!(out[1].outcome, Outcome::Skip, "a gap needs two slices");
    }

    #[test]
    fn rules_are_checked_before_any_data_is_read() {
        let refused = |v: serde_json::Value| match Plan::new(&params(v)) {
            Err(e) => e.message().to_string(),
            Ok(_) => panic!("accepted"),
        };
        assert!(refused(json!({"metrics": {}})).contains("no metrics"));
        assert!(refused(json!({"metrics": {"f1": {}}})).contains("sets no limit"));
        assert!(
            refused(
                json!({"metrics": {"f1": {"non_inferior": {"margin": 0.1, "method": "delong"}}}})
            )
            .contains("delong")
        );
        assert!(
            refused(
                json!({"weight": "w", "metrics": {"accuracy": {"non_inferior": {"margin": 0.1}}}})
            )
            .contains("cannot use `weight`")
        );
        assert!(
            refused(json!({"metrics": {"auc": {"slices": {"min": 0.7}}}})).contains("no `slices`")
        );
        assert!(
            refused(json!({"confidence": 1.0, "metrics": {"auc": {"min": 0.7}}}))
                .contains("confidence")
        );
        assert!(
            refused(json!({"metrics": {"auc": {"superior": {"margin": -0.1}}}}))
                .contains("non-negative")
        );
        let ok = params(
            json!({"metrics": {"auc": {"non_inferior": {"margin": 0.0}}, "accuracy": {"superior": {"margin": 0.0}}, "f1": {"non_inferior": {"margin": 0.1}}}}),
        );
        let plan = Plan::new(&ok).unwrap();
        assert_eq!(plan.resampled, ["f1"], "only f1 needs the bootstrap");
        assert!(plan.tests);
        let twice = params(json!({
            "champion": "old",
            "slices": ["region", ["region"], ["region", "age_band"]],
            "metrics": {"auc": {"slices": {"min": 0.5}}}
        }));
        let request = Plan::new(&twice).unwrap().request(&twice);
        assert_eq!(
            request.slices.len(),
            2,
            "a slicing given twice is measured once"
        );
        assert!(request.bootstrap.is_none() && !request.paired_tests);
    }
}
