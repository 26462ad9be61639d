//! mltest: a test runner for machine-learning artifacts.
//!
//! Data flows one way, one module per stage:
//! [`suite`] (parse and validate `mltest.toml`) → [`catalog`] (artifacts,
//! loaded lazily) → [`host`] (sandboxed wasm plugins, [`kernels`] for the
//! numeric work) → [`run`] (checks in parallel) → [`report`] (JUnit, JSON,
//! terminal). [`cli`] wires them together for the `mltest` binary.

pub mod catalog;
pub mod cli;
pub mod exit_code;
pub mod host;
pub mod kernels;
pub mod report;
pub mod run;
pub mod suite;
