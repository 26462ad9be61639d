//! End-to-end tests: the real `mltest` binary on the bundled fixtures, on
//! broken suites and data, and on hostile plugins.

mod data_errors;
mod defences;
mod demo;
mod determinism;
mod drift;
mod fairness;
mod hostile;
mod reports;
mod sandbox;
mod suite_errors;
mod support;
