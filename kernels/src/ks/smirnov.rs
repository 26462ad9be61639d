//! One-sided Smirnov survival function `scipy.special.smirnov(n, x)`,
//! ported from xsf `include/xsf/cephes/kolmogorov.h` at the commit pinned by
//! SciPy 1.17.1 (`subprojects/xsf` @ 0d0a593f).
//!
//! Only the survival function is needed by `kstwo.sf`, so the derivative
//! (`pdf`) bookkeeping that `_smirnov` carries alongside is omitted; it never
//! feeds back into the survival value or into the loop-termination test.

use super::dd::DD;
use std::f64::consts::LN_2;

/// `SMIRNOV_MAX_COMPUTE_N`: above this `n` an asymptotic formula is used.
const SMIRNOV_MAX_COMPUTE_N: i64 = 1_000_000;
/// Use the upper sum if it has at most this many terms ...
const SM_UPPER_MAX_TERMS: i64 = 3;
/// ... and `n` is at least this.
const SM_UPPERSUM_MIN_N: i64 = 10;
/// `SM_MAX_EXPONENT`: keep both halves of a double-double normalised.
const SM_MAX_EXPONENT: i32 = 960;
/// cephes `MINLOG` (`log(2^-1074)`, despite the comment in const.h).
const MINLOG: f64 = -7.451332191019412076235E2;

/// Port-specific (not in xsf): sums with more terms than this use the
/// anchored recurrence of [`term_ratio`] between exactly computed terms.
const FAST_MIN_TERMS: i64 = 20_000;
/// Port-specific: every `RESYNC`-th term is computed exactly (`computeAv`).
const RESYNC: i64 = 32;

/// cephes `expm1` (`unity.h`): a rational approximation on [-0.5, 0.5], which
/// can differ from the C library's `expm1` in the last bit.
pub(crate) fn cephes_expm1(x: f64) -> f64 {
    const EP: [f64; 3] = [
        1.2617719307481059087798E-4,
        3.0299440770744196129956E-2,
        9.9999999999999999991025E-1,
    ];
    const EQ: [f64; 4] = [
        3.0019850513866445504159E-6,
        2.5244834034968410419224E-3,
        2.2726554820815502876593E-1,
        2.0000000000000000000897E0,
    ];
    if !x.is_finite() {
        if x.is_nan() || x > 0.0 {
            return x;
        }
        return -1.0;
    }
    if !(-0.5..=0.5).contains(&x) {
        return x.exp() - 1.0;
    }
    let xx = x * x;
    let r = x * ((EP[0] * xx + EP[1]) * xx + EP[2]);
    let r = r / ((((EQ[0] * xx + EQ[1]) * xx + EQ[2]) * xx + EQ[3]) - r);
    r + r
}

/// `nextPowerOf2` (kept bug-for-bug: it is not literally a power of two).
fn next_power_of_2(x: f64) -> f64 {
    let q = super::dd::ldexp(x, 1 - 53);
    let mut l = (q + x).abs();
    if l == 0.0 {
        l = x.abs();
    } else {
        let lint = l as i32;
        if f64::from(lint) == l {
            l = f64::from(lint);
        }
    }
    l
}

/// `modNX`: `floor(n*x)` and the fractional part of `n*x`, computed exactly in
/// double-double. Returns `(alpha, floor(n*x))`.
fn mod_nx(n: i64, x: f64) -> (f64, i64) {
    let nx_d = DD::from_f64(x).mul_f(n as f64);
    let nxfloor_d = nx_d.floor();
    let alpha_d = nx_d.sub(nxfloor_d);
    let mut alpha = alpha_d.hi;
    let mut nxfloor = nxfloor_d.hi as i64;
    if alpha == 1.0 {
        nxfloor += 1;
        alpha = 0.0;
    }
    (alpha, nxfloor)
}

/// `updateBinomial`: `C(n, j+1) = C(n, j) * (n-j)/(j+1)`, with `C` kept as a
/// double-double mantissa in [0.5, 1) and a separate integer exponent.
fn update_binomial(cman: &mut DD, cexpt: &mut i32, n: i64, j: i64) {
    let rat = DD::from_f64((n - j) as f64).div_f(j as f64 + 1.0);
    let (man2, expt) = cman.mul(rat).frexp();
    *cexpt += expt;
    *cman = man2;
}

/// `pow_D`: `a^m` for a double-double `a`, trading accuracy for speed by
/// using the libm `pow` on the high word plus a first-order correction.
fn pow_d(a: DD, m: i64) -> DD {
    if m <= 0 {
        if m == 0 {
            return DD::ONE;
        }
        return DD::ONE.div(pow_d(a, -m));
    }
    if a.eq_f(0.0) {
        return DD::ZERO;
    }
    let ans = a.hi.powf(m as f64);
    let r = a.lo / a.hi;
    let mut adj = m as f64 * r;
    if adj.abs() > 1e-8 {
        if adj.abs() < 1e-4 {
            // First two terms of the Taylor series of (1+r)^m.
            adj += (m as f64 * r) * ((m - 1) as f64 / 2.0 * r);
        } else {
            adj = cephes_expm1(m as f64 * r.ln_1p());
        }
    }
    DD::from_f64(ans).add_f(ans * adj)
}

/// `pow2(a, b, m)`: `(a + b)^m` rounded to double.
fn pow2(a: f64, b: f64, m: i64) -> f64 {
    pow_d(DD::from_f64(a).add_f(b), m).hi
}

/// `pow2Scaled_D`: `a^m` as `(significand, exponent)`, splitting the power
/// so that intermediate results never underflow.
fn pow2_scaled_d(a: DD, m: i64) -> (DD, i32) {
    if m <= 0 {
        if m == 0 {
            return (DD::ONE, 0);
        }
        let (ans, ae1) = pow2_scaled_d(a, -m);
        let (ans, ae2) = DD::ONE.div(ans).frexp();
        return (ans, -ae1 + ae2);
    }
    let (y, ye) = a.frexp();
    if m == 1 {
        return (y, ye);
    }
    // Quick check whether y^m might drop below 2^-960.
    let mut max_expt = i64::from(SM_MAX_EXPONENT);
    if m as f64 * (y.hi - 1.0) / y.hi < -f64::from(SM_MAX_EXPONENT) * LN_2 {
        // Now do it carefully, calling log().
        let lg2y = y.hi.ln() / LN_2;
        let lg_ans = m as f64 * lg2y;
        if lg_ans <= -f64::from(SM_MAX_EXPONENT) {
            max_expt =
                (next_power_of_2(-f64::from(SM_MAX_EXPONENT) / lg2y + 1.0) / 2.0) as i32 as i64;
        }
    }
    if m <= max_expt {
        let (ans, mut ans_e) = pow_d(y, m).frexp();
        ans_e += (m * i64::from(ye)) as i32;
        return (ans, ans_e);
    }
    // max_expt >= 480 here since y is a mantissa in [0.5, 1); `max(1)` only
    // rules out a division by zero.
    let max_expt = max_expt.max(1);
    let q = m / max_expt;
    let r = m % max_expt;
    // y^m = (y^maxExpt)^q * y^r
    let (y2r, y2r_e) = pow2_scaled_d(y, r);
    let (y2m, y2m_e) = pow2_scaled_d(y, max_expt);
    let (y2mq, mut y2mq_e) = pow2_scaled_d(y2m, q);
    let (ans, mut ans_e) = y2r.mul(y2mq).frexp();
    y2mq_e += (i64::from(y2m_e) * q) as i32;
    ans_e += y2mq_e + y2r_e;
    ans_e += (m * i64::from(ye)) as i32;
    (ans, ans_e)
}

/// `pow4_D`: `((a+b)/(c+d))^m` in double-double.
fn pow4_d(a: f64, b: f64, c: f64, d: f64, m: i64) -> DD {
    if m <= 0 {
        if m == 0 {
            return DD::ONE;
        }
        return pow4_d(c, d, a, b, -m);
    }
    let aa = DD::from_f64(a).add_f(b);
    let cc = DD::from_f64(c).add_f(d);
    if aa.eq_f(0.0) {
        return if cc.eq_f(0.0) {
            DD {
                hi: f64::NAN,
                lo: f64::NAN,
            }
        } else {
            DD::ZERO
        };
    }
    if cc.eq_f(0.0) {
        let inf = if aa.lt_f(0.0) {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
        return DD { hi: inf, lo: inf };
    }
    pow_d(aa.div(cc), m)
}

/// `computeAv`: one term `A_v = C(n,v) (1-x-v/n)^(n-v) (x+v/n)^(v-1)` of the
/// Birnbaum–Tingey sum.
fn compute_av(n: i64, x: f64, v: i64, cman: DD, cexpt: i32) -> DD {
    let t2x = DD::from_f64((n - v) as f64).div_f(n as f64).sub_f(x); // 1 - x - v/n
    let (t2, t2e) = pow2_scaled_d(t2x, n - v);
    let t1x = DD::from_f64(v as f64).div_f(n as f64).add_f(x); // x + v/n
    let (t1, t1e) = pow2_scaled_d(t1x, v - 1);
    let ans = t1.mul(t2).mul(cman);
    ans.ldexp(cexpt + t1e + t2e)
}

/// Port-specific speed-up (not in xsf): the ratio `A_{u+1} / A_u` of
/// consecutive lower-sum terms. With `a = n x + u`, `b = n - n x - u`,
///
/// `A_{u+1}/A_u = (n-u)/(u+1) * (a+1)/b
///               * exp((u-1) log1p(1/a) + (n-u-1) log1p(-1/b))`.
///
/// Both exponent pieces are O(1) when `b >= n x` (`(u-1)/a < 1` and
/// `(n-u-1)/b < 2`), so the ratio carries a relative error of a few ulp
/// (<= ~2e-15), and a chain of at most `RESYNC - 1` ratios from an exact
/// term stays within ~6e-14 relative. All lower-sum terms are positive, so
/// the sum (hence the p-value) inherits that relative bound.
fn term_ratio(n: i64, u: i64, a: f64, b: f64) -> f64 {
    let rational = ((n - u) as f64 / (u + 1) as f64) * ((a + 1.0) / b);
    let expo = (u - 1) as f64 * (1.0 / a).ln_1p() + (n - u - 1) as f64 * (-1.0 / b).ln_1p();
    rational * expo.exp()
}

/// `scipy.special.smirnov(n, x)`: `Pr(D_n^+ >= x)` (the `sf` member of
/// `xsf::cephes::detail::_smirnov`).
pub fn smirnov(n: i64, x: f64) -> f64 {
    smirnov_impl(n, x, FAST_MIN_TERMS)
}

/// `smirnov` with the fast-path threshold as a parameter (`i64::MAX`: never).
fn smirnov_impl(n: i64, x: f64, fast_min_terms: i64) -> f64 {
    if x.is_nan() || !(n > 0 && (0.0..=1.0).contains(&x)) {
        return f64::NAN;
    }
    if n == 1 {
        return 1.0 - x;
    }
    if x == 0.0 {
        return 1.0;
    }
    if x == 1.0 {
        return 0.0;
    }

    let (alpha, nxfl) = mod_nx(n, x);
    let mut n1mxfl = n - nxfl - if alpha == 0.0 { 0 } else { 1 };
    let mut n1mxceil = n - nxfl;
    // If alpha is 0, don't include the last term in either summation.
    if alpha == 0.0 {
        n1mxfl -= 1;
        n1mxceil += 1;
    }

    // Special case: x <= 1/n.
    if nxfl == 0 || (nxfl == 1 && alpha == 0.0) {
        let t = pow2(1.0, x, n - 1);
        return 1.0 - x * t;
    }
    // Special case: x so big that the sf underflows.
    if (-2 * n) as f64 * x * x < MINLOG {
        return 0.0;
    }
    // Special case: x >= 1 - 1/n.
    if nxfl >= n - 1 {
        return pow2(1.0, -x, n);
    }
    // Special case: n too big to sum, use p ~ exp(-(6nx+1)^2 / 18n).
    if n > SMIRNOV_MAX_COMPUTE_N {
        let logp = -(6.0 * n as f64 * x + 1.0).powf(2.0) / 18.0 / n as f64;
        return if logp < -LN_2 {
            logp.exp()
        } else {
            1.0 - (-cephes_expm1(logp))
        };
    }

    // Use the upper sum only when it is short (it alternates in sign and loses
    // about 1.6 bits per term otherwise).
    let n_upper_terms = n - n1mxceil + 1;
    let use_upper_sum = (n_upper_terms <= 1 && x < 0.5)
        || (n >= SM_UPPERSUM_MIN_N
            && n_upper_terms <= SM_UPPER_MAX_TERMS
            && x <= 0.5 / (n as f64).sqrt());

    let (start, step, n_terms);
    let mut aj_sum;
    if use_upper_sum {
        start = n;
        step = -1;
        n_terms = n - n1mxceil + 1;
        aj_sum = pow4_d(1.0, x, 1.0, 0.0, n - 1);
    } else {
        start = 0;
        step = 1;
        n_terms = n1mxfl + 1;
        let t2 = pow4_d(1.0, -x, 1.0, 0.0, n);
        aj_sum = t2.div_f(x);
    }
    // AjSum = 0 + Aj: adding to an exact zero is exact, so start from Aj.
    aj_sum = DD::ZERO.add(aj_sum);

    let vmid = n / 2;
    let mut cman = DD::ONE;
    let mut cexpt = 0i32;
    update_binomial(&mut cman, &mut cexpt, n, 0);
    let eps = f64::EPSILON;

    // Port-specific fast path for very long lower sums (O(n) terms, each
    // costing ~8 libm `pow` calls in xsf): between exactly computed anchor
    // terms, step with `term_ratio`, but only while the previous term is a
    // comfortably normal number and b = n - n x - v >= max(n x, 64).
    let fast = !use_upper_sum && n_terms > fast_min_terms;
    let nx = nxfl as f64 + alpha;
    let b_min = nx.max(64.0);
    let mut prev = 0.0f64;

    let mut j = 1;
    while j < n_terms {
        let v = start + j * step;
        let mut ratio_term = None;
        if fast && (j - 1) % RESYNC != 0 && prev.abs() > 1e-280 {
            let u = v - 1;
            let a_u = (nxfl + u) as f64 + alpha; // n x + u
            let b_u = (n - nxfl - u) as f64 - alpha; // n - n x - u
            if b_u >= b_min {
                ratio_term = Some(prev * term_ratio(n, u, a_u, b_u));
            }
        }
        let aj = match ratio_term {
            Some(t) => DD::from_f64(t),
            None => compute_av(n, x, v, cman, cexpt),
        };
        prev = if aj.is_finite() { aj.hi } else { 0.0 };
        if aj.is_finite() && !aj.eq_f(0.0) {
            aj_sum = aj_sum.add(aj);
        }
        // Safe to terminate early?
        if !aj.eq_f(0.0) {
            if (4 * (n_terms - j)) as f64 * aj.hi.abs() < eps * aj_sum.hi && j != n_terms - 1 {
                break;
            }
        } else if j > vmid {
            break;
        }
        update_binomial(&mut cman, &mut cexpt, n, j);
        j += 1;
    }
    let prob = aj_sum.mul_f(x).hi;
    let sf = if step < 0 { 1.0 - prob } else { prob };
    sf.clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The anchored recurrence agrees with the faithful xsf sum.
    #[test]
    fn fast_path_matches_faithful_sum() {
        let mut worst = 0.0f64;
        for &n in &[20_001i64, 50_000, 200_000] {
            for &c in &[1.49, 1.6, 2.0, 3.0, 4.5, 8.0, 15.0] {
                let x = c / (n as f64).sqrt();
                let fast = smirnov_impl(n, x, 0);
                let slow = smirnov_impl(n, x, i64::MAX);
                let rel = ((fast - slow) / slow).abs();
                worst = worst.max(rel);
                assert!(
                    rel < 1e-12,
                    "n={n} x={x}: fast {fast:e} vs faithful {slow:e}"
                );
            }
        }
        println!("worst relative difference fast vs faithful: {worst:e}");
    }

    #[test]
    fn smirnov_simple_values() {
        // smirnov(n, x) for x <= 1/n is 1 - x (1+x)^(n-1).
        assert_eq!(smirnov(1, 0.25), 0.75);
        assert!((smirnov(5, 0.1) - (1.0 - 0.1 * 1.1f64.powi(4))).abs() < 1e-15);
        // x >= 1 - 1/n: (1-x)^n.
        assert!((smirnov(5, 0.9) - 0.1f64.powi(5)).abs() < 1e-18);
        assert_eq!(smirnov(10, 0.0), 1.0);
        assert_eq!(smirnov(10, 1.0), 0.0);
        assert!(smirnov(10, f64::NAN).is_nan());
    }
}
