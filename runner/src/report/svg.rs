//! Inline SVG plots for the HTML report, drawn from a finding's binned
//! [`Plot`] data. Hand-written so the bytes are deterministic (snapshot
//! tests), need no JavaScript and no dependency, and work under a
//! `default-src 'none'` policy: colours are presentation attributes, not
//! inline styles. Every label is escaped; plugins are untrusted.

use std::fmt::Write as _;

use mltest_report::Plot;
use mltest_report::number::significant;

use super::html::escape;

const REFERENCE: &str = "#7f8fa6";
const CURRENT: &str = "#e1712b";
const BOUND: &str = "#c0392b";
const SERIES: [&str; 4] = ["#4c72b0", "#dd8452", "#55a868", "#8172b3"];

/// Coordinates with one decimal: enough on screen, stable as text. A
/// non-finite value (which validated plots cannot produce) draws at 0.
fn n(v: f64) -> String {
    let v = if v.is_finite() { v } else { 0.0 };
    let s = format!("{v:.1}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

fn open(width: f64, height: f64, label: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"{}\">",
        n(width),
        n(height),
        n(width),
        n(height),
        escape(label)
    )
}

fn text(out: &mut String, x: f64, y: f64, anchor: &str, content: &str) {
    let _ = write!(
        out,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"{anchor}\" font-size=\"10\" fill=\"#333\">{}</text>",
        n(x),
        n(y),
        escape(content)
    );
}

fn legend(out: &mut String, x: f64, y: f64, entries: &[(&str, &str)]) {
    let mut at = x;
    for (name, colour) in entries {
        let _ = write!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"9\" height=\"9\" fill=\"{colour}\"/>",
            n(at),
            n(y - 8.0)
        );
        text(out, at + 12.0, y, "start", name);
        at += 16.0 + 6.0 * name.chars().count() as f64;
    }
}

/// The largest value, never below the smallest positive number, so a
/// plot of zeros scales by it instead of dividing by zero.
fn peak(values: impl Iterator<Item = f64>) -> f64 {
    values.fold(0.0_f64, f64::max).max(f64::MIN_POSITIVE)
}

/// Draws a plot; `None` for kinds that are tables, not pictures.
pub(crate) fn draw(plot: &Plot, title: &str) -> Option<String> {
    match plot {
        Plot::Histogram {
            edges,
            reference,
            current,
        } => Some(histogram(edges, reference, current, title)),
        Plot::Categories {
            labels,
            reference,
            current,
        } => Some(categories(labels, reference, current, title)),
        Plot::Groups { groups, series, .. } => Some(grouped(groups, series, title)),
        Plot::Comparison {
            candidate,
            baseline,
            allowed,
            greater_is_better,
            ..
        } => Some(comparison(
            *candidate,
            *baseline,
            *allowed,
            *greater_is_better,
            title,
        )),
        _ => None,
    }
}

/// Reference and current shares per bin, side by side.
fn histogram(edges: &[f64], reference: &[f64], current: &[f64], title: &str) -> String {
    let (w, h, top, bottom) = (280.0, 110.0, 14.0, 22.0);
    let plot_h = h - top - bottom;
    let max = peak(reference.iter().chain(current).copied());
    let bins = reference.len().max(1) as f64;
    let slot = (w - 10.0) / bins;
    let mut out = open(w, h, title);
    for (i, (r, c)) in reference.iter().zip(current).enumerate() {
        let x = 5.0 + slot * i as f64;
        for (j, (value, colour)) in [(r, REFERENCE), (c, CURRENT)].iter().enumerate() {
            let bar = plot_h * **value / max;
            let _ = write!(
                out,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{colour}\"><title>{}</title></rect>",
                n(x + slot * 0.45 * j as f64 + slot * 0.05),
                n(top + plot_h - bar),
                n(slot * 0.45),
                n(bar),
                escape(&format!(
                    "{} [{}, {}]: {:.1}%",
                    if j == 0 { "reference" } else { "current" },
                    significant(edges.get(i).copied().unwrap_or_default(), 4),
                    significant(edges.get(i + 1).copied().unwrap_or_default(), 4),
                    **value * 100.0
                ))
            );
        }
    }
    let _ = write!(
        out,
        "<line x1=\"5\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#999\"/>",
        n(top + plot_h),
        n(w - 5.0),
        n(top + plot_h)
    );
    let first = edges.first().copied().unwrap_or_default();
    let last = edges.last().copied().unwrap_or_default();
    text(&mut out, 5.0, h - 8.0, "start", &significant(first, 4));
    text(&mut out, w - 5.0, h - 8.0, "end", &significant(last, 4));
    legend(
        &mut out,
        60.0,
        10.0,
        &[("reference", REFERENCE), ("current", CURRENT)],
    );
    out.push_str("</svg>");
    out
}

/// Horizontal bars per category: reference above current.
fn categories(labels: &[String], reference: &[f64], current: &[f64], title: &str) -> String {
    let row = 18.0;
    let (w, top, label_w) = (280.0, 16.0, 90.0);
    let h = top + row * labels.len() as f64 + 4.0;
    let max = peak(reference.iter().chain(current).copied());
    let bar_w = w - label_w - 40.0;
    let mut out = open(w, h, title);
    legend(
        &mut out,
        label_w,
        10.0,
        &[("reference", REFERENCE), ("current", CURRENT)],
    );
    for (i, ((label, &r), &c)) in labels.iter().zip(reference).zip(current).enumerate() {
        let y = top + row * i as f64;
        let short: String = label.chars().take(14).collect();
        text(&mut out, label_w - 4.0, y + 12.0, "end", &short);
        for (j, (value, colour)) in [(r, REFERENCE), (c, CURRENT)].iter().enumerate() {
            let _ = write!(
                out,
                "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"7\" fill=\"{colour}\"><title>{}</title></rect>",
                n(label_w),
                n(y + 2.0 + 8.0 * j as f64),
                n(bar_w * value / max),
                escape(&format!(
                    "{label} ({}): {:.1}%",
                    if j == 0 { "reference" } else { "current" },
                    value * 100.0
                ))
            );
        }
        text(
            &mut out,
            label_w + bar_w * c.max(r) / max + 4.0,
            y + 12.0,
            "start",
            &format!("{:.0}%", c * 100.0),
        );
    }
    out.push_str("</svg>");
    out
}

/// Grouped bars: per group, one bar per rate, with each rate's bound as
/// a dashed line.
fn grouped(groups: &[String], series: &[mltest_report::Series], title: &str) -> String {
    let (top, bottom, left) = (16.0, 30.0, 30.0);
    let slot = (60.0_f64).max(14.0 * series.len() as f64 + 10.0);
    let w = left + slot * groups.len() as f64 + 10.0;
    let h = 150.0;
    let plot_h = h - top - bottom;
    let max = peak(
        series
            .iter()
            .flat_map(|s| s.values.iter().flatten().chain(s.bound.iter()))
            .copied(),
    );
    let y = |v: f64| top + plot_h - plot_h * v / max;
    let mut out = open(w, h, title);
    let entries: Vec<(&str, &str)> = series
        .iter()
        .zip(SERIES)
        .map(|(s, c)| (s.name.as_str(), c))
        .collect();
    legend(&mut out, left, 10.0, &entries);
    let bar = (slot - 10.0) / series.len().max(1) as f64;
    for (g, group) in groups.iter().enumerate() {
        let x = left + slot * g as f64 + 5.0;
        for (k, (s, colour)) in series.iter().zip(SERIES).enumerate() {
            if let Some(v) = s.values.get(g).copied().flatten() {
                let _ = write!(
                    out,
                    "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{colour}\"><title>{}</title></rect>",
                    n(x + bar * k as f64),
                    n(y(v)),
                    n(bar * 0.9),
                    n(top + plot_h - y(v)),
                    escape(&format!("{group}: {} {}", s.name, significant(v, 4)))
                );
            }
        }
        let short: String = group.chars().take(10).collect();
        text(
            &mut out,
            x + (slot - 10.0) / 2.0,
            h - bottom + 12.0,
            "middle",
            &short,
        );
    }
    for (s, colour) in series.iter().zip(SERIES) {
        if let Some(b) = s.bound {
            let _ = write!(
                out,
                "<line class=\"bound\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{colour}\" stroke-dasharray=\"4 3\" stroke-width=\"1.5\"><title>{}</title></line>",
                n(left),
                n(y(b)),
                n(w - 5.0),
                n(y(b)),
                escape(&format!("{} bound {}", s.name, significant(b, 4)))
            );
        }
    }
    let _ = write!(
        out,
        "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#999\"/>",
        n(left),
        n(top + plot_h),
        n(w - 5.0),
        n(top + plot_h)
    );
    text(&mut out, left - 3.0, top + 4.0, "end", &significant(max, 2));
    text(&mut out, left - 3.0, top + plot_h, "end", "0");
    out.push_str("</svg>");
    out
}

/// A number line: the allowed region shaded, the baseline and the
/// candidate marked.
fn comparison(candidate: f64, baseline: f64, allowed: f64, higher: bool, title: &str) -> String {
    let (w, h, pad) = (280.0, 60.0, 20.0);
    let lo = candidate.min(baseline).min(allowed);
    let hi = candidate.max(baseline).max(allowed);
    let span = if hi > lo { hi - lo } else { 1.0 };
    let (lo, hi) = (lo - span * 0.1, hi + span * 0.1);
    let x = |v: f64| pad + (w - 2.0 * pad) * (v - lo) / (hi - lo);
    let mut out = open(w, h, title);
    // What the rule allows: at least `allowed` (higher is better) or at most.
    let (from, to) = if higher {
        (x(allowed), x(hi))
    } else {
        (x(lo), x(allowed))
    };
    let _ = write!(
        out,
        "<rect class=\"allowed\" x=\"{}\" y=\"18\" width=\"{}\" height=\"16\" fill=\"#d5f0dc\"><title>allowed: {} {}</title></rect>",
        n(from),
        n((to - from).max(0.0)),
        if higher { "at least" } else { "at most" },
        escape(&significant(allowed, 6))
    );
    let _ = write!(
        out,
        "<line x1=\"{}\" y1=\"26\" x2=\"{}\" y2=\"26\" stroke=\"#999\"/>",
        n(pad),
        n(w - pad)
    );
    let _ = write!(
        out,
        "<line x1=\"{}\" y1=\"14\" x2=\"{}\" y2=\"38\" stroke=\"{BOUND}\" stroke-dasharray=\"3 2\"/>",
        n(x(allowed)),
        n(x(allowed))
    );
    for (value, colour, name, y) in [
        (baseline, REFERENCE, "baseline", 12.0),
        (candidate, CURRENT, "candidate", 52.0),
    ] {
        let _ = write!(
            out,
            "<circle cx=\"{}\" cy=\"26\" r=\"5\" fill=\"{colour}\"><title>{name} {}</title></circle>",
            n(x(value)),
            escape(&significant(value, 6))
        );
        text(
            &mut out,
            x(value),
            y,
            "middle",
            &format!("{name} {}", significant(value, 4)),
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plots_are_deterministic_and_escape_labels() {
        let plot = Plot::Categories {
            labels: vec!["<script>".into(), "b".into()],
            reference: vec![0.5, 0.5],
            current: vec![0.9, 0.1],
        };
        let a = draw(&plot, "t").unwrap();
        assert_eq!(a, draw(&plot, "t").unwrap());
        assert!(!a.contains("<script>") && a.contains("&lt;script&gt;"));
        let hist = Plot::Histogram {
            edges: vec![0.0, 1.0, 2.0],
            reference: vec![0.0, 0.0],
            current: vec![0.0, 0.0],
        };
        // All-zero shares draw empty bars, not NaN coordinates.
        assert!(!draw(&hist, "t").unwrap().contains("NaN"));
    }
}
