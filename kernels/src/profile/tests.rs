//! The profile's promises, checked on adversarial data: a lossless
//! profile gives the table kernels' results bit for bit; a lossy one
//! brackets them; merging gives the same bytes for any split; the file
//! round-trips and refuses damage.

use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, Int64Array, StringArray};

use super::*;
use crate::One;
use crate::drift::{DriftRequest, Kind, Method, two_sample};
use crate::quality::rng::SplitMix64;
use crate::sample::{Binning, Bins, Edges, Smoothing};

/// Reproducible test data.
struct Rng(SplitMix64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(SplitMix64::new(seed))
    }
    fn below(&mut self, n: u64) -> u64 {
        self.0.below(n)
    }
    fn unit(&mut self) -> f64 {
        (self.0.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Values that break naive code: ties, both zeros, subnormals, powers of
/// two and their neighbours, huge ranges, NaN, infinities and nulls.
fn adversarial(rng: &mut Rng, n: usize, shift: f64) -> Vec<Option<f64>> {
    const POOL: &[f64] = &[
        0.0,
        -0.0,
        5e-324,
        -5e-324,
        2.2250738585072014e-308,
        1.0,
        1.0000000000000002,
        0.9999999999999999,
        2.0,
        -2.0,
        0.5,
        1e300,
        -1e300,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ];
    let style = rng.below(4);
    (0..n)
        .map(|_| match (style, rng.below(10)) {
            (_, 0) => None,
            (0, _) | (_, 1) => Some(POOL[rng.below(POOL.len() as u64) as usize]),
            (1, _) => Some((rng.below(7) as f64) + shift.round()),
            (2, _) => Some((rng.unit() - 0.5) * 10.0 + shift),
            _ => Some(
                ((rng.unit() * 40.0 - 20.0).exp2() + shift)
                    * if rng.below(2) == 0 { 1.0 } else { -1.0 },
            ),
        })
        .collect()
}

fn array(values: &[Option<f64>]) -> ArrayRef {
    Arc::new(Float64Array::from(values.to_vec()))
}

fn lossless() -> Params {
    Params {
        mantissa_bits: 52,
        category_cap: 1_000_000,
    }
}

fn profile(a: &ArrayRef, params: &Params) -> ColumnProfile {
    ColumnProfile::of("x", &One(a.as_ref()), params).unwrap()
}

fn numeric_requests() -> Vec<DriftRequest> {
    let mut out = Vec::new();
    for method in [
        Method::Ks,
        Method::Wasserstein,
        Method::WassersteinNormed,
        Method::Psi,
        Method::KlDiv,
        Method::JensenShannon,
        Method::Hellinger,
    ] {
        for edges in [Edges::Both, Edges::Reference, Edges::ReferenceQuantiles] {
            for bins in [Bins::Sturges, Bins::Count(7)] {
                out.push(DriftRequest {
                    method,
                    kind: Kind::Numerical,
                    binning: Binning {
                        edges,
                        bins,
                        smoothing: Smoothing::Evidently,
                    },
                });
            }
        }
    }
    out
}

fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

#[test]
fn lossless_profiles_give_the_table_kernels_results_bit_for_bit() {
    let mut rng = Rng::new(1);
    let params = lossless();
    let mut compared = 0;
    for case in 0..120 {
        let (n, m) = (1 + rng.below(300) as usize, 1 + rng.below(300) as usize);
        let shift = if case % 3 == 0 { 0.25 } else { 0.0 };
        let (r, c) = (
            array(&adversarial(&mut rng, n, 0.0)),
            array(&adversarial(&mut rng, m, shift)),
        );
        let (pr, pc) = (profile(&r, &params), profile(&c, &params));
        for request in numeric_requests() {
            let table = two_sample(&One(r.as_ref()), &One(c.as_ref()), &request);
            let from_profiles = estimate(&pr, &pc, &params, &request);
            match (table, from_profiles) {
                (Ok(t), Ok(p)) => {
                    assert_eq!(p.exactness, Exactness::Exact, "{request:?}");
                    let (t, e) = (t, p.result);
                    assert_eq!(
                        (
                            t.n_reference,
                            t.n_current,
                            t.missing_reference,
                            t.missing_current,
                            t.bins
                        ),
                        (
                            e.n_reference,
                            e.n_current,
                            e.missing_reference,
                            e.missing_current,
                            e.bins
                        ),
                        "{request:?}"
                    );
                    assert!(
                        same(t.statistic, e.statistic),
                        "case {case} {request:?}: {} vs {}",
                        t.statistic,
                        e.statistic
                    );
                    assert_eq!(
                        t.p_value.map(f64::to_bits),
                        e.p_value.map(f64::to_bits),
                        "{request:?}"
                    );
                    compared += 1;
                }
                (Err(_), Err(_)) => {}
                (t, p) => panic!("case {case} {request:?}: table {t:?}, profiles {p:?}"),
            }
        }
    }
    assert!(compared > 4000, "only {compared} comparisons");
}

#[test]
fn lossy_brackets_hold_the_exact_value() {
    let mut rng = Rng::new(2);
    let mut bracketed = 0;
    for case in 0..200 {
        let params = Params {
            mantissa_bits: [0, 1, 3, 8, 12][case % 5],
            category_cap: 100,
        };
        let (n, m) = (1 + rng.below(400) as usize, 1 + rng.below(400) as usize);
        let (r, c) = (
            array(&adversarial(&mut rng, n, 0.0)),
            array(&adversarial(
                &mut rng,
                m,
                if case % 2 == 0 { 0.1 } else { 0.0 },
            )),
        );
        let (pr, pc) = (profile(&r, &params), profile(&c, &params));
        for method in [Method::Ks, Method::Wasserstein, Method::WassersteinNormed] {
            let request = DriftRequest {
                method,
                kind: Kind::Numerical,
                binning: Binning::default(),
            };
            let (Ok(t), Ok(e)) = (
                two_sample(&One(r.as_ref()), &One(c.as_ref()), &request),
                estimate(&pr, &pc, &params, &request),
            ) else {
                continue;
            };
            let (lo, hi) = e.statistic;
            let slack = if method == Method::WassersteinNormed {
                1e-9 * hi.abs()
            } else {
                0.0
            };
            assert!(
                lo - slack <= t.statistic && t.statistic <= hi + slack || t.statistic.is_nan(),
                "case {case} {method:?} m={}: {} not in [{lo}, {hi}]",
                params.mantissa_bits,
                t.statistic
            );
            if let (Some(p), Some((p_lo, p_hi))) = (t.p_value, e.p_value) {
                assert!(
                    p_lo <= p && p <= p_hi,
                    "case {case}: p {p} not in [{p_lo}, {p_hi}]"
                );
            }
            bracketed += (e.exactness == Exactness::Bracketed) as usize;
        }
    }
    assert!(bracketed > 200, "only {bracketed} brackets");
}

#[test]
fn lossy_binned_counts_are_exact_on_their_edges() {
    // The edges move to bucket bounds; the raw values' histogram over
    // those edges is the profile's, count for count.
    let mut rng = Rng::new(3);
    let mut checked = 0;
    for case in 0..150 {
        let params = Params {
            mantissa_bits: [0, 2, 5, 9][case % 4],
            category_cap: 10,
        };
        let (r, c) = (
            adversarial(&mut rng, 200, 0.0),
            adversarial(&mut rng, 150, 0.3),
        );
        let (pr, pc) = (profile(&array(&r), &params), profile(&array(&c), &params));
        let sorted = |v: &[Option<f64>]| {
            let mut s: Vec<f64> = v
                .iter()
                .flatten()
                .copied()
                .filter(|x| x.is_finite())
                .collect();
            s.sort_by(f64::total_cmp);
            s
        };
        for edges in [Edges::Both, Edges::Reference, Edges::ReferenceQuantiles] {
            for bins in [Bins::Sturges, Bins::Count(6)] {
                let binning = Binning {
                    edges,
                    bins,
                    smoothing: Smoothing::None,
                };
                let Ok(b) = estimate::binned(&pr, &pc, &params, &binning) else {
                    continue;
                };
                for (values, shares) in [(sorted(&r), &b.reference), (sorted(&c), &b.current)] {
                    let counts = crate::sample::histogram(&values, &b.edges);
                    let want: Vec<f64> = counts
                        .iter()
                        .map(|n| *n as f64 / values.len() as f64)
                        .collect();
                    assert_eq!(&want, shares, "case {case} {binning:?} edges {:?}", b.edges);
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 1000, "only {checked}");
}

#[test]
fn capped_categories_are_exact_over_the_kept_and_the_rest() {
    let mut rng = Rng::new(4);
    let names: Vec<String> = (0..60).map(|i| format!("c{i}")).collect();
    let draw = |rng: &mut Rng, n: usize, skew: u64| -> Vec<Option<String>> {
        (0..n)
            .map(|_| {
                (rng.below(12) != 0).then(|| {
                    names[(rng.below(60) * rng.below(skew + 1) / (skew + 1).max(1)) as usize % 60]
                        .clone()
                })
            })
            .collect()
    };
    for case in 0..40 {
        let params = Params {
            mantissa_bits: 12,
            category_cap: 5 + case % 20,
        };
        let (r, c) = (draw(&mut rng, 500, 0), draw(&mut rng, 400, case as u64 % 3));
        let (ra, ca): (ArrayRef, ArrayRef) = (
            Arc::new(StringArray::from(r.clone())),
            Arc::new(StringArray::from(c.clone())),
        );
        let (pr, pc) = (profile(&ra, &params), profile(&ca, &params));
        // The kept categories of both sides below both thresholds, and
        // every other category renamed into one.
        let kept: std::collections::HashSet<String> = {
            let e = estimate(
                &pr,
                &pc,
                &params,
                &DriftRequest {
                    method: Method::ChiSquare,
                    kind: Kind::Categorical,
                    binning: Binning::default(),
                },
            )
            .unwrap();
            assert_eq!(e.exactness, Exactness::Exact);
            let limit = [&pr, &pc]
                .iter()
                .filter(|p| p.categories.remainder > 0)
                .filter_map(|p| p.categories.kept.last())
                .map(|(c, _)| (category_hash(c), c.clone()))
                .min();
            names
                .iter()
                .filter(|n| {
                    let c = Category::Text((*n).clone());
                    limit
                        .as_ref()
                        .is_none_or(|l| (category_hash(&c), &c) <= (l.0, &l.1))
                })
                .cloned()
                .collect()
        };
        let rename = |v: &[Option<String>]| -> ArrayRef {
            Arc::new(StringArray::from_iter(v.iter().map(|x| {
                x.as_ref().map(|s| {
                    if kept.contains(s) {
                        s.clone()
                    } else {
                        "~rest".into()
                    }
                })
            })))
        };
        for method in [
            Method::ChiSquare,
            Method::ChiSquareGof,
            Method::Psi,
            Method::JensenShannon,
        ] {
            let request = DriftRequest {
                method,
                kind: Kind::Categorical,
                binning: Binning::default(),
            };
            let e = estimate(&pr, &pc, &params, &request).unwrap().result;
            let t = two_sample(
                &One(rename(&r).as_ref()),
                &One(rename(&c).as_ref()),
                &request,
            )
            .unwrap();
            // The rest sorts last in both ("~" after the letters).
            assert!(
                same(t.statistic, e.statistic),
                "case {case} {method:?}: {} vs {}",
                t.statistic,
                e.statistic
            );
            assert_eq!(t.p_value.map(f64::to_bits), e.p_value.map(f64::to_bits));
            assert_eq!(
                (t.n_reference, t.n_current, t.bins),
                (e.n_reference, e.n_current, e.bins)
            );
        }
    }
}

fn whole(p: Vec<ColumnProfile>, params: Params, rows: u64) -> Profile {
    Profile {
        meta: Meta {
            producer: "test".into(),
            params,
            sources: vec![Source {
                path: "data".into(),
                rows,
                ..Default::default()
            }],
        },
        columns: p,
    }
}

#[test]
fn merging_gives_the_same_bytes_for_any_split() {
    let mut rng = Rng::new(5);
    for case in 0..60 {
        let params = Params {
            mantissa_bits: [0, 7, 52][case % 3],
            category_cap: [3, 50, 1000][case % 3],
        };
        let n = 1 + rng.below(500) as usize;
        let values = adversarial(&mut rng, n, 0.0);
        let texts: Vec<Option<String>> = values
            .iter()
            .map(|v| v.map(|v| format!("{:.1}", v.abs().min(9.0))))
            .collect();
        let ints: Vec<Option<i64>> = values
            .iter()
            .map(|v| {
                v.filter(|v| v.is_finite())
                    .map(|v| (v.clamp(-1e6, 1e6)) as i64)
            })
            .collect();
        let columns = |lo: usize, hi: usize| -> Vec<ColumnProfile> {
            let f: ArrayRef = array(&values[lo..hi]);
            let t: ArrayRef = Arc::new(StringArray::from(texts[lo..hi].to_vec()));
            let i: ArrayRef = Arc::new(Int64Array::from(ints[lo..hi].to_vec()));
            vec![
                ColumnProfile::of("f", &One(f.as_ref()), &params).unwrap(),
                ColumnProfile::of("t", &One(t.as_ref()), &params).unwrap(),
                ColumnProfile::of("i", &One(i.as_ref()), &params).unwrap(),
            ]
        };
        let expected = file::encode(&whole(columns(0, n), params, n as u64)).unwrap();
        // Random cut points, parts merged in a random order.
        let mut cuts: Vec<usize> = (0..rng.below(5))
            .map(|_| rng.below(n as u64 + 1) as usize)
            .collect();
        cuts.extend([0, n]);
        cuts.sort_unstable();
        let mut parts: Vec<Vec<ColumnProfile>> =
            cuts.windows(2).map(|w| columns(w[0], w[1])).collect();
        for i in (1..parts.len()).rev() {
            parts.swap(i, rng.below(i as u64 + 1) as usize);
        }
        let mut merged = parts.remove(0);
        for part in &parts {
            for (a, b) in merged.iter_mut().zip(part) {
                a.merge(b, &params).unwrap();
            }
        }
        let got = file::encode(&whole(merged, params, n as u64)).unwrap();
        assert!(got == expected, "case {case}: a split changed the bytes");
        // Associative and commutative, on three parts.
        let (a, b, c) = (columns(0, n / 3), columns(n / 3, n / 2), columns(n / 2, n));
        let add = |x: &[ColumnProfile], y: &[ColumnProfile]| -> Vec<ColumnProfile> {
            x.iter()
                .zip(y)
                .map(|(x, y)| {
                    let mut x = x.clone();
                    x.merge(y, &params).unwrap();
                    x
                })
                .collect()
        };
        assert_eq!(add(&add(&a, &b), &c), add(&a, &add(&b, &c)));
        assert_eq!(add(&a, &b), add(&b, &a));
    }
}

#[test]
fn files_round_trip_and_refuse_damage() {
    let mut rng = Rng::new(6);
    let values = adversarial(&mut rng, 300, 0.0);
    let params = Params::default();
    let p = whole(vec![profile(&array(&values), &params)], params, 300);
    let bytes = file::encode(&p).unwrap();
    assert_eq!(file::decode(&bytes).unwrap(), p);
    assert_eq!(file::encode(&file::decode(&bytes).unwrap()).unwrap(), bytes);
    // Every single-byte change is refused or read as a consistent profile;
    // none panics.
    for i in (0..bytes.len()).step_by(7) {
        let mut bad = bytes.clone();
        bad[i] ^= 0x5a;
        let _ = std::panic::catch_unwind(|| file::decode(&bad)).expect("decode panicked");
    }
    assert!(file::decode(&bytes[..bytes.len() / 2]).is_err());
    let mut other = p.clone();
    other.meta.sources[0].rows = 1;
    let e = file::decode(&file::encode(&other).unwrap()).unwrap_err();
    assert!(e.0.contains("sources add up to 1 rows"), "{e}");
    let mut inconsistent = p.clone();
    inconsistent.columns[0].nulls += 1;
    assert!(file::decode(&file::encode(&inconsistent).unwrap()).is_err());
    // A rest while under the cap: the bottom-k would have kept those.
    let mut under = p.clone();
    let (_, n) = under.columns[0].categories.kept.pop().unwrap();
    under.columns[0].categories.remainder += n;
    let e = file::decode(&file::encode(&under).unwrap()).unwrap_err();
    assert!(e.0.contains("past the cap while under it"), "{e}");
    // A type name deep enough to overflow a recursive parser's stack.
    let mut deep = p.clone();
    let mut t = arrow::datatypes::DataType::Float64;
    for _ in 0..60 {
        t = arrow::datatypes::DataType::List(Arc::new(arrow::datatypes::Field::new(
            "item", t, true,
        )));
    }
    deep.columns[0].data_type = t;
    let e = file::decode(&file::encode(&deep).unwrap()).unwrap_err();
    assert!(e.0.contains("too long"), "{e}");
}

#[test]
fn bucket_keys_follow_the_bits() {
    let p = Params {
        mantissa_bits: 0,
        category_cap: 1,
    };
    // One bucket per binade and sign; both zeros and the positive
    // subnormals share the zero binade's bucket.
    assert_eq!(p.bucket(1.0), p.bucket(1.999));
    assert_ne!(p.bucket(1.0), p.bucket(2.0));
    assert_eq!(p.bucket(-0.0), p.bucket(0.0));
    assert_eq!(p.bucket(0.0), p.bucket(5e-324));
    assert!(p.bucket(-1.0) < p.bucket(-0.5) && p.bucket(-0.5) < p.bucket(0.0));
    assert_eq!(p.bucket_range(p.bucket(1.5)), (1.0, 1.9999999999999998));
    assert_eq!(p.bucket_range(p.bucket(-1.5)), (-1.9999999999999998, -1.0));
    let l = lossless();
    assert_eq!(l.bucket_range(l.bucket(0.1)), (0.1, 0.1));
}
