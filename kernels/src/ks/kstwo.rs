//! Survival function of the two-sided one-sample Kolmogorov–Smirnov statistic
//! `D_n`, i.e. `scipy.stats.kstwo.sf(x, n)`, ported from SciPy 1.17.1
//! `scipy/stats/_ksstats.py` (`_kolmogn` and the algorithms it dispatches to,
//! following Simard & L'Ecuyer 2011) plus the support handling that
//! `rv_continuous.sf` applies before calling `kstwo_gen._sf`.
//!
//! Where SciPy relies on NumPy/BLAS (`np.matmul`, `np.convolve`) the summation
//! order inside those kernels is not reproducible; plain loops are used and
//! agree to rounding error (~1e-15 relative).

use super::smirnov::smirnov;

/// `_E128`, `_EP128 = 2^128`, `_EM128 = 2^-128`: rescaling constants.
const E128: i32 = 128;
const EP128: f64 = f64::from_bits(0x47F0_0000_0000_0000); // 2^128
const EM128: f64 = f64::from_bits(0x37F0_0000_0000_0000); // 2^-128

// Constants exactly as NumPy evaluates them in `_ksstats.py`.
/// `np.sqrt(2 * np.pi)`
const SQRT2PI: f64 = 2.5066282746310002;
/// `np.log(2 * np.pi)`
const LOG_2PI: f64 = 1.8378770664093453;
/// `_MIN_LOG`
const MIN_LOG: f64 = -708.0;
/// `np.sqrt(3)`
const SQRT3: f64 = 1.7320508075688772;
/// `np.pi ** 2`, `np.pi ** 4`, `np.pi ** 6` (libm `pow`, not repeated products)
const PI_SQUARED: f64 = 9.869604401089358;
const PI_FOUR: f64 = 97.40909103400242;
const PI_SIX: f64 = 961.3891935753043;
const PI: f64 = std::f64::consts::PI;

/// `_STIRLING_COEFFS`: B_{2j}/(2j)/(2j-1) for j = 8..1 (highest power first).
const STIRLING_COEFFS: [f64; 8] = [
    -2.955065359477124183e-2,
    6.4102564102564102564e-3,
    -1.9175269175269175269e-3,
    8.4175084175084175084e-4,
    -5.952380952380952381e-4,
    7.9365079365079365079e-4,
    -2.7777777777777777778e-3,
    8.3333333333333333333e-2,
];

/// `np.clip(p, 0, 1)` (NaN propagates, as in NumPy).
#[inline]
pub(crate) fn clip_prob(p: f64) -> f64 {
    if p.is_nan() { p } else { p.clamp(0.0, 1.0) }
}

/// `_log_nfactorial_div_n_pow_n`: `log(n! / n^n)` via Stirling's series with
/// the `n log n` term removed analytically.
fn log_nfactorial_div_n_pow_n(n: i64) -> f64 {
    let nf = n as f64;
    let rn = 1.0 / nf;
    // np.polyval: Horner from the leading coefficient.
    let x = rn / nf;
    let mut poly = 0.0;
    for &c in &STIRLING_COEFFS {
        poly = poly * x + c;
    }
    nf.ln() / 2.0 - nf + LOG_2PI / 2.0 + rn * poly
}

/// `_kolmogn_DMTW(n, d, cdf=True)`: `Pr(D_n <= d)` by the Durbin matrix
/// algorithm in the Marsaglia–Tsang–Wang formulation: the (k,k) entry of
/// `(n!/n^n) H^n`, with power-of-two rescaling to avoid overflow.
fn kolmogn_dmtw_cdf(n: i64, d: f64) -> f64 {
    if d >= 1.0 {
        return 1.0;
    }
    let nd = n as f64 * d;
    if nd <= 0.5 {
        return 0.0;
    }
    let k = nd.ceil() as usize;
    let h = k as f64 - nd;
    let m = 2 * k - 1;

    // v[j] = (1 - h^(j+1)) / (j+1)!, w[j] = 1/j!
    let mut v = vec![0.0; m];
    let mut w = vec![0.0; m];
    let mut fac = 1.0;
    for j in 1..=m {
        v[j - 1] = 1.0 - h.powf(j as f64);
        w[j - 1] = fac;
        fac /= j as f64; // may underflow; harmless
        v[j - 1] *= fac;
    }
    let base = 2.0 * h - 1.0;
    // Python `max(2*h - 1.0, 0)**m`: the int 0 wins only when strictly larger.
    let first = if 0.0 > base { 0.0 } else { base.powf(m as f64) };
    let tt = first - 2.0 * h.powf(m as f64);
    v[m - 1] = (1.0 + tt) * fac;

    // H[i-1:, i] = w[:m-i+1]; H[:, 0] = v; H[-1, :] = flip(v)
    let mut hm = vec![0.0; m * m];
    for i in 1..m {
        for r in (i - 1)..m {
            hm[r * m + i] = w[r + 1 - i];
        }
    }
    for r in 0..m {
        hm[r * m] = v[r];
    }
    for c in 0..m {
        hm[(m - 1) * m + c] = v[m - 1 - c];
    }

    // Square-and-multiply for H^n, tracking power-of-two scalings.
    let mut hpwr = vec![0.0; m * m];
    for i in 0..m {
        hpwr[i * m + i] = 1.0;
    }
    let mut tmp = vec![0.0; m * m];
    let mut nn = n;
    let mut expnt: i64 = 0; // scaling of hpwr
    let mut hexpnt: i64 = 0; // scaling of hm
    let kk = (k - 1) * m + (k - 1);
    while nn > 0 {
        if nn % 2 == 1 {
            matmul(&hpwr, &hm, &mut tmp, m);
            std::mem::swap(&mut hpwr, &mut tmp);
            expnt += hexpnt;
        }
        nn /= 2;
        // SciPy squares once more after the last bit; the result is unused.
        if nn == 0 {
            break;
        }
        matmul(&hm, &hm, &mut tmp, m);
        std::mem::swap(&mut hm, &mut tmp);
        hexpnt *= 2;
        if hm[kk].abs() > EP128 {
            for e in hm.iter_mut() {
                *e /= EP128;
            }
            hexpnt += i64::from(E128);
        }
    }

    let mut p = hpwr[kk];
    // Multiply by n!/n^n.
    let nf = n as f64;
    for i in 1..=n {
        p = i as f64 * p / nf;
        if p.abs() < EM128 {
            p *= EP128;
            expnt -= i64::from(E128);
        }
    }
    if expnt != 0 {
        p = ldexp_i64(p, expnt);
    }
    clip_prob(p)
}

/// `c = a @ b` for square row-major `m x m` matrices.
fn matmul(a: &[f64], b: &[f64], c: &mut [f64], m: usize) {
    c.iter_mut().for_each(|e| *e = 0.0);
    for i in 0..m {
        let crow = &mut c[i * m..(i + 1) * m];
        for (l, &ail) in a[i * m..(i + 1) * m].iter().enumerate() {
            if ail == 0.0 {
                continue;
            }
            let brow = &b[l * m..(l + 1) * m];
            for (cij, &blj) in crow.iter_mut().zip(brow) {
                *cij += ail * blj;
            }
        }
    }
}

/// `np.ldexp` with an exponent that may exceed `i32`.
fn ldexp_i64(x: f64, e: i64) -> f64 {
    let e = e.clamp(-100_000, 100_000) as i32;
    super::dd::ldexp(x, e)
}

/// `_pomeranz_compute_j1j2`: endpoints of the non-zero window of row `i`.
fn pomeranz_j1j2(i: i64, n: i64, ll: i64, ceilf: i64, roundf: i64) -> (i64, i64) {
    let (j1, j2) = if i == 0 {
        (-ll - ceilf - 1, ll + ceilf - 1)
    } else {
        let ip1div2 = (i + 1).div_euclid(2);
        let ip1mod2 = (i + 1).rem_euclid(2);
        if ip1mod2 == 0 {
            // i is odd
            if ip1div2 == n + 1 {
                (n - ll - ceilf - 1, n + ll + ceilf - 1)
            } else {
                (ip1div2 - 1 - ll - roundf - 1, ip1div2 + ll - 1 + ceilf - 1)
            }
        } else {
            (ip1div2 - 1 - ll - 1, ip1div2 + ll + roundf - 1)
        }
    };
    ((j1 + 2).max(0), j2.min(n))
}

/// Python slice `[start:stop]` bounds for a sequence of length `len`.
fn py_slice(len: usize, start: i64, stop: i64) -> (usize, usize) {
    let len_i = len as i64;
    let norm = |x: i64| -> i64 {
        if x < 0 {
            (x + len_i).max(0)
        } else {
            x.min(len_i)
        }
    };
    let s = norm(start);
    let e = norm(stop).max(s);
    (s as usize, e as usize)
}

/// `_kolmogn_Pomeranz(n, x, cdf=True)`: `Pr(D_n <= x)` by Pomeranz's
/// recursion; each row is a convolution of the previous one with one of three
/// (unnormalised) Poisson probability vectors.
fn kolmogn_pomeranz_cdf(n: i64, x: f64) -> f64 {
    let t = n as f64 * x;
    let ll = t.floor() as i64;
    let f = t - ll as f64;
    let g = f.min(1.0 - f);
    let ceilf = i64::from(f > 0.0);
    let roundf = i64::from(f > 0.5);
    let npwrs = (2 * (ll + 1)) as usize;
    let nf = n as f64;
    let mut gpower = vec![0.0; npwrs];
    let mut twogpower = vec![0.0; npwrs];
    let mut onem2gpower = vec![0.0; npwrs];
    gpower[0] = 1.0;
    twogpower[0] = 1.0;
    onem2gpower[0] = 1.0;
    let mut expnt: i64 = 0;
    let (g_over_n, two_g_over_n, one_minus_two_g_over_n) =
        (g / nf, 2.0 * g / nf, (1.0 - 2.0 * g) / nf);
    for m in 1..npwrs {
        gpower[m] = gpower[m - 1] * g_over_n / m as f64;
        twogpower[m] = twogpower[m - 1] * two_g_over_n / m as f64;
        onem2gpower[m] = onem2gpower[m - 1] * one_minus_two_g_over_n / m as f64;
    }

    let mut v0 = vec![0.0; npwrs];
    let mut v1 = vec![0.0; npwrs];
    v1[0] = 1.0;
    let (mut v0s, mut v1s) = (0i64, 0i64);
    let mut conv: Vec<f64> = Vec::with_capacity(2 * npwrs);

    // Row 0's upper end is never used (each row only needs the previous j1).
    let (mut j1, _) = pomeranz_j1j2(0, n, ll, ceilf, roundf);
    for i in 1..(2 * n + 2) {
        let k1 = j1;
        std::mem::swap(&mut v0, &mut v1);
        std::mem::swap(&mut v0s, &mut v1s);
        v1.iter_mut().for_each(|e| *e = 0.0);
        let (nj1, j2) = pomeranz_j1j2(i, n, ll, ceilf, roundf);
        j1 = nj1;
        let pwrs: &[f64] = if i == 1 || i == 2 * n + 1 {
            &gpower
        } else if i % 2 == 1 {
            &twogpower
        } else {
            &onem2gpower
        };
        let ln2 = j2 - k1 + 1;
        if ln2 > 0 {
            let (as_, ae) = py_slice(npwrs, k1 - v0s, k1 - v0s + ln2);
            let (bs, be) = py_slice(npwrs, 0, ln2);
            full_convolve(&v0[as_..ae], &pwrs[bs..be], &mut conv);
            let conv_start = j1 - k1;
            let conv_len = j2 - j1 + 1;
            let (cs, ce) = py_slice(conv.len(), conv_start, conv_start + conv_len);
            let (ds, de) = py_slice(npwrs, 0, conv_len);
            let cnt = (ce - cs).min(de - ds);
            v1[ds..ds + cnt].copy_from_slice(&conv[cs..cs + cnt]);
            // Scale to avoid underflow.
            let vmax = v1.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if 0.0 < vmax && vmax < EM128 {
                v1.iter_mut().for_each(|e| *e *= EP128);
                expnt -= i64::from(E128);
            }
            v1s = v0s + j1 - k1;
        }
    }

    // Multiply by n!.
    let idx = n - v1s;
    let mut ans = if (0..npwrs as i64).contains(&idx) {
        v1[idx as usize]
    } else {
        0.0
    };
    for m in 1..=n {
        if ans.abs() > EP128 {
            ans *= EM128;
            expnt += i64::from(E128);
        }
        ans *= m as f64;
    }
    if expnt != 0 {
        ans = ldexp_i64(ans, expnt);
    }
    clip_prob(ans)
}

/// `np.convolve(a, b)` (mode 'full'): `out[k] = sum_i a[i] b[k-i]`.
fn full_convolve(a: &[f64], b: &[f64], out: &mut Vec<f64>) {
    out.clear();
    if a.is_empty() || b.is_empty() {
        return;
    }
    out.resize(a.len() + b.len() - 1, 0.0);
    for (i, &ai) in a.iter().enumerate() {
        for (j, &bj) in b.iter().enumerate() {
            out[i + j] += ai * bj;
        }
    }
}

/// NumPy's pairwise summation (`DOUBLE_pairwise_sum`), as used by `np.sum`
/// on a contiguous 1-d float64 array (the reduction starts from 0.0).
fn np_sum(a: &[f64]) -> f64 {
    fn pairwise(a: &[f64]) -> f64 {
        let n = a.len();
        if n < 8 {
            let mut res = 0.0;
            for &x in a {
                res += x;
            }
            res
        } else if n <= 128 {
            let mut r = [0.0; 8];
            r.copy_from_slice(&a[..8]);
            let mut i = 8;
            while i + 8 <= n {
                for (rj, &x) in r.iter_mut().zip(&a[i..i + 8]) {
                    *rj += x;
                }
                i += 8;
            }
            let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
            for &x in &a[i..] {
                res += x;
            }
            res
        } else {
            let mut n2 = n / 2;
            n2 -= n2 % 8;
            pairwise(&a[..n2]) + pairwise(&a[n2..])
        }
    }
    0.0 + pairwise(a)
}

/// `_kolmogn_PelzGood(n, x, cdf=True)`: the Pelz–Good approximation to
/// `Pr(D_n <= x)` (Li-Chien/Korolyuk expansion transformed with Jacobi theta
/// identities, suitable for small `z = sqrt(n) x`).
fn kolmogn_pelzgood_cdf(n: i64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let nf = n as f64;
    let z = nf.sqrt() * x;
    let (zsquared, zthree, zfour, zsix) = (z.powf(2.0), z.powf(3.0), z.powf(4.0), z.powf(6.0));

    let qlog = -PI_SQUARED / 8.0 / zsquared;
    if qlog < MIN_LOG {
        return 0.0;
    }
    let q = qlog.exp();

    // Coefficients of the terms in the sums for K1, K2 and K3.
    let k1a = -zsquared;
    let k1b = PI_SQUARED / 4.0;

    let k2a = 6.0 * zsix + 2.0 * zfour;
    let k2b = (2.0 * zfour - 5.0 * zsquared) * PI_SQUARED / 4.0;
    let k2c = PI_FOUR * (1.0 - 2.0 * zsquared) / 16.0;

    let k3d = PI_SIX * (5.0 - 30.0 * zsquared) / 64.0;
    let k3c = PI_FOUR * (-60.0 * zsquared + 212.0 * zfour) / 16.0;
    let k3b = PI_SQUARED * (135.0 * zfour - 96.0 * zsix) / 4.0;
    let k3a = -30.0 * zsix - 90.0 * z.powf(8.0);

    // Horner scheme for sum c_i q^(i^2) over odd i.
    let mut k0to3 = [0.0f64; 4];
    let maxk = (16.0 * z / PI).ceil() as i64;
    for k in (1..=maxk).rev() {
        let m = 2 * k - 1;
        let (msquared, mfour, msix) = ((m * m) as f64, m.pow(4) as f64, m.pow(6) as f64);
        let qpower = q.powf((8 * k) as f64);
        let coeffs = [
            1.0,
            k1a + k1b * msquared,
            k2a + k2b * msquared + k2c * mfour,
            k3a + k3b * msquared + k3c * mfour + k3d * msix,
        ];
        for (acc, c) in k0to3.iter_mut().zip(coeffs) {
            *acc *= qpower;
            *acc += c;
        }
    }
    let denoms = [z, 6.0 * zfour, 72.0 * z.powf(7.0), 6480.0 * z.powf(10.0)];
    for (acc, den) in k0to3.iter_mut().zip(denoms) {
        *acc *= q;
        *acc *= SQRT2PI;
        *acc /= den;
    }

    // The other sums, over all integers k (descending, as np.arange(maxk, 0, -1)).
    let q = (-PI_SQUARED / 2.0 / zsquared).exp();
    let sqrt3z = SQRT3 * z;
    let mut t2 = Vec::with_capacity(maxk.max(0) as usize);
    let mut t3 = Vec::with_capacity(maxk.max(0) as usize);
    for k in (1..=maxk).rev() {
        let ksquared = (k * k) as f64;
        let kspi = PI * k as f64;
        let qpwer = q.powf(ksquared);
        t2.push(ksquared * qpwer);
        t3.push((sqrt3z + kspi) * (sqrt3z - kspi) * ksquared * qpwer);
    }
    let mut k2extra = np_sum(&t2);
    k2extra *= PI_SQUARED * SQRT2PI / (-36.0 * zthree);
    k0to3[2] += k2extra;
    let mut k3extra = np_sum(&t3);
    k3extra *= PI_SQUARED * SQRT2PI / (216.0 * zsix);
    k0to3[3] += k3extra;
    for (i, acc) in k0to3.iter_mut().enumerate() {
        *acc /= nf.powf(i as f64 / 2.0);
    }
    // Python's builtin sum: 0 + K0 + K1 + K2 + K3, left to right.
    0.0 + k0to3[0] + k0to3[1] + k0to3[2] + k0to3[3]
}

/// `_kolmogn(n, x, cdf=False)`: `Pr(D_n > x)`, choosing the algorithm by
/// region as in Simard & L'Ecuyer (2011).
pub(crate) fn kolmogn_sf(n: i64, x: f64) -> f64 {
    if n <= 0 {
        return f64::NAN;
    }
    if x >= 1.0 {
        return 0.0;
    }
    if x <= 0.0 {
        return 1.0;
    }
    let nf = n as f64;
    let t = nf * x;
    if t <= 1.0 {
        // Ruben–Gambino: exact for 1/(2n) <= x <= 1/n.
        if t <= 0.5 {
            return 1.0;
        }
        let prob = if n <= 140 {
            // np.prod(np.arange(1, n+1) * (1.0/n) * (2*t - 1)), sequentially.
            let rn = 1.0 / nf;
            let mut p = 1.0;
            for i in 1..=n {
                p *= i as f64 * rn * (2.0 * t - 1.0);
            }
            p
        } else {
            (log_nfactorial_div_n_pow_n(n) + nf * (2.0 * t - 1.0).ln()).exp()
        };
        return clip_prob(1.0 - prob);
    }
    if t >= (n - 1) as f64 {
        // Ruben–Gambino: exact for x >= 1 - 1/n.
        return clip_prob(2.0 * (1.0 - x).powf(nf));
    }
    if x >= 0.5 {
        // Exact: the one-sided events are disjoint.
        return clip_prob(2.0 * smirnov(n, x));
    }

    let nxsquared = t * x;
    if n <= 140 {
        if nxsquared <= 0.754693 {
            let prob = kolmogn_dmtw_cdf(n, x);
            return clip_prob(1.0 - prob);
        }
        if nxsquared <= 4.0 {
            let prob = kolmogn_pomeranz_cdf(n, x);
            return clip_prob(1.0 - prob);
        }
        // Miller approximation: 2 * smirnov.
        return clip_prob(2.0 * smirnov(n, x));
    }

    // The survival function has its own cutoffs on n x^2.
    if nxsquared >= 370.0 {
        return 0.0;
    }
    if nxsquared >= 2.2 {
        return clip_prob(2.0 * smirnov(n, x));
    }
    // Fall through: compute the SF as 1 - CDF.
    let cdfprob = if nxsquared >= 18.0 {
        1.0
    } else if n <= 100_000 && nf * x.powf(1.5) <= 1.4 {
        kolmogn_dmtw_cdf(n, x)
    } else {
        kolmogn_pelzgood_cdf(n, x)
    };
    clip_prob(1.0 - cdfprob)
}

/// Which algorithm [`kstwo_sf`] uses for `(n, x)`; mirrors the dispatch in
/// `_kolmogn` (exposed for test reporting).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KolmognBranch {
    /// Outside the open support, or `n x <= 0.5`: the answer is 0 or 1.
    Trivial,
    /// Ruben–Gambino `n x <= 1`, product form (`n <= 140`).
    RubenGambinoLowProd,
    /// Ruben–Gambino `n x <= 1`, Stirling form (`n > 140`).
    RubenGambinoLowStirling,
    /// Ruben–Gambino `n x >= n - 1`.
    RubenGambinoHigh,
    /// `2 * smirnov(n, x)`.
    Smirnov,
    /// Durbin matrix / Marsaglia–Tsang–Wang.
    Dmtw,
    /// Pomeranz recursion.
    Pomeranz,
    /// Pelz–Good asymptotic series.
    PelzGood,
    /// `n x^2 >= 370`: the SF underflows to 0.
    Zero,
    /// Invalid `n`.
    Nan,
}

/// The branch `_kolmogn(n, x, cdf=False)` (via `kstwo.sf`) takes.
pub fn kstwo_sf_branch(n: f64, x: f64) -> KolmognBranch {
    if !(n >= 1.0 && n == n.round_ties_even()) || x.is_nan() {
        return KolmognBranch::Nan;
    }
    if x <= 0.5 / n || x >= 1.0 {
        return KolmognBranch::Trivial;
    }
    let t = n * x;
    if t <= 1.0 {
        if t <= 0.5 {
            return KolmognBranch::Trivial;
        }
        return if n <= 140.0 {
            KolmognBranch::RubenGambinoLowProd
        } else {
            KolmognBranch::RubenGambinoLowStirling
        };
    }
    if t >= n - 1.0 {
        return KolmognBranch::RubenGambinoHigh;
    }
    if x >= 0.5 {
        return KolmognBranch::Smirnov;
    }
    let nxsquared = t * x;
    if n <= 140.0 {
        return if nxsquared <= 0.754693 {
            KolmognBranch::Dmtw
        } else if nxsquared <= 4.0 {
            KolmognBranch::Pomeranz
        } else {
            KolmognBranch::Smirnov
        };
    }
    if nxsquared >= 370.0 {
        KolmognBranch::Zero
    } else if nxsquared >= 2.2 {
        KolmognBranch::Smirnov
    } else if n <= 100_000.0 && n * x.powf(1.5) <= 1.4 {
        KolmognBranch::Dmtw
    } else {
        KolmognBranch::PelzGood
    }
}

/// `scipy.stats.kstwo.sf(x, n)`: `Pr(D_n > x)` for the two-sided one-sample
/// Kolmogorov–Smirnov statistic with `n` observations.
///
/// `n` is a float as in SciPy; it must be a positive integer value, otherwise
/// NaN is returned (SciPy's `badvalue`). As in `rv_continuous.sf`, `x` at or
/// below the support's lower end `0.5/n` gives 1 and `x >= 1` gives 0.
pub fn kstwo_sf(n: f64, x: f64) -> f64 {
    if !(n >= 1.0 && n == n.round_ties_even()) || x.is_nan() {
        return f64::NAN;
    }
    if x <= 0.5 / n {
        return 1.0;
    }
    if x >= 1.0 {
        return 0.0;
    }
    if n > i64::MAX as f64 / 4.0 {
        // Far beyond any sample size; `_kolmogn` would still give 0 or 1 here.
        return if n * x * x >= 370.0 { 0.0 } else { f64::NAN };
    }
    kolmogn_sf(n as i64, x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_are_powers_of_two() {
        assert_eq!(EP128, super::super::dd::ldexp(1.0, 128));
        assert_eq!(EM128, super::super::dd::ldexp(1.0, -128));
    }

    #[test]
    fn np_sum_matches_sequential_for_short_arrays() {
        assert_eq!(np_sum(&[1.0, 2.0, 3.0]), 6.0);
        let a: Vec<f64> = (0..20).map(|i| i as f64 * 0.1).collect();
        assert!((np_sum(&a) - 19.0).abs() < 1e-12);
    }
}
