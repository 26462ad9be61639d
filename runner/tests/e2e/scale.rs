//! Bounded memory end to end: the same drift suite under the default
//! memory budget (every column kept) and under one too small to keep any
//! column or to hold two sorted samples at once (every column streamed a
//! row group at a time, every big kernel alone). The verdicts, statistics
//! and plots must not change by a bit.

use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, Int64Array, StringArray};

use crate::support::{Scratch, check};

const ROWS: usize = 60_000;

/// A table of `ROWS` rows in row groups of 5,000, with nulls, NaN and
/// infinities; `shift` moves the current side.
fn write_table(scratch: &Scratch, name: &str, seed: u64, shift: f64) {
    let mut state = seed;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut normal = Vec::with_capacity(ROWS);
    let mut counts = Vec::with_capacity(ROWS);
    let mut words = Vec::with_capacity(ROWS);
    for i in 0..ROWS {
        let u = next();
        normal.push(match i % 997 {
            0 => None,
            1 => Some(f64::NAN),
            2 => Some(f64::INFINITY),
            _ => Some((u * 12.0).sin() * 3.0 + shift + next()),
        });
        counts.push((i % 501 != 0).then_some((next() * 40.0 + shift * 10.0) as i64));
        words.push((i % 301 != 0).then(|| format!("w{}", ((next() + shift / 4.0) * 9.0) as u32)));
    }
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("normal", Arc::new(Float64Array::from(normal))),
        ("count", Arc::new(Int64Array::from(counts))),
        ("word", Arc::new(StringArray::from(words))),
    ];
    scratch.write_parquet(name, columns, 5_000);
}

fn suite(limits: &str, params: &str) -> String {
    format!(
        "{limits}\n[artifacts]\nreference = \"reference.parquet\"\ncurrent = \"current.parquet\"\n\n\
         [[check]]\nid = \"drift\"\nplugin = \"drift\"\n[check.params]\nreference = \"reference\"\ncurrent = \"current\"\n{params}\n\n\
         [[check]]\nid = \"drift-ks\"\nplugin = \"drift\"\n[check.params]\nreference = \"reference\"\ncurrent = \"current\"\nmethod = \"ks\"\ncolumns = [\"normal\", \"count\"]\n{params}\n"
    )
}

#[test]
fn a_budget_too_small_to_keep_a_column_changes_no_result() {
    let scratch = Scratch::credit_risk();
    write_table(&scratch, "reference.parquet", 1, 0.0);
    write_table(&scratch, "current.parquet", 2, 0.3);
    let params = "binning = { edges = \"reference_quantiles\", bins = 12 }";
    scratch.write("kept.toml", suite("", params));
    scratch.write(
        "streamed.toml",
        suite("[limits]\nmemory = \"16KiB\"", params),
    );
    let (kept_run, kept) = scratch.run_suite("kept.toml", &[]);
    let (streamed_run, streamed) = scratch.run_suite("streamed.toml", &[]);
    assert_eq!(kept_run.code(), 1, "{}", kept_run.all());
    assert_eq!(
        streamed_run.code(),
        kept_run.code(),
        "{}",
        streamed_run.all()
    );
    for id in ["drift", "drift-ks"] {
        let (a, b) = (check(&kept, id), check(&streamed, id));
        assert_eq!(a["outcome"], b["outcome"], "{id}");
        // Everything but where the finding points in its own suite file.
        let located = |c: &serde_json::Value| {
            let mut findings = c["findings"].clone();
            for f in findings.as_array_mut().unwrap() {
                f.as_object_mut().unwrap().remove("location");
            }
            findings
        };
        assert_eq!(located(a), located(b), "{id}: findings differ");
        assert!(a["findings"].as_array().unwrap().len() >= 3, "{a:#}");
    }
    // The drift that was planted is found, in both runs.
    let normal = crate::support::finding(check(&streamed, "drift-ks"), "drift[normal]");
    assert_eq!(normal["properties"]["drifted"], "true", "{normal:#}");
}

#[test]
fn a_memory_limit_that_is_not_a_size_is_a_suite_error() {
    let scratch = Scratch::credit_risk();
    write_table(&scratch, "reference.parquet", 1, 0.0);
    write_table(&scratch, "current.parquet", 2, 0.0);
    scratch.write("bad.toml", suite("[limits]\nmemory = \"lots\"", ""));
    let run = scratch.mltest(&["validate", "bad.toml"]);
    assert_eq!(run.code(), 2, "{}", run.all());
    assert!(run.all().contains("invalid memory `lots`"), "{}", run.all());
}

/// A damaged page in the current table: the column's finding is an error
/// that names the file and the column once, whether the column was kept
/// or streamed, and the other columns are still compared.
#[test]
fn a_damaged_current_column_is_that_columns_data_error() {
    let scratch = Scratch::credit_risk();
    write_table(&scratch, "reference.parquet", 1, 0.0);
    write_table(&scratch, "current.parquet", 2, 0.0);
    let path = scratch.path("current.parquet");
    let file = std::fs::File::open(&path).unwrap();
    let metadata = parquet::file::reader::FileReader::metadata(
        &parquet::file::reader::SerializedFileReader::new(file).unwrap(),
    )
    .clone();
    // The last row group's page header of column 0 (`normal`) overwritten.
    let group = metadata.row_group(metadata.num_row_groups() - 1);
    let offset = group.column(0).data_page_offset() as usize;
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[offset..offset + 24].fill(0xff);
    std::fs::write(&path, bytes).unwrap();
    for (name, limits) in [
        ("kept.toml", ""),
        ("streamed.toml", "[limits]\nmemory = \"16KiB\""),
    ] {
        scratch.write(name, suite(limits, ""));
        let (run, report) = scratch.run_suite(name, &[]);
        assert_eq!(run.code(), 3, "{}", run.all());
        let drift = check(&report, "drift");
        let normal = crate::support::finding(drift, "drift[normal]");
        assert_eq!(normal["outcome"], "error", "{normal:#}");
        let message = normal["message"].as_str().unwrap();
        assert_eq!(message.matches("current.parquet").count(), 1, "{message}");
        assert!(message.contains("column `normal`"), "{message}");
        let word = crate::support::finding(drift, "drift[word]");
        assert_ne!(word["outcome"], "error", "{word:#}");
    }
}
