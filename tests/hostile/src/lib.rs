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
    /// For `error-kinds`: a table artifact whose file is corrupt.
    #[serde(default)]
    broken: Option<mltest_sdk::ArtifactName>,
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
    /// Provokes one host error of each kind it can (an absent column, a
    /// corrupt file, the wrong kind of artifact, a window outside the
    /// column, a numeric read of text) and reports which case each was.
    ErrorKinds,
}

struct Hostile;

impl Check for Hostile {
    type Params = Params;
    const NAME: &'static str = "hostile";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const SUMMARY: &'static str = "misbehaves on purpose (sandbox tests)";
    /// The clock and entropy probes and the granted sleep use both.
    const CAPABILITIES: &'static [mltest_sdk::Capability] = &[
        mltest_sdk::Capability::Clock,
        mltest_sdk::Capability::Random,
    ];

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
                            bins: mltest_sdk::kernels::BinCount::Count(u32::MAX),
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
                    "empty-key" => {
                        use mltest_sdk::kernels::{Alignment, TableDiffRequest, Tolerance};
                        let data = mltest_sdk::artifacts::table(&table)?;
                        let exact = Tolerance {
                            rtol: 0.0,
                            atol: 0.0,
                            max_ulp: None,
                        };
                        mltest_sdk::kernels::compare_tables(
                            &data,
                            &data,
                            &TableDiffRequest {
                                align: Alignment::ByKey(Vec::new()),
                                columns: vec![(column.name(), exact)],
                                limit: 1,
                            },
                        )?;
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
            Behavior::ErrorKinds => {
                let (Some(table), Some(column), Some(broken)) =
                    (params.table, params.column, params.broken)
                else {
                    bail!("error-kinds needs `table`, `column` and `broken`");
                };
                let kind = |e: mltest_sdk::Error| -> Finding {
                    let (case, file, column) = match &e {
                        mltest_sdk::Error::NotFound(_) => ("not-found", None, None),
                        mltest_sdk::Error::Data { file, column, .. } => {
                            ("data", file.clone(), column.clone())
                        }
                        mltest_sdk::Error::Unsupported(_) => ("unsupported", None, None),
                        mltest_sdk::Error::Limit(_) => ("limit", None, None),
                        mltest_sdk::Error::InvalidArgument(_) => ("invalid-argument", None, None),
                        mltest_sdk::Error::Other(_) => ("other", None, None),
                    };
                    Finding::pass("kind", e.message())
                        .property("case", case)
                        .property("file", file.unwrap_or_default())
                        .property("column", column.unwrap_or_default())
                };
                let data = mltest_sdk::artifacts::table(&table)?;
                let text = data.column(&column)?;
                let outcomes = [
                    data.column("no-such-column")
                        .map_err(mltest_sdk::Error::from)
                        .err(),
                    mltest_sdk::artifacts::table(&broken)
                        .and_then(|t| Ok(t.num_rows()?))
                        .err(),
                    mltest_sdk::artifacts::document(&table).err(),
                    text.read_string(u64::MAX, 1)
                        .map_err(mltest_sdk::Error::from)
                        .err(),
                    text.read_f64(0, 1).map_err(mltest_sdk::Error::from).err(),
                ];
                Ok(outcomes
                    .into_iter()
                    .enumerate()
                    .map(|(i, e)| match e {
                        Some(e) => {
                            let mut f = kind(e);
                            f.name = format!("kind[{i}]");
                            f
                        }
                        None => Finding::fail(format!("kind[{i}]"), "the host did not refuse"),
                    })
                    .collect())
            }
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
