//! placeholder until the scipy port lands
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KsMethod { Exact, Asymptotic }
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KsTwoSample { pub statistic: f64, pub p_value: f64, pub method: KsMethod }
pub fn ks_2samp_sorted(_a: &[f64], _b: &[f64]) -> KsTwoSample { KsTwoSample { statistic: 0.0, p_value: 1.0, method: KsMethod::Exact } }
