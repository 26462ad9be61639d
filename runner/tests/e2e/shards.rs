//! Sharding a suite across CI jobs: `mltest run --partition` runs a share
//! of the checks, and `mltest report merge` over the shards' JSON gives the
//! suite's verdict and exit code, the same as one job running everything.

use crate::support::Scratch;

fn ids(report: &serde_json::Value) -> Vec<String> {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

/// Runs `suite` as `total` shards, then merges them.
fn sharded(scratch: &Scratch, suite: &str, scheme: &str, total: u32) -> (i32, serde_json::Value) {
    let mut reports = Vec::new();
    let mut seen = Vec::new();
    for k in 1..=total {
        let json = format!("shard-{scheme}-{k}.json");
        let partition = format!("{scheme}:{k}/{total}");
        let run = scratch.mltest(&["run", suite, "--partition", &partition, "--json", &json]);
        assert!(matches!(run.code(), 0 | 1), "{}", run.all());
        let report: serde_json::Value = serde_json::from_str(&scratch.read(&json)).unwrap();
        assert_eq!(report["partition"]["shard"], k);
        assert_eq!(report["partition"]["total"], total);
        seen.extend(ids(&report));
        reports.push(json);
    }
    let mut args = vec!["report", "merge"];
    args.extend(reports.iter().map(String::as_str));
    args.extend(["--json", "merged.json", "--junit", "merged.xml"]);
    let merged = scratch.mltest(&args);
    let report: serde_json::Value = serde_json::from_str(&scratch.read("merged.json")).unwrap();
    seen.sort();
    let mut all = ids(&report);
    all.sort();
    assert_eq!(seen, all, "every check ran in exactly one shard");
    (merged.code(), report)
}

#[test]
fn merged_shards_give_the_verdict_of_one_run() {
    let scratch = Scratch::credit_risk();
    for suite in ["mltest.toml", "regressed.toml"] {
        let (whole_run, whole) = scratch.run_suite(suite, &[]);
        for (scheme, total) in [("hash", 3), ("count", 2), ("hash", 1)] {
            let (code, merged) = sharded(&scratch, suite, scheme, total);
            assert_eq!(code, whole_run.code(), "{suite} {scheme}:{total}");
            assert_eq!(merged["outcome"], whole["outcome"]);
            assert_eq!(ids(&merged), ids(&whole), "suite order");
            assert_eq!(merged["counts"], whole["counts"]);
            assert!(merged.get("partition").is_none());
        }
    }
    scratch.validate_junit("merged.xml");
}

#[test]
fn a_missing_shard_or_a_bad_partition_is_refused() {
    let scratch = Scratch::credit_risk();
    let run = scratch.mltest(&["run", "--partition", "hash:1/2", "--json", "one.json"]);
    assert!(matches!(run.code(), 0 | 1), "{}", run.all());
    let merge = scratch.mltest(&["report", "merge", "one.json"]);
    assert_eq!(merge.code(), 2, "{}", merge.all());
    assert!(
        merge.stderr().contains("shards 2 of 2 are missing"),
        "{}",
        merge.all()
    );
    let twice = scratch.mltest(&["report", "merge", "one.json", "one.json"]);
    assert!(
        twice.stderr().contains("shard 1 is given twice"),
        "{}",
        twice.all()
    );
    let bad = scratch.mltest(&["run", "--partition", "hash:3/2"]);
    assert_eq!(bad.code(), 2, "{}", bad.all());
    assert!(
        bad.stderr().contains("invalid partition `hash:3/2`"),
        "{}",
        bad.all()
    );
}
