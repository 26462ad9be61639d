//! Exact sums of floats: fixed-point integers wide enough for every finite
//! double (and every square of one), so adding is associative and a sum
//! does not depend on the order or the partition of the data. Positive and
//! negative terms are kept apart, so additions only ever carry upwards and
//! rarely far.

/// An unsigned fixed-point integer of `L` 64-bit limbs, little-endian.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Wide<const L: usize>(pub [u64; L]);

impl<const L: usize> Default for Wide<L> {
    fn default() -> Self {
        Wide([0; L])
    }
}

impl<const L: usize> Wide<L> {
    /// Adds `value << shift`. The widths below leave 64 bits above the
    /// largest term, so 2⁶⁴ additions cannot overflow.
    #[inline]
    fn add_shifted(&mut self, value: u128, shift: u32) {
        let (limb, bits) = ((shift / 64) as usize, shift % 64);
        // The value spans at most three limbs after the shift.
        let low = value << bits;
        let high = if bits == 0 { 0 } else { value >> (128 - bits) };
        let parts = [low as u64, (low >> 64) as u64, high as u64];
        let mut carry = false;
        let mut i = limb;
        for part in parts {
            if i >= L {
                return;
            }
            let (s, c1) = self.0[i].overflowing_add(part);
            let (s, c2) = s.overflowing_add(carry as u64);
            self.0[i] = s;
            carry = c1 || c2;
            i += 1;
        }
        while carry && i < L {
            let (s, c) = self.0[i].overflowing_add(1);
            self.0[i] = s;
            carry = c;
            i += 1;
        }
    }

    pub fn merge(&mut self, other: &Wide<L>) {
        let mut carry = false;
        for (a, b) in self.0.iter_mut().zip(other.0) {
            let (s, c1) = a.overflowing_add(b);
            let (s, c2) = s.overflowing_add(carry as u64);
            *a = s;
            carry = c1 || c2;
        }
    }

    pub fn is_zero(&self) -> bool {
        self.0.iter().all(|l| *l == 0)
    }

    /// `self - other`, with its sign, as a magnitude.
    fn minus(&self, other: &Wide<L>) -> (bool, Wide<L>) {
        let negative = self.0.iter().rev().cmp(other.0.iter().rev()) == std::cmp::Ordering::Less;
        let (big, small) = if negative {
            (other, self)
        } else {
            (self, other)
        };
        let mut out = Wide([0; L]);
        let mut borrow = false;
        for i in 0..L {
            let (d, b1) = big.0[i].overflowing_sub(small.0[i]);
            let (d, b2) = d.overflowing_sub(borrow as u64);
            out.0[i] = d;
            borrow = b1 || b2;
        }
        (negative, out)
    }

    /// The value times 2^`scale`, rounded to the nearest double (ties to
    /// even): the top 128 bits with a sticky bit for the rest, converted
    /// once.
    pub fn to_f64(&self, scale: i32) -> f64 {
        let Some(top) = self.0.iter().rposition(|l| *l != 0) else {
            return 0.0;
        };
        let msb = top as u32 * 64 + (63 - self.0[top].leading_zeros());
        let low = msb.saturating_sub(127);
        // Bits [low, low + 128), then a sticky bit for any below.
        let mut window: u128 = 0;
        for offset in 0..128u32 {
            let bit = low + offset;
            let (i, b) = ((bit / 64) as usize, bit % 64);
            if i < L && (self.0[i] >> b) & 1 == 1 {
                window |= 1u128 << offset;
            }
        }
        let sticky = (0..low).any(|bit| (self.0[(bit / 64) as usize] >> (bit % 64)) & 1 == 1);
        if sticky {
            window |= 1;
        }
        crate::ks::ldexp(window as f64, low as i32 + scale)
    }
}

/// Bits of the sums: 2098 bits span every finite double in units of 2⁻¹⁰⁷⁴,
/// plus 64 of headroom, rounded up to limbs.
const SUM_LIMBS: usize = 34;
/// Squares: 4196 bits in units of 2⁻²¹⁴⁸, plus headroom.
const SQUARE_LIMBS: usize = 67;

/// The exact sum and sum of squares of finite doubles.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Moments {
    pub positive: Wide<SUM_LIMBS>,
    pub negative: Wide<SUM_LIMBS>,
    pub squares: Wide<SQUARE_LIMBS>,
}

/// A finite double as `mantissa · 2^(shift − 1074)`, `shift ≥ 0`.
#[inline]
fn split(v: f64) -> (u64, u32) {
    let bits = v.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as u32;
    let fraction = bits & ((1 << 52) - 1);
    if exponent == 0 {
        (fraction, 0)
    } else {
        (fraction | 1 << 52, exponent - 1)
    }
}

impl Moments {
    pub const SUM_BYTES: usize = SUM_LIMBS * 8;
    pub const SQUARE_BYTES: usize = SQUARE_LIMBS * 8;

    /// Adds a finite value (the caller leaves NaN and infinities out).
    #[inline]
    pub fn add(&mut self, v: f64) {
        let (mantissa, shift) = split(v);
        if mantissa == 0 {
            return;
        }
        if v < 0.0 {
            self.negative.add_shifted(mantissa as u128, shift);
        } else {
            self.positive.add_shifted(mantissa as u128, shift);
        }
        let m = mantissa as u128;
        self.squares.add_shifted(m * m, 2 * shift);
    }

    pub fn merge(&mut self, other: &Moments) {
        self.positive.merge(&other.positive);
        self.negative.merge(&other.negative);
        self.squares.merge(&other.squares);
    }

    /// The sum, correctly rounded.
    pub fn sum(&self) -> f64 {
        let (negative, magnitude) = self.positive.minus(&self.negative);
        let v = magnitude.to_f64(-1074);
        if negative { -v } else { v }
    }

    /// The sum as a double-double: the rounded sum and the rounded rest.
    fn sum_dd(&self) -> crate::ks::DD {
        let hi = self.sum();
        let mut rest = self.clone();
        let mut minus_hi = Moments::default();
        minus_hi.add(-hi);
        rest.positive.merge(&minus_hi.positive);
        rest.negative.merge(&minus_hi.negative);
        crate::ks::DD { hi, lo: rest.sum() }
    }

    /// The population variance of `n` values from the exact sums, in
    /// double-double (the cancellation in Σx² − (Σx)²/n costs no digits
    /// that matter), then rounded; NaN when the sums are too large for it.
    pub fn variance(&self, n: u64) -> f64 {
        if n == 0 {
            return f64::NAN;
        }
        let n = n as f64;
        let s1 = self.sum_dd();
        let hi = self.squares.to_f64(-2148);
        // (Σx)² must stay a double: past 1e150 the double-double square
        // overflows, and so may Σx² where NumPy's centred sum would not.
        // Such a variance is not taken from the sums at all.
        if !(s1.hi.abs() < 1e150 && hi.is_finite()) {
            return f64::NAN;
        }
        let rest = self.squares.clone();
        // Σx² − hi, exactly: hi is a double, its square-unit integer is
        // subtracted as a magnitude (hi ≥ 0 and hi ≈ Σx²).
        let (neg, lo_mag) = {
            let mut hi_wide = Wide::<SQUARE_LIMBS>::default();
            let (m, s) = split(hi);
            if m != 0 {
                // hi = m · 2^(s − 1074) = (m << (s + 1074)) units of 2⁻²¹⁴⁸.
                hi_wide.add_shifted(m as u128, s + 1074);
            }
            rest.minus(&hi_wide)
        };
        let lo = lo_mag.to_f64(-2148);
        let s2 = crate::ks::DD {
            hi,
            lo: if neg { -lo } else { lo },
        };
        let var = s2.sub(s1.mul(s1).div_f(n)).div_f(n);
        var.hi.max(0.0)
    }

    /// Little-endian limbs: positive sum, negative sum, squares.
    pub fn to_bytes(&self) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
        fn bytes<const L: usize>(w: &Wide<L>) -> Vec<u8> {
            w.0.iter().flat_map(|l| l.to_le_bytes()).collect()
        }
        (
            bytes(&self.positive),
            bytes(&self.negative),
            bytes(&self.squares),
        )
    }

    pub fn from_bytes(positive: &[u8], negative: &[u8], squares: &[u8]) -> Option<Moments> {
        fn wide<const L: usize>(b: &[u8]) -> Option<Wide<L>> {
            if b.len() != L * 8 {
                return None;
            }
            let mut w = Wide([0; L]);
            for (i, chunk) in b.chunks_exact(8).enumerate() {
                w.0[i] = u64::from_le_bytes(chunk.try_into().ok()?);
            }
            Some(w)
        }
        Some(Moments {
            positive: wide(positive)?,
            negative: wide(negative)?,
            squares: wide(squares)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::quality::rng::SplitMix64;

    #[test]
    fn sums_are_exact_and_order_free() {
        // 1e16 + 1 − 1e16 loses the 1 in floats, not here.
        let mut m = Moments::default();
        for v in [1e16, 1.0, -1e16] {
            m.add(v);
        }
        assert_eq!(m.sum(), 1.0);
        let values = [f64::MAX, -f64::MAX, 5e-324, 3.5, -0.0, 1e-300];
        let mut a = Moments::default();
        let mut b = Moments::default();
        for v in values {
            a.add(v);
        }
        for v in values.iter().rev() {
            b.add(*v);
        }
        assert_eq!(a, b);
        assert_eq!(a.sum(), 3.5 + 1e-300 + 5e-324);
    }

    #[test]
    fn variance_survives_a_large_mean() {
        let mut m = Moments::default();
        let values: Vec<f64> = (0..1000).map(|i| 1e9 + (i % 10) as f64).collect();
        for v in &values {
            m.add(*v);
        }
        // Values 0..9 repeated: variance 8.25.
        assert_eq!(m.variance(values.len() as u64), 8.25);
    }

    #[test]
    fn the_rounded_sum_is_the_correctly_rounded_sum() {
        let mut rng = SplitMix64::new(7);
        for _ in 0..200 {
            let mut m = Moments::default();
            let mut exact = 0i128;
            for _ in 0..50 {
                // Integers times 2^-10: exactly representable, and their
                // sum is exact in i128.
                let k = (rng.next() >> 20) as i64 - (1 << 43);
                exact += k as i128;
                m.add(k as f64 / 1024.0);
            }
            assert_eq!(m.sum(), exact as f64 / 1024.0);
        }
    }

    #[test]
    fn bytes_round_trip() {
        let mut m = Moments::default();
        m.add(-2.5);
        m.add(1e-310);
        let (p, n, s) = m.to_bytes();
        assert_eq!(Moments::from_bytes(&p, &n, &s), Some(m));
        assert_eq!(Moments::from_bytes(&p[1..], &n, &s), None);
    }
}
