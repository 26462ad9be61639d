//! The bootstrap's random stream: splitmix64, chosen because it is a few
//! lines in any language, so the reference script reproduces every
//! resample exactly.
//!
//! Resample `r` of seed `s` starts from state `s + (r + 1)·0xD1B54A32D192ED03`
//! (mod 2⁶⁴), so resamples are independent of one another and of the thread
//! that draws them. A draw below `n` is the high word of `next() · n`
//! (bias below n/2⁶⁴, far under any Monte Carlo error).

pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    /// A stream from this state (tests draw their data from one).
    #[cfg(test)]
    pub(crate) fn new(state: u64) -> SplitMix64 {
        SplitMix64(state)
    }

    pub(crate) fn for_resample(seed: u64, resample: u32) -> SplitMix64 {
        SplitMix64(seed.wrapping_add((u64::from(resample) + 1).wrapping_mul(0xD1B5_4A32_D192_ED03)))
    }

    #[inline]
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A draw in `0..n`.
    #[inline]
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_published_splitmix64_stream() {
        // The first outputs for state 0 (Vigna's reference implementation).
        let mut r = SplitMix64(0);
        assert_eq!(r.next(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next(), 0x6E78_9E6A_A1B9_65F4);
    }
}
