//! Double-double arithmetic, ported from xsf `include/xsf/cephes/dd_real.h`
//! (itself from the QD package v2.3.18), restricted to the operations that
//! `xsf::cephes::smirnov` needs, plus exact `frexp`/`ldexp` for `f64`, which
//! Rust's standard library does not provide.
//!
//! Every operation is reproduced operation-for-operation so that the Smirnov
//! sum rounds exactly like SciPy's C++ (Rust never contracts `a * b + c` into
//! an FMA, and `mul_add` is used exactly where the C++ calls `std::fma`).

/// An unevaluated sum `hi + lo` with `|lo| <= ulp(hi) / 2`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct DD {
    pub hi: f64,
    pub lo: f64,
}

/// `fl(a + b)` and its rounding error, assuming `|a| >= |b|` (`quick_two_sum`).
#[inline]
fn quick_two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let c = s - a;
    (s, b - c)
}

/// `fl(a + b)` and its rounding error (`two_sum`, Knuth).
#[inline]
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let c = s - a;
    let d = b - c;
    let e = s - c;
    (s, (a - e) + d)
}

/// `fl(a * b)` and its rounding error (`two_prod`, via a fused multiply-add).
#[inline]
fn two_prod(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    (p, a.mul_add(b, -p))
}

impl DD {
    pub(crate) const ONE: DD = DD { hi: 1.0, lo: 0.0 };
    pub(crate) const ZERO: DD = DD { hi: 0.0, lo: 0.0 };

    /// `double_double(double)`.
    #[inline]
    pub(crate) fn from_f64(hi: f64) -> DD {
        DD { hi, lo: 0.0 }
    }

    #[inline]
    pub(crate) fn neg(self) -> DD {
        DD {
            hi: -self.hi,
            lo: -self.lo,
        }
    }

    /// `operator+(double_double, double_double)` (Briggs/Kahan IEEE-style bound).
    #[inline]
    pub(crate) fn add(self, rhs: DD) -> DD {
        let (s1, s2) = two_sum(self.hi, rhs.hi);
        let (t1, t2) = two_sum(self.lo, rhs.lo);
        let s2 = s2 + t1;
        let (s1, s2) = quick_two_sum(s1, s2);
        let s2 = s2 + t2;
        let (s1, s2) = quick_two_sum(s1, s2);
        DD { hi: s1, lo: s2 }
    }

    /// `operator+(double_double, double)`.
    #[inline]
    pub(crate) fn add_f(self, rhs: f64) -> DD {
        let (s1, s2) = two_sum(self.hi, rhs);
        let s2 = s2 + self.lo;
        let (s1, s2) = quick_two_sum(s1, s2);
        DD { hi: s1, lo: s2 }
    }

    /// `operator-(double_double, double_double)` is `lhs + (-rhs)`.
    #[inline]
    pub(crate) fn sub(self, rhs: DD) -> DD {
        self.add(rhs.neg())
    }

    /// `operator-(double_double, double)`.
    #[inline]
    pub(crate) fn sub_f(self, rhs: f64) -> DD {
        let (s1, s2) = two_sum(self.hi, -rhs);
        let s2 = s2 + self.lo;
        let (s1, s2) = quick_two_sum(s1, s2);
        DD { hi: s1, lo: s2 }
    }

    /// `operator*(double_double, double_double)`.
    #[inline]
    pub(crate) fn mul(self, rhs: DD) -> DD {
        let (p1, p2) = two_prod(self.hi, rhs.hi);
        let p2 = p2 + (self.hi * rhs.lo + self.lo * rhs.hi);
        let (p1, p2) = quick_two_sum(p1, p2);
        DD { hi: p1, lo: p2 }
    }

    /// `operator*(double_double, double)`; the C++ `double * double_double`
    /// overload performs the identical operations, so it maps here too.
    #[inline]
    pub(crate) fn mul_f(self, rhs: f64) -> DD {
        let (p1, e1) = two_prod(self.hi, rhs);
        let (p2, e2) = two_prod(self.lo, rhs);
        let (p1, e1) = quick_two_sum(p1, e2 + p2 + e1);
        DD { hi: p1, lo: e1 }
    }

    /// `operator/(double_double, double_double)`: three-step long division.
    #[inline]
    pub(crate) fn div(self, rhs: DD) -> DD {
        let q1 = self.hi / rhs.hi;
        let r = self.sub(rhs.mul_f(q1));
        let q2 = r.hi / rhs.hi;
        let r = r.sub(rhs.mul_f(q2));
        let q3 = r.hi / rhs.hi;
        let (q1, q2) = quick_two_sum(q1, q2);
        DD { hi: q1, lo: q2 }.add_f(q3)
    }

    /// `operator/(double_double, double)` is `lhs / double_double(rhs)`.
    #[inline]
    pub(crate) fn div_f(self, rhs: f64) -> DD {
        self.div(DD::from_f64(rhs))
    }

    /// `operator==(double_double, double)`.
    #[inline]
    pub(crate) fn eq_f(self, rhs: f64) -> bool {
        self.hi == rhs && self.lo == 0.0
    }

    /// `operator<(double_double, double)`.
    #[inline]
    pub(crate) fn lt_f(self, rhs: f64) -> bool {
        if self.hi < rhs {
            return true;
        }
        if self.hi > rhs {
            return false;
        }
        self.lo < 0.0
    }

    /// `floor(double_double)`.
    #[inline]
    pub(crate) fn floor(self) -> DD {
        let mut hi = self.hi.floor();
        let mut lo = 0.0;
        if hi == self.hi {
            // High word is already an integer: round the low word.
            lo = self.lo.floor();
            let (h, l) = quick_two_sum(hi, lo);
            hi = h;
            lo = l;
        }
        DD { hi, lo }
    }

    /// `ldexp(double_double, int)`.
    #[inline]
    pub(crate) fn ldexp(self, e: i32) -> DD {
        DD {
            hi: ldexp(self.hi, e),
            lo: ldexp(self.lo, e),
        }
    }

    /// `frexp(double_double, int*)`: returns `(b, l)` with `2^l * b == self`
    /// and `0.5 <= |b.hi| < 1` (or `|b.hi| == 1` with `b.hi * b.lo < 0`).
    #[inline]
    pub(crate) fn frexp(self) -> (DD, i32) {
        let (mut man, mut exponent) = frexp(self.hi);
        let mut b1 = ldexp(self.lo, -exponent);
        if man.abs() == 0.5 && man * b1 < 0.0 {
            man *= 2.0;
            b1 *= 2.0;
            exponent -= 1;
        }
        (DD { hi: man, lo: b1 }, exponent)
    }

    #[inline]
    pub(crate) fn is_finite(self) -> bool {
        self.hi.is_finite()
    }
}

/// C `frexp`: `x = m * 2^e` with `0.5 <= |m| < 1`; zero, infinities and NaN
/// are returned unchanged with `e = 0`.
pub(crate) fn frexp(x: f64) -> (f64, i32) {
    let bits = x.to_bits();
    let ee = ((bits >> 52) & 0x7ff) as i32;
    if ee == 0 {
        if x == 0.0 {
            return (x, 0);
        }
        // Subnormal: normalise by 2^64 first.
        let (m, e) = frexp(x * f64::from_bits(0x43f0_0000_0000_0000));
        return (m, e - 64);
    }
    if ee == 0x7ff {
        return (x, 0);
    }
    let m = f64::from_bits((bits & 0x800f_ffff_ffff_ffff) | 0x3fe0_0000_0000_0000);
    (m, ee - 0x3fe)
}

/// C `ldexp`/`scalbn`: `x * 2^n` with a single correct rounding (port of the
/// musl implementation, which avoids double rounding in the subnormal range).
pub(crate) fn ldexp(x: f64, n: i32) -> f64 {
    let x1p1023 = f64::from_bits(0x7fe0_0000_0000_0000); // 2^1023
    let x1p53 = f64::from_bits(0x4340_0000_0000_0000); // 2^53
    let x1p_1022 = f64::from_bits(0x0010_0000_0000_0000); // 2^-1022
    let mut y = x;
    let mut n = n;
    if n > 1023 {
        y *= x1p1023;
        n -= 1023;
        if n > 1023 {
            y *= x1p1023;
            n -= 1023;
            if n > 1023 {
                n = 1023;
            }
        }
    } else if n < -1022 {
        // Keep the final scaling below 2^-53 so that only one rounding happens.
        y *= x1p_1022 * x1p53;
        n += 1022 - 53;
        if n < -1022 {
            y *= x1p_1022 * x1p53;
            n += 1022 - 53;
            if n < -1022 {
                n = -1022;
            }
        }
    }
    y * f64::from_bits(((0x3ff + n) as u64) << 52)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frexp_ldexp_roundtrip() {
        for &x in &[1.0, 0.75, -3.5, 1e-310, 5e-324, 1.7e308, 123456.789] {
            let (m, e) = frexp(x);
            assert!(m.abs() >= 0.5 && m.abs() < 1.0, "{x}");
            assert_eq!(ldexp(m, e), x);
        }
        assert_eq!(ldexp(1.0, -1074), 5e-324);
        assert_eq!(ldexp(1.0, -1075), 0.0);
        assert_eq!(ldexp(1.5, -1074), 1e-323); // ties-to-even in the subnormal range
        assert_eq!(ldexp(1.0, 1024), f64::INFINITY);
    }

    #[test]
    fn dd_division_is_accurate() {
        let third = DD::ONE.div_f(3.0);
        let back = third.mul_f(3.0);
        assert!((back.hi - 1.0).abs() + back.lo.abs() < 1e-31);
    }
}
