//! The report stage: JUnit XML, JSON and the terminal summary, all rendered
//! from one [`RunResult`](crate::run::RunResult).

pub mod json;
pub mod junit;
pub mod terminal;

/// Trims a float for humans: `0.910000` → `0.91`.
pub fn number(v: f64) -> String {
    if v.is_finite() {
        let s = format!("{v:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        v.to_string()
    }
}
