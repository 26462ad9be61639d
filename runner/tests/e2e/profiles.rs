//! Profiles end to end: `mltest profile` writes the same bytes on every
//! run and the same columns for any split of the data; a suite compares a
//! pinned profile with a table, exactly or within a bracket, and its
//! verdicts agree with the table's own; a bracket that cannot decide
//! follows the check's policy; damage, a wrong pin and a profile where
//! values are needed are that check's error.

use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, Int64Array, StringArray};
use mltest_kernels::profile::file;

use crate::support::{Scratch, check, finding};

const ROWS: usize = 40_000;

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

struct Columns {
    normal: Vec<Option<f64>>,
    count: Vec<Option<i64>>,
    word: Vec<Option<String>>,
}

/// Deterministic data with nulls, NaN, infinities and ties; `shift` moves
/// it, `scale` stretches it.
fn columns(seed: u64, shift: f64, scale: f64) -> Columns {
    let mut state = seed;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut c = Columns {
        normal: Vec::new(),
        count: Vec::new(),
        word: Vec::new(),
    };
    for i in 0..ROWS {
        // A sum of uniforms: smooth, roughly normal, around 10.
        let x = (0..4).map(|_| next()).sum::<f64>() * 2.0 + 6.0;
        c.normal.push(match i % 797 {
            0 => None,
            1 => Some(f64::NAN),
            2 => Some(f64::NEG_INFINITY),
            _ => Some(x * scale + shift),
        });
        c.count
            .push((i % 401 != 0).then_some((next() * 30.0 + shift * 10.0) as i64));
        c.word
            .push((i % 211 != 0).then(|| format!("w{}", ((next() + shift / 4.0) * 7.0) as u32)));
    }
    c
}

fn write(scratch: &Scratch, name: &str, c: &Columns, rows: std::ops::Range<usize>) {
    let columns: Vec<(&str, ArrayRef)> = vec![
        (
            "normal",
            Arc::new(Float64Array::from(c.normal[rows.clone()].to_vec())),
        ),
        (
            "count",
            Arc::new(Int64Array::from(c.count[rows.clone()].to_vec())),
        ),
        ("word", Arc::new(StringArray::from(c.word[rows].to_vec()))),
    ];
    scratch.write_parquet(name, columns, 4_000);
}

/// `mltest profile ARGS`, which must succeed; returns the digest it printed.
fn profile(scratch: &Scratch, args: &[&str]) -> String {
    let mut all = vec!["profile"];
    all.extend_from_slice(args);
    let run = scratch.mltest(&all);
    assert_eq!(run.code(), 0, "{}", run.all());
    let out = run.stdout();
    let digest = out
        .split("sha256:")
        .nth(1)
        .and_then(|rest| rest.get(..64))
        .unwrap_or_else(|| panic!("no digest in {out}"));
    digest.to_string()
}

#[test]
fn profiles_are_the_same_bytes_on_a_rerun_and_the_same_columns_for_any_split() {
    let scratch = Scratch::credit_risk();
    let data = columns(1, 0.0, 1.0);
    write(&scratch, "whole.parquet", &data, 0..ROWS);
    write(&scratch, "a.parquet", &data, 0..13_000);
    write(&scratch, "b.parquet", &data, 13_000..ROWS);
    let first = profile(&scratch, &["whole.parquet", "-o", "whole.mltp"]);
    let again = profile(&scratch, &["whole.parquet", "-o", "again.mltp"]);
    assert_eq!(first, again);
    assert_eq!(
        std::fs::read(scratch.path("whole.mltp")).unwrap(),
        std::fs::read(scratch.path("again.mltp")).unwrap()
    );
    // Parts in either order, and a profile of a part merged with a table.
    profile(&scratch, &["b.parquet", "a.parquet", "-o", "parts.mltp"]);
    profile(&scratch, &["a.parquet", "-o", "a.mltp"]);
    profile(&scratch, &["a.mltp", "b.parquet", "-o", "mixed.mltp"]);
    let read = |name: &str| file::decode(&std::fs::read(scratch.path(name)).unwrap()).unwrap();
    let whole = read("whole.mltp");
    for name in ["parts.mltp", "mixed.mltp"] {
        let part = read(name);
        assert_eq!(part.columns, whole.columns, "{name}");
        assert_eq!(part.meta.sources.len(), 2, "{name}");
        assert_eq!(part.rows(), ROWS as u64);
    }
    assert_eq!(whole.meta.sources[0].rows, ROWS as u64);
    assert_eq!(
        whole.meta.sources[0].sha256.as_deref(),
        Some(sha256_hex(&std::fs::read(scratch.path("whole.parquet")).unwrap()).as_str())
    );
    // A coarser profile cannot be refined.
    let coarse = scratch.mltest(&["profile", "a.mltp", "--mantissa-bits", "52", "-o", "x.mltp"]);
    assert_eq!(coarse.code(), 2, "{}", coarse.all());
    assert!(
        coarse.all().contains("can only be coarsened"),
        "{}",
        coarse.all()
    );
}

fn drift_check(id: &str, reference: &str, extra: &str) -> String {
    format!(
        "[[check]]\nid = \"{id}\"\nplugin = \"drift\"\n[check.params]\nreference = \"{reference}\"\ncurrent = \"current\"\nplots = false\n{extra}\n"
    )
}

/// The properties that carry a column's verdict.
fn verdicts(
    check: &serde_json::Value,
) -> Vec<(String, String, serde_json::Value, serde_json::Value)> {
    check["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let p = &f["properties"];
            (
                f["name"].as_str().unwrap().to_string(),
                f["outcome"].as_str().unwrap().to_string(),
                p["statistic"].clone(),
                p["p_value"].clone(),
            )
        })
        .collect()
}

#[test]
fn a_pinned_reference_profile_gives_the_tables_verdicts() {
    let scratch = Scratch::credit_risk();
    write(
        &scratch,
        "reference.parquet",
        &columns(1, 0.0, 1.0),
        0..ROWS,
    );
    write(&scratch, "current.parquet", &columns(2, 0.05, 1.0), 0..ROWS);
    let digest = profile(&scratch, &["reference.parquet", "-o", "reference.mltp"]);
    profile(
        &scratch,
        &[
            "reference.parquet",
            "--mantissa-bits",
            "52",
            "-o",
            "lossless.mltp",
        ],
    );
    let mut suite = format!(
        "[artifacts]\ntable = \"reference.parquet\"\nprofiled = {{ path = \"reference.mltp\", sha256 = \"{digest}\" }}\nlossless = \"lossless.mltp\"\ncurrent = \"current.parquet\"\n\n"
    );
    for (id, reference) in [
        ("table", "table"),
        ("profiled", "profiled"),
        ("lossless", "lossless"),
    ] {
        suite += &drift_check(id, reference, "");
        suite += &drift_check(
            &format!("{id}-ks"),
            reference,
            "method = \"ks\"\ncolumns = [\"normal\", \"count\"]",
        );
        suite += &drift_check(
            &format!("{id}-psi"),
            reference,
            "method = \"psi\"\ncolumns = [\"normal\"]\nbinning = { edges = \"reference_quantiles\", bins = 10 }",
        );
    }
    scratch.write("suite.toml", suite);
    let (run, report) = scratch.run_suite("suite.toml", &[]);
    assert!(matches!(run.code(), 0 | 1), "{}", run.all());
    for kind in ["", "-ks", "-psi"] {
        let table = check(&report, &format!("table{kind}"));
        // Lossless: the table's numbers to the bit, and its verdicts.
        let lossless = check(&report, &format!("lossless{kind}"));
        assert_eq!(verdicts(lossless), verdicts(table), "lossless{kind}");
        // The default grid: every verdict the table's.
        let profiled = check(&report, &format!("profiled{kind}"));
        assert_eq!(profiled["outcome"], table["outcome"], "profiled{kind}");
        for (p, t) in verdicts(profiled).iter().zip(verdicts(table)) {
            assert_eq!((&p.0, &p.1), (&t.0, &t.1), "profiled{kind}");
        }
    }
    // KS on the default grid is bracketed, around the table's statistic;
    // the binned PSI is exact on its bucket-bound edges.
    let table_ks = finding(check(&report, "table-ks"), "drift[normal]");
    let profiled_ks = finding(check(&report, "profiled-ks"), "drift[normal]");
    let p = &profiled_ks["properties"];
    assert_eq!(p["exactness"], "bracketed", "{profiled_ks:#}");
    let number = |v: &serde_json::Value| v.as_str().unwrap().parse::<f64>().unwrap();
    let d = number(&table_ks["properties"]["statistic"]);
    assert!(
        number(&p["statistic_low"]) <= d && d <= number(&p["statistic_high"]),
        "{p:#}"
    );
    let psi = finding(check(&report, "profiled-psi"), "drift[normal]");
    assert_eq!(psi["properties"]["exactness"], "exact", "{psi:#}");
    // Categories are exact under the cap.
    let word = finding(check(&report, "profiled"), "drift[word]");
    assert_eq!(word["properties"]["exactness"], "exact", "{word:#}");

    // A pin that does not match is the check's error, and the run goes on.
    let wrong = "0".repeat(64);
    scratch.write(
        "pinned.toml",
        format!(
            "[artifacts]\ntable = \"reference.parquet\"\nprofiled = {{ path = \"reference.mltp\", sha256 = \"{wrong}\" }}\ncurrent = \"current.parquet\"\n\n{}{}",
            drift_check("profiled", "profiled", ""),
            drift_check("table", "table", "")
        ),
    );
    let (run, report) = scratch.run_suite("pinned.toml", &[]);
    assert_eq!(run.code(), 3, "{}", run.all());
    let errored = check(&report, "profiled");
    assert_eq!(errored["outcome"], "error");
    assert!(
        errored
            .to_string()
            .contains(&format!("sha256 is {digest}, but the suite pins {wrong}")),
        "{errored:#}"
    );
    assert_ne!(check(&report, "table")["outcome"], "error");
}

#[test]
fn a_bracket_that_cannot_decide_follows_the_inconclusive_policy() {
    let scratch = Scratch::credit_risk();
    // The current side is the reference stretched by 0.02%: the full-data
    // KS sees no drift, a profile of one bucket per binade cannot tell.
    write(
        &scratch,
        "reference.parquet",
        &columns(3, 0.0, 1.0),
        0..ROWS,
    );
    write(
        &scratch,
        "current.parquet",
        &columns(3, 0.0, 1.0002),
        0..ROWS,
    );
    profile(
        &scratch,
        &[
            "reference.parquet",
            "--mantissa-bits",
            "0",
            "-o",
            "coarse.mltp",
        ],
    );
    profile(&scratch, &["reference.parquet", "-o", "fine.mltp"]);
    let ks = "method = \"ks\"\ncolumns = [\"normal\"]";
    let mut suite = "[artifacts]\ntable = \"reference.parquet\"\ncoarse = \"coarse.mltp\"\nfine = \"fine.mltp\"\ncurrent = \"current.parquet\"\n\n".to_string();
    suite += &drift_check("table", "table", ks);
    suite += &drift_check("fine", "fine", ks);
    for policy in ["warn", "fail", "pass"] {
        suite += &drift_check(
            &format!("coarse-{policy}"),
            "coarse",
            &format!("{ks}\ninconclusive = \"{policy}\""),
        );
    }
    scratch.write("suite.toml", suite);
    let (run, report) = scratch.run_suite("suite.toml", &[]);
    assert_eq!(run.code(), 1, "{}", run.all());
    let normal = |id: &str| finding(check(&report, id), "drift[normal]").clone();
    assert_eq!(normal("table")["outcome"], "pass", "{:#}", normal("table"));
    // The fine grid decides, as the table does.
    assert_eq!(normal("fine")["outcome"], "pass", "{:#}", normal("fine"));
    assert_eq!(normal("fine")["properties"]["inconclusive"], "false");
    // "fail" counts the column as drifted: its own finding is then the
    // drifted column's (`column_outcome`, warn), and the dataset fails.
    for (policy, outcome, drifted) in [
        ("warn", "warn", "false"),
        ("fail", "warn", "true"),
        ("pass", "pass", "false"),
    ] {
        let f = normal(&format!("coarse-{policy}"));
        assert_eq!(f["outcome"], outcome, "{f:#}");
        assert_eq!(f["properties"]["drifted"], drifted, "{f:#}");
        assert_eq!(f["properties"]["inconclusive"], "true", "{f:#}");
        assert!(
            f["message"].as_str().unwrap().starts_with("inconclusive"),
            "{f:#}"
        );
    }
    assert_eq!(check(&report, "coarse-fail")["outcome"], "fail");
    assert_eq!(check(&report, "coarse-pass")["outcome"], "pass");
}

#[test]
fn a_damaged_profile_or_one_read_for_values_is_that_checks_error() {
    let scratch = Scratch::credit_risk();
    write(
        &scratch,
        "reference.parquet",
        &columns(1, 0.0, 1.0),
        0..ROWS,
    );
    write(&scratch, "current.parquet", &columns(2, 0.0, 1.0), 0..ROWS);
    profile(&scratch, &["reference.parquet", "-o", "reference.mltp"]);
    profile(
        &scratch,
        &["data/predictions.parquet", "-o", "predictions.mltp"],
    );
    let mut bytes = std::fs::read(scratch.path("reference.mltp")).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle..middle + 64].fill(0xa5);
    scratch.write("damaged.mltp", &bytes);
    let suite = format!(
        "[artifacts]\ndamaged = \"damaged.mltp\"\ntable = \"reference.parquet\"\ncurrent = \"current.parquet\"\npredictions = \"predictions.mltp\"\n\n{}{}\
         [[check]]\nid = \"fairness\"\nplugin = \"fairness\"\n[check.params]\ntable = \"predictions\"\nlabel = \"default\"\nprediction = \"prediction\"\nsensitive = [\"sex\"]\npreset = \"four_fifths\"\n",
        drift_check("damaged", "damaged", ""),
        drift_check("table", "table", ""),
    );
    scratch.write("suite.toml", suite);
    let (run, report) = scratch.run_suite("suite.toml", &[]);
    assert_eq!(run.code(), 3, "{}", run.all());
    let damaged = check(&report, "damaged");
    assert_eq!(damaged["outcome"], "error");
    assert!(
        damaged
            .to_string()
            .contains("damaged.mltp: not a valid profile"),
        "{damaged:#}"
    );
    let fairness = check(&report, "fairness");
    assert_eq!(fairness["outcome"], "error");
    assert!(
        fairness
            .to_string()
            .contains("a profile holds summaries, not values"),
        "{fairness:#}"
    );
    assert_ne!(check(&report, "table")["outcome"], "error");
}
