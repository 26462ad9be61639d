//! The report stage: JUnit XML, JSON and the terminal summary, all rendered
//! from one [`RunResult`](mltest_report::RunResult), the model the
//! `mltest-report` crate defines.

pub(crate) mod json;
pub(crate) mod junit;
pub(crate) mod terminal;
