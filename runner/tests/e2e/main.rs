//! End-to-end tests: the real `mltest` binary on the bundled fixtures, on
//! broken suites and data, on hostile plugins, and the registry gate
//! against a real MLflow server.

mod browser;
mod ci;
mod contract;
mod data_errors;
mod defences;
mod demo;
mod determinism;
mod distribution;
mod drift;
mod fairness;
mod gate;
mod hostile;
mod init;
mod performance;
mod profiles;
mod python;
mod reports;
mod sandbox;
mod scale;
mod shards;
mod suite_errors;
mod support;
