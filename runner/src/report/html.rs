//! The HTML report: one self-contained file a person reads. No network,
//! no JavaScript, and a Content-Security-Policy of `default-src 'none'`
//! with the one stylesheet allowed by its hash. Plots are inline SVG
//! ([`super::svg`]) from the binned data in the report, never rows.
//!
//! Everything from a plugin (names, messages, labels, versions) is
//! escaped: plugins are untrusted.

use std::fmt::Write as _;

use base64::Engine as _;
use sha2::{Digest, Sha256};

use mltest_report::number::short as number;
use mltest_report::{CheckResult, FindingResult, Outcome, Plot, RunResult};

use super::svg;

/// Text as HTML: `&`, `<`, `>`, `"` and `'` as entities, control
/// characters escaped (and dropped by the browser no more).
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in mltest_report::text::escape_controls(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#222;background:#f6f7f9}
header{background:#fff;border-bottom:1px solid #ddd;padding:18px 28px}
main{padding:8px 28px 40px}
h1{font-size:22px;margin:0 0 6px}h2{font-size:18px;margin:28px 0 8px}h3{font-size:15px;margin:18px 0 6px}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-weight:600;font-size:12px;color:#fff}
.pass{background:#2e7d32}.warn{background:#b26a00}.fail{background:#c62828}.error{background:#6a1b9a}.skip{background:#757575}
table{border-collapse:collapse;background:#fff;margin:6px 0 12px;width:100%}
th,td{border:1px solid #e1e3e6;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f0f1f3;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
section.check{background:#fff;border:1px solid #ddd;border-radius:6px;padding:4px 18px 12px;margin:16px 0}
.meta{color:#555;font-size:13px}.mono{font-family:ui-monospace,monospace;font-size:12px}
figure{display:inline-block;margin:6px 12px 6px 0;vertical-align:top}figcaption{font-size:12px;color:#444;max-width:420px}
details summary{cursor:pointer;color:#333}
";

/// The whole report.
pub(crate) fn render(result: &RunResult) -> String {
    let style_hash =
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(STYLE.as_bytes()));
    let counts = result.count();
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'sha256-{style_hash}'; img-src 'none'; form-action 'none'; base-uri 'none'\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>mltest: {}</title><style>{STYLE}</style></head><body>\n",
        escape(&result.suite)
    );
    let c = counts.checks;
    let f = counts.findings;
    let _ = write!(
        out,
        "<header><h1>{} <span class=\"badge {}\" id=\"outcome\">{}</span></h1>\
<p id=\"counts\"><b>{} of {} checks failed</b>{} · findings: {} failed, {} errored, {} warned, {} passed, {} skipped</p>\
<p class=\"meta\">{:.2} s{}{}</p></header>\n<main>\n",
        escape(&result.suite),
        result.outcome.as_str(),
        result.outcome.as_str().to_uppercase(),
        c.fail,
        c.total,
        if c.error > 0 {
            format!(", {} errored", c.error)
        } else {
            String::new()
        },
        f.fail,
        f.error,
        f.warn,
        f.pass,
        f.skip,
        result.duration_ms.as_secs_f64(),
        if result.started_at.is_empty() {
            String::new()
        } else {
            format!(" · started {}", escape(&result.started_at))
        },
        if result.mltest_version.is_empty() {
            String::new()
        } else {
            format!(" · mltest {}", escape(&result.mltest_version))
        },
    );

    out.push_str("<h2>Checks</h2>\n<table id=\"checks\"><thead><tr><th>check</th><th>outcome</th><th>plugin</th><th>failed</th><th>warned</th><th>passed</th><th>skipped</th><th>time</th><th>declared at</th></tr></thead><tbody>\n");
    for check in &result.checks {
        let _ = writeln!(
            out,
            "<tr><td><a href=\"#check-{}\">{}</a></td><td><span class=\"badge {}\">{}</span></td><td>{} {}<br><span class=\"mono\">sha256:{}</span></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{} ms</td><td class=\"mono\">{}</td></tr>",
            escape(&check.id),
            escape(&check.id),
            check.outcome.as_str(),
            check.outcome.as_str(),
            escape(&check.plugin),
            escape(&check.plugin_version),
            escape(&check.plugin_digest),
            check.count(Outcome::Fail) + check.count(Outcome::Error),
            check.count(Outcome::Warn),
            check.count(Outcome::Pass),
            check.count(Outcome::Skip),
            check.duration_ms.as_millis(),
            check
                .location
                .as_ref()
                .map(|l| escape(&format!("{}:{}", l.file, l.line)))
                .unwrap_or_default()
        );
    }
    out.push_str("</tbody></table>\n");
    for check in &result.checks {
        section(&mut out, check);
    }
    out.push_str("</main></body></html>\n");
    out
}

fn is_column_plot(f: &FindingResult) -> bool {
    matches!(
        f.plot,
        Some(Plot::Histogram { .. } | Plot::Categories { .. })
    )
}

fn section(out: &mut String, check: &CheckResult) {
    let _ = writeln!(
        out,
        "<section class=\"check\" id=\"check-{}\"><h2>{} <span class=\"badge {}\">{}</span></h2><p class=\"meta\">{} {} · severity {} · {} ms{}</p>",
        escape(&check.id),
        escape(&check.id),
        check.outcome.as_str(),
        check.outcome.as_str(),
        escape(&check.plugin),
        escape(&check.plugin_version),
        match check.severity {
            mltest_report::Severity::Error => "error",
            mltest_report::Severity::Warn => "warn",
        },
        check.duration_ms.as_millis(),
        if check.grants.is_empty() {
            String::new()
        } else {
            format!(" · granted: {}", escape(&check.grants.join(", ")))
        }
    );
    let columns: Vec<&FindingResult> = check
        .findings
        .iter()
        .filter(|f| is_column_plot(f))
        .collect();
    if !columns.is_empty() {
        column_table(out, &columns);
    }
    let figures: Vec<&FindingResult> = check
        .findings
        .iter()
        .filter(|f| matches!(f.plot, Some(Plot::Groups { .. } | Plot::Comparison { .. })))
        .collect();
    if !figures.is_empty() {
        out.push_str("<div class=\"figures\">");
        for f in figures {
            if let Some(plot) = &f.plot
                && let Some(picture) = svg::draw(plot, &f.name)
            {
                let _ = write!(
                    out,
                    "<figure class=\"finding-plot\">{picture}<figcaption><span class=\"badge {}\">{}</span> <b>{}</b>: {}</figcaption></figure>",
                    f.outcome.as_str(),
                    f.outcome.as_str(),
                    escape(&f.name),
                    escape(&f.message)
                );
            }
        }
        out.push_str("</div>\n");
    }
    for f in &check.findings {
        if let Some(Plot::Rows { columns, rows }) = &f.plot {
            let _ = write!(
                out,
                "<h3>{}: first differing rows</h3><table class=\"rows\"><thead><tr>",
                escape(&f.name)
            );
            for c in columns {
                let _ = write!(out, "<th>{}</th>", escape(c));
            }
            out.push_str("</tr></thead><tbody>");
            for row in rows {
                out.push_str("<tr>");
                for cell in row {
                    let _ = write!(out, "<td class=\"mono\">{}</td>", escape(cell));
                }
                out.push_str("</tr>");
            }
            out.push_str("</tbody></table>\n");
        }
    }
    // Every finding that has no column row, notable ones open.
    let rest: Vec<&FindingResult> = check
        .findings
        .iter()
        .filter(|f| !is_column_plot(f))
        .collect();
    let (notable, quiet): (Vec<&FindingResult>, Vec<&FindingResult>) = rest
        .into_iter()
        .partition(|f| matches!(f.outcome, Outcome::Fail | Outcome::Error | Outcome::Warn));
    if !notable.is_empty() {
        findings_table(out, check, &notable);
    }
    if !quiet.is_empty() {
        let _ = write!(
            out,
            "<details><summary>{} passing or skipped findings</summary>",
            quiet.len()
        );
        findings_table(out, check, &quiet);
        out.push_str("</details>\n");
    }
    out.push_str("</section>\n");
}

/// Drift per column, drifted columns first.
fn column_table(out: &mut String, columns: &[&FindingResult]) {
    let mut sorted = columns.to_vec();
    let drifted = |f: &FindingResult| f.properties.get("drifted").is_some_and(|d| d == "true");
    // Stable: the check's order within drifted and not drifted.
    sorted.sort_by_key(|f| (!drifted(f), std::cmp::Reverse(f.outcome)));
    out.push_str("<table class=\"columns\" id=\"drift-columns\"><thead><tr><th>column</th><th>kind</th><th>method</th><th>statistic</th><th>threshold</th><th>verdict</th><th>reference vs current</th></tr></thead><tbody>\n");
    for f in sorted {
        let p = |k: &str| f.properties.get(k).map(|v| escape(v)).unwrap_or_default();
        let picture = f
            .plot
            .as_ref()
            .and_then(|plot| svg::draw(plot, &f.name))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "<tr class=\"{}\" data-drifted=\"{}\"><td><b>{}</b></td><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td><span class=\"badge {}\">{}</span><br>{}</td><td>{picture}</td></tr>",
            if drifted(f) { "drifted" } else { "stable" },
            drifted(f),
            p("column"),
            p("kind"),
            p("method"),
            f.observed.map(number).unwrap_or_default(),
            f.threshold.map(number).unwrap_or_default(),
            f.outcome.as_str(),
            if drifted(f) {
                "drifted"
            } else {
                f.outcome.as_str()
            },
            escape(&f.message)
        );
    }
    out.push_str("</tbody></table>\n");
}

fn findings_table(out: &mut String, check: &CheckResult, findings: &[&FindingResult]) {
    out.push_str("<table class=\"findings\"><thead><tr><th>outcome</th><th>finding</th><th>message</th><th>observed</th><th>threshold</th><th>at</th></tr></thead><tbody>\n");
    for f in findings {
        let _ = writeln!(
            out,
            "<tr><td><span class=\"badge {}\">{}</span></td><td class=\"mono\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"mono\">{}</td></tr>",
            f.outcome.as_str(),
            f.outcome.as_str(),
            escape(&f.name),
            escape(&f.message),
            f.observed.map(number).unwrap_or_default(),
            f.threshold.map(number).unwrap_or_default(),
            check
                .location_of(f)
                .map(|l| escape(&format!("{}:{}", l.file, l.line)))
                .unwrap_or_default()
        );
    }
    out.push_str("</tbody></table>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use mltest_report::Severity;
    use std::time::Duration;

    #[test]
    fn plugin_text_is_escaped_everywhere() {
        let mut check = CheckResult::new("c", "p", Severity::Error);
        check.plugin_version = "<img src=x onerror=alert(1)>".into();
        check.findings = vec![FindingResult::new(
            "<blink>",
            Outcome::Fail,
            "\"'><script>alert(1)</script>",
        )];
        check.outcome = Outcome::Fail;
        let html = render(&RunResult::new("<s>", Duration::ZERO, vec![check]));
        assert!(!html.contains("<script>") && !html.contains("<img") && !html.contains("<blink>"));
        assert!(html.contains("&lt;blink&gt;"));
        assert!(html.contains("&lt;script&gt;"));
        assert!(html.contains("default-src 'none'"));
    }

    #[test]
    fn a_hundred_drifted_columns_stay_under_a_megabyte() {
        let mut check = CheckResult::new("drift", "drift", Severity::Error);
        check.findings = (0..100)
            .map(|i| {
                let mut f = FindingResult::new(
                    format!("drift[c{i}]"),
                    Outcome::Warn,
                    "drifted: a long enough message about the column",
                );
                f.properties.insert("drifted".into(), "true".into());
                f.plot = Some(Plot::Histogram {
                    edges: (0..=20).map(|e| e as f64 * 1234.5678).collect(),
                    reference: vec![0.05; 20],
                    current: vec![0.05; 20],
                });
                f
            })
            .collect();
        let html = render(&RunResult::new("s", Duration::ZERO, vec![check]));
        assert!(html.len() < 1_000_000, "{} bytes", html.len());
        assert_eq!(html.matches("<svg").count(), 100);
    }
}
