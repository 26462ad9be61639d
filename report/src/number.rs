//! Numbers as people read them in messages and reports. One place, so the
//! terminal, JUnit and every plugin write `0.91` the same way.

/// Six decimals at most, trailing zeros trimmed (`0.910000` → `0.91`);
/// values too small for that are scientific (`1e-12`, not `0`).
pub fn short(v: f64) -> String {
    if !v.is_finite() || v == 0.0 {
        return v.to_string();
    }
    if v.abs() < 1e-4 {
        return scientific(v, 3);
    }
    let s = format!("{v:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// `digits` significant digits (at least one), scientific when tiny.
pub fn significant(v: f64, digits: u32) -> String {
    if !v.is_finite() || v == 0.0 {
        return v.to_string();
    }
    let digits = digits.max(1) as i32;
    if v.abs() < 1e-4 {
        return scientific(v, (digits - 1) as usize);
    }
    let decimals = (digits - 1 - v.abs().log10().floor() as i32).max(0) as usize;
    format!("{v:.decimals$}")
}

/// Scientific with at most `decimals` mantissa decimals, trailing zeros
/// trimmed: `1.000e-12` → `1e-12`.
fn scientific(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$e}");
    match s.split_once('e') {
        Some((mantissa, exponent)) if mantissa.contains('.') => {
            let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
            format!("{mantissa}e{exponent}")
        }
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_trims_and_keeps_tiny_values_visible() {
        assert_eq!(short(0.91), "0.91");
        assert_eq!(short(0.098608123), "0.098608");
        assert_eq!(short(3.0), "3");
        assert_eq!(short(0.0), "0");
        assert_eq!(short(1e-12), "1e-12");
        assert_eq!(short(-2.5e-7), "-2.5e-7");
        assert_eq!(short(f64::INFINITY), "inf");
        assert_eq!(short(f64::NAN), "NaN");
    }

    #[test]
    fn significant_digits() {
        assert_eq!(significant(0.68868, 4), "0.6887");
        assert_eq!(significant(0.1, 4), "0.1000");
        assert_eq!(significant(1234.5, 4), "1234");
        assert_eq!(significant(12345.6, 4), "12346");
        assert_eq!(significant(1.805e-5, 4), "1.805e-5");
    }
}
