//! A plugin that misbehaves on purpose, one way per `behavior`, so the
//! end-to-end tests can prove the sandbox contains each.

use mltest_sdk::{Check, Finding, Result, bail};
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    behavior: Behavior,
    /// For `numeric-read`: the table and column to read as numbers.
    #[serde(default)]
    table: Option<mltest_sdk::ArtifactName>,
    #[serde(default)]
    column: Option<String>,
    /// For `kernel-abuse`: `edges`, `quantiles`, `bins` or `limit`.
    #[serde(default)]
    abuse: Option<String>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Behavior {
    /// Spins forever: the epoch deadline must stop it.
    Loop,
    /// Allocates without bound: the memory limit must stop it.
    Alloc,
    /// Panics with a known message.
    Panic,
    /// Tries to read a host file: the sandbox must deny it.
    OpenFile,
    /// Tries to read an environment variable: the sandbox must hide it.
    Env,
    /// Writes to stdout and stderr, then passes: both must be captured.
    Chatty,
    /// Reads a column as numbers: on a text column the host's error must
    /// name the file and the column.
    NumericRead,
    /// Sleeps for an hour: without a clock grant the sleep must trap at
    /// once; with one, the check's timeout must still hold.
    Sleep,
    /// Reports what it sees of time and entropy: the wall clock, whether
    /// the monotonic clock moves, and a `RandomState` hash.
    Probe,
    /// Asks a kernel for absurd sizes (`abuse` says which): the host must
    /// refuse before it allocates.
    KernelAbuse,
    /// Opens column handles without end: the host must cap them.
    HandleFlood,
    /// Writes twenty million empty log lines.
    LogFlood,
    /// Returns 30,000 findings with one name, one of them with a 10 MB message.
    FindingFlood,
    /// Returns no findings at all, which must not count as a pass or skip.
    NoFindings,
    /// Puts control characters in every string it can.
    ControlChars,
}

struct Hostile;

impl Check for Hostile {
    type Params = Params;
    const NAME: &'static str = "hostile";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const SUMMARY: &'static str = "misbehaves on purpose (sandbox tests)";

    fn run(params: Params) -> Result<Vec<Finding>> {
        match params.behavior {
            Behavior::Loop => {
                let mut x: u64 = 0;
                loop {
                    x = std::hint::black_box(x.wrapping_add(1));
                }
            }
            Behavior::Alloc => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(std::hint::black_box(vec![7u8; 1 << 20]));
                }
            }
            Behavior::Panic => panic!("hostile plugin panicked on purpose"),
            Behavior::OpenFile => match std::fs::read_to_string("/etc/passwd") {
                Ok(text) => Ok(vec![Finding::fail(
                    "escape",
                    format!("read {} bytes of /etc/passwd", text.len()),
                )]),
                Err(e) => bail!("could not open /etc/passwd: {e}"),
            },
            Behavior::Env => {
                let vars: Vec<String> = std::env::vars().map(|(k, _)| k).collect();
                Ok(vec![Finding::check(
                    "env",
                    vars.is_empty(),
                    format!("saw {} environment variables: {vars:?}", vars.len()),
                )])
            }
            Behavior::NumericRead => {
                let (Some(table), Some(column)) = (params.table, params.column) else {
                    bail!("numeric-read needs `table` and `column`");
                };
                let column = mltest_sdk::artifacts::table(&table)?.column(&column)?;
                let values = column.read_f64(0, 10)?;
                Ok(vec![Finding::pass(
                    "read",
                    format!("read {} values", values.len()),
                )])
            }
            Behavior::Sleep => {
                std::thread::sleep(std::time::Duration::from_secs(3600));
                Ok(vec![Finding::fail("slept", "slept for an hour")])
            }
            Behavior::Probe => {
                let wall = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0);
                let start = std::time::Instant::now();
                let mut x = 0u64;
                for i in 0..5_000_000u64 {
                    x = std::hint::black_box(x.wrapping_add(i));
                }
                let moved = start.elapsed().as_nanos() > 0;
                use std::hash::BuildHasher;
                let hash = std::collections::hash_map::RandomState::new().hash_one(42u64);
                Ok(vec![
                    Finding::pass("probe", "looked at the clocks and entropy")
                        .property("wall_seconds", wall)
                        .property("monotonic_moved", moved)
                        .property("random_hash", hash),
                ])
            }
            Behavior::KernelAbuse => {
                let (Some(table), Some(column)) = (params.table, params.column) else {
                    bail!("kernel-abuse needs `table` and `column`");
                };
                let column = mltest_sdk::artifacts::table(&table)?.column(&column)?;
                use mltest_sdk::kernels::{BinEdges, Binning, ColumnKind, DriftMethod, Smoothing};
                match params.abuse.as_deref().unwrap_or("edges") {
                    "edges" => {
                        let edges: Vec<f64> = (0..2_000_000).map(f64::from).collect();
                        column.histogram(&edges)?;
                    }
                    "quantiles" => {
                        column.quantiles(&vec![0.5; 5_000_000])?;
                    }
                    "bins" => {
                        let binning = Binning {
                            edges: BinEdges::Both,
                            bins: u32::MAX,
                            smoothing: Smoothing::None,
                        };
                        column.drift_from(
                            &column,
                            DriftMethod::Psi,
                            ColumnKind::Numerical,
                            binning,
                        )?;
                    }
                    "limit" => {
                        column.value_counts(u32::MAX)?;
                    }
                    other => bail!("unknown abuse `{other}`"),
                }
                Ok(vec![Finding::fail(
                    "abuse",
                    "the host did what it was asked",
                )])
            }
            Behavior::HandleFlood => {
                let (Some(table), Some(column)) = (params.table, params.column) else {
                    bail!("handle-flood needs `table` and `column`");
                };
                let table = mltest_sdk::artifacts::table(&table)?;
                let mut hoard = Vec::new();
                for _ in 0..1_000_000 {
                    hoard.push(table.column(&column)?);
                }
                Ok(vec![Finding::fail(
                    "flood",
                    format!("held {} handles", hoard.len()),
                )])
            }
            Behavior::LogFlood => {
                for _ in 0..20_000_000 {
                    mltest_sdk::log::info("");
                }
                Ok(vec![Finding::pass(
                    "flood",
                    "logged twenty million empty lines",
                )])
            }
            Behavior::FindingFlood => {
                let mut findings = vec![Finding::fail("same", "x".repeat(10 << 20))];
                findings.extend((1..30_000).map(|i| Finding::pass("same", format!("finding {i}"))));
                Ok(findings)
            }
            Behavior::NoFindings => Ok(Vec::new()),
            Behavior::ControlChars => {
                let evil = "\u{1b}[2J\u{1b}]0;owned\u{7}\u{0}\u{8}]]>\r";
                println!("stdout {evil}");
                eprintln!("stderr {evil}");
                mltest_sdk::log::warn(&format!("log {evil}"));
                Ok(vec![
                    Finding::fail(format!("name {evil}"), format!("message {evil}"))
                        .details(format!("details {evil}"))
                        .property(format!("key {evil}"), format!("value {evil}"))
                        .property("error", format!("type {evil}")),
                ])
            }
            Behavior::Chatty => {
                println!("hello from stdout");
                eprintln!("hello from stderr");
                mltest_sdk::log::info("hello from the log");
                // Text no XML file may hold raw: the JUnit writer must cope.
                Ok(vec![Finding::fail(
                    "chatty",
                    "said \u{1b}[31mhello\u{1b}[0m ]]> and \u{0}\u{7}",
                )])
            }
        }
    }
}

mltest_sdk::export_check!(Hostile);
