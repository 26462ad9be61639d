#!/usr/bin/env python3
"""Reference values for the model-quality kernels (kernels/src): binary and
multiclass classification metrics, regression metrics, a paired bootstrap of
a metric difference, the DeLong test and McNemar's test.

Run from the repository root:

    python3 kernels/src/testdata/generate_quality.py

It writes kernels/src/testdata/quality.json next to this script. The output is
deterministic: every random input comes from a seeded numpy.random.Generator
(SEED below) and the bootstrap resamples from the splitmix64 scheme specified
below, so re-running with the same library versions (see generated_by)
reproduces the file byte for byte. All inputs are written inline.

File format
-----------
* Top level: {"generated_by": {...}, "binary": [...], "multiclass": [...],
  "regression": [...], "bootstrap": [...], "delong": [...], "mcnemar": [...]}.
* Every case has a unique (within its section) "name".
* Floats are written with Python's shortest round-trip repr; non-finite floats
  are the strings "nan", "inf", "-inf" (also inside arrays). Integers
  (labels, counts, seeds) are JSON integers. Counts that are weighted sums
  (tp, fp, tn, fn) are always floats.
* "weight" is an array of floats or null (null = unweighted, i.e.
  sample_weight=None, which sklearn treats as all weights 1).
* "warnings": every warning (any category) raised while computing the
  case's expected values, as "<Category>: <message>", de-duplicated, in the
  order first seen. Also collected in generated_by.warnings.
* "<key>_error": when the library call for expected[<key>] raised, that key
  is null and "<key>_error" (inside "expected") is "<Exception>: <message>".
  No call in the current file raises (see "Cases where a library raises or
  warns" below); the encoding is kept for future cases.
* Inputs are the exact floats written; to keep the file small weights are
  rounded to 4 decimals, the scores of the n = 1000 / 5000 cases to 10
  decimals, and the probabilities of the multiclass n = 5000 case are
  k / 10^6 with integer k summing to 10^6 per row (rows sum to 1 within
  float rounding, no warning).
* Tolerance: expected values come from scikit-learn etc. and are meant to be
  matched to ~1e-12 relative (summation order inside numpy differs from a
  plain loop by a few ulps); exact integers/counts must match exactly.

Sections and exactly what each value is
---------------------------------------
binary      {name, y: [ints] | [strings], score: [floats], weight, pos_label
             (int or string, same type as y), threshold, beta, ece_bins,
             expected, warnings}
            yb   = (y == pos_label) as 0/1 ints
            pred = (score >= threshold) as 0/1 ints (1 = positive)
            w    = weight or None; every sklearn call gets sample_weight=w.
            expected:
              accuracy           accuracy_score(yb, pred)
              balanced_accuracy  balanced_accuracy_score(yb, pred)
              precision, recall, f1, fbeta
                                 precision_score / recall_score / f1_score /
                                 fbeta_score(yb, pred, pos_label=1,
                                 zero_division=0.0, beta=beta)
              mcc                matthews_corrcoef(yb, pred)
              roc_auc            roc_auc_score(yb, score)
              average_precision  average_precision_score(yb, score)
              log_loss           log_loss(yb, score, labels=[0, 1])
              brier              brier_score_loss(yb, score)
              ece                see "ECE" below
              tp, fp, tn, fn     confusion_matrix(yb, pred, labels=[0, 1],
                                 sample_weight=w) entries as floats
                                 (tn, fp, fn, tp = cm.ravel()).
multiclass  {name, y: [labels], classes: [labels sorted as numpy.unique sorts
             them], proba: [[one row per sample, columns in `classes` order]],
             weight, k, expected, warnings}
            pred = classes[numpy.argmax(row)] (first maximum wins).
            expected (all with sample_weight=w):
              accuracy           accuracy_score(y, pred)
              precision_macro, recall_macro, f1_macro, precision_micro,
              recall_micro, f1_micro, precision_weighted, recall_weighted,
              f1_weighted        precision_score / recall_score / f1_score(
                                 y, pred, labels=classes, average=...,
                                 zero_division=0.0)
              log_loss           log_loss(y, proba, labels=classes)
              top_k_accuracy     top_k_accuracy_score(y, proba, k=k,
                                 labels=classes)
regression  {name, y, pred, weight, expected, warnings}
            expected (all with sample_weight=w): mae (mean_absolute_error),
            mse (mean_squared_error), rmse (root_mean_squared_error), r2
            (r2_score), mape (mean_absolute_percentage_error),
            explained_variance (explained_variance_score),
            median_absolute_error. All with default multioutput and
            force_finite=True.
bootstrap   {name, y: [0/1 ints], champion, candidate: [scores], weight,
             threshold, metric, seed (u64), resamples, expected:
             {differences, invalid}, warnings}
            For r = 0 .. resamples-1:
              state = (seed + (r + 1) * 0xD1B54A32D192ED03) mod 2^64
              n indices, each drawn with splitmix64 stepping:
                state = (state + 0x9E3779B97F4A7C15) mod 2^64
                z = state
                z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) mod 2^64
                z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) mod 2^64
                x = z ^ (z >> 31)
                index = (x * n) >> 64          (128-bit product, high word)
              idx = the n indices in draw order; w_r = weight[idx] or None.
              difference = M(y[idx], candidate[idx], w_r)
                           - M(y[idx], champion[idx], w_r)
            M by metric ("threshold metrics" use pred = score >= threshold):
              roc_auc            roc_auc_score(y, s, sample_weight=w)
              average_precision  average_precision_score(y, s, sample_weight=w)
              log_loss           log_loss(y, s, labels=[0, 1], sample_weight=w)
              brier              brier_score_loss(y, s, sample_weight=w)
              accuracy           accuracy_score(y, pred, sample_weight=w)
              f1                 f1_score(y, pred, pos_label=1,
                                 zero_division=0.0, sample_weight=w)
            A resample is INVALID when either M call raises OR returns nan
            (scikit-learn 1.9.1's roc_auc_score does not raise for a single
            class: it warns "Only one class is present in y_true. ROC AUC
            score is not defined in that case." and returns nan; that is the
            only source of invalid resamples in this file). Invalid resamples
            are skipped and counted in "invalid"; "differences" holds the
            valid differences sorted ascending (len = resamples - invalid).
            Note average_precision with no positive in a resample is 0.0 (a
            warning, not nan), so it would count as valid; no case here hits
            that.
delong      {name, y: [0/1], champion, candidate, expected: {auc_champion,
             auc_candidate, var_diff, z, p_value, auc_sklearn_champion,
             auc_sklearn_candidate}, warnings}
            MLstatkit.Delong_test(y, champion, candidate) with defaults
            (prob_A = champion, prob_B = candidate); the script asserts
            info["method"] == "delong" (no bootstrap fallback). Recipe (fast
            DeLong with 1-based midranks): order rows positives first (stable);
            m = #positives, n = #negatives; for each model, tx = midranks
            within positives, ty = midranks within negatives, tz = midranks in
            the whole sample (ties share the mean rank);
            auc = sum(tz[positives]) / (m*n) - (m + 1.0) / (2.0*n);
            v01 = (tz[pos] - tx) / n, v10 = 1.0 - (tz[neg] - ty) / m;
            S = cov(v01) / m + cov(v10) / n (2x2 numpy.cov, ddof 1, rows =
            models champion, candidate); var_diff = S00 + S11 - 2 S01
            (evaluated as [-1, 1] @ S @ [-1, 1]);
            z = (auc_candidate - auc_champion) / sqrt(var_diff);
            p_value = 2 * scipy.stats.norm.sf(|z|).
            auc_sklearn_* = sklearn roc_auc_score(y, scores) for cross-checking
            (agrees with the midrank AUC to rounding).
mcnemar     {name, y: [0/1], champion_pred, candidate_pred: [0/1], expected:
             {both_right, champion_only, candidate_only, both_wrong (ints),
             exact_statistic, exact_p_value, chi2_statistic, chi2_p_value},
             warnings}
            right = (pred == y). champion_only = champion right and candidate
            wrong; candidate_only = candidate right and champion wrong.
            table = [[both_right, champion_only], [candidate_only, both_wrong]]
            statsmodels.stats.contingency_tables.mcnemar(table, exact=True):
              statistic = min(b, c) (b = champion_only, c = candidate_only),
              p = min(1, 2 * binom.cdf(min(b, c), b + c, 0.5));
            mcnemar(table, exact=False, correction=True):
              statistic = (|b - c| - 1)^2 / (b + c), p = chi2.sf(statistic, 1).

ECE (binary "ece")
------------------
  edges = numpy.linspace(0, 1, ece_bins + 1), i.e. edge_i = i * (1.0 /
          ece_bins) (one rounding each; note edge_3 for 10 bins is
          0.30000000000000004, not 0.3) and the last edge exactly 1.0.
  bin   = numpy.searchsorted(edges[1:-1], score, side='left') = the number
          of inner edges strictly below score (as
          sklearn.calibration.calibration_curve does): a score exactly on an
          inner edge goes to the LOWER bin; 0.0 -> bin 0; 1.0 -> last bin.
  per bin b (weights w_i = weight or 1.0; sums accumulated in input order):
          W_b = sum w_i, Y_b = sum w_i * yb_i, S_b = sum w_i * score_i
  W     = sum of all w_i (numpy.sum)
  ece   = sum over bins b = 0 .. ece_bins-1 with W_b != 0, in bin order,
          starting from 0.0, of (W_b / W) * |Y_b / W_b - S_b / W_b|.
  Bins with W_b == 0 (empty, or only zero-weight rows) are skipped.

Library behaviours a reimplementation must copy (read from the installed
scikit-learn 1.9.1 / statsmodels / MLstatkit sources; the script checks
its own ports of the starred items against the library on every case: bit
for bit for the medians, to 1e-14 relative for mape, log_loss and brier)
-------------------------------------------------------------------------
* (*) median_absolute_error, unweighted: numpy.median(|pred - y|): odd n ->
  middle order statistic; even n -> (a + b) / 2 of the two middle order
  statistics.
* (*) median_absolute_error, weighted: sklearn.utils.stats.
  _weighted_percentile(|pred - y|, sample_weight, percentile_rank=50,
  average=True), i.e. numpy's "averaged_inverted_cdf" generalised to
  weights:
    1. if every weight is 0 -> nan.
    2. sort the errors ascending (numpy argsort, NOT stable; ties in any
       order), carry the weights along; cdf = running sum of the sorted
       weights (left to right, numpy.cumsum); total = cdf[n-1].
    3. target = 50 / 100 * total = 0.5 * total.
    4. i = first index with cdf[i] >= target (searchsorted side='left'),
       clipped to n - 1. (Leading zero-weight rows have cdf 0 < target and
       are never chosen.)
    5. if cdf[i] - target > 2.220446049250313e-16 (numpy float64 eps, an
       ABSOLUTE threshold, not relative): result = sorted[i] (the target
       lies strictly inside row i's weight: plain inverted CDF).
    6. otherwise (target equals cdf[i] to within eps) the result is the
       average (sorted[i] + sorted[j]) / 2 with j = i + 1 clipped to n - 1;
       if the row at j has weight exactly 0, j is replaced by the first
       index with cdf[j] > cdf[i] (searchsorted side='right' of cdf[i]),
       i.e. the next row with positive weight; if there is none (only
       zero-weight rows follow), j = i (result = sorted[i]).
  With ties among equal errors the unstable sort only permutes equal
  values, so the result is the same as with a stable sort except for
  last-bit differences of cdf inside a tie block (none here: no case that
  reaches step 6 has tied errors; the script's stable-sort port matches
  sklearn bit for bit on every case).
* (*) mape: mean over rows (weighted: sum(w * t) / sum(w)) of
  t = |pred - y| / max(|y|, eps) with eps = numpy.finfo(float64).eps =
  2.220446049250313e-16 (so y == 0 gives |pred| / 2.22e-16, huge, not inf).
* mae / mse: weighted mean sum(w * e) / sum(w) (unweighted: numpy.mean);
  rmse = sqrt(mse).
* r2: if n < 2: nan with UndefinedMetricWarning "R^2 score is not
  well-defined with less than two samples." (no force_finite handling).
  Otherwise numerator = sum(w * (y - pred)^2), denominator = sum(w * (y -
  ybar)^2) with ybar = the weighted mean of y (w = 1 unweighted);
  force_finite=True: numerator == 0 -> 1.0 (even if the denominator is 0);
  numerator != 0 and denominator == 0 -> 0.0; else 1 - numerator /
  denominator. Exact float comparisons with 0.
* explained_variance: d = y - pred; dbar = weighted mean of d; numerator =
  weighted MEAN of (d - dbar)^2 (= (y - pred - dbar)^2); denominator =
  weighted mean of (y - ybar)^2; same force_finite rule as r2 (numerator ==
  0 -> 1.0, else denominator == 0 -> 0.0). Unlike r2 there is NO n < 2
  special case: n = 1 gives 0 / 0 -> 1.0. A constant offset pred = y + c
  gives numerator 0 -> 1.0 (up to rounding of dbar).
* (*) log_loss: NO renormalisation of rows (sklearn only warns "The y_prob
  values do not sum to one..." when a row sum is not isclose(1, rtol =
  sqrt(eps))); probabilities are clipped to [eps, 1 - eps], eps =
  numpy.finfo(float64).eps = 2.220446049250313e-16 (1 - eps =
  0.9999999999999998). Binary (1-D score): the two columns are [1 - p, p],
  with 1 - p computed BEFORE clipping, then both clipped. Row loss =
  -log(clipped probability of the true class) (sklearn sums xlogy over
  the one-hot row; the other columns contribute exactly 0). Result = mean
  of the row losses (weighted: sum(w * l) / sum(w)). So p = 0.0 for a
  positive costs -log(eps) = 36.04365338911715, p = 1.0 for a positive
  costs -log(1 - eps) = 2.220446049250313e-16. labels=[0, 1] makes
  single-class y valid.
* (*) brier_score_loss (binary): 0.5 * weighted mean over rows of
  ((1 - yb) - (1 - p))^2 + (yb - p)^2, with 1 - p rounded first (so for yb
  = 0 the first term is (1 - (1 - p))^2, not p^2 exactly).
* precision / recall / fbeta from weighted counts: precision = tp / (tp +
  fp), recall = tp / (tp + fn), fbeta = (1 + beta^2) * tp / (beta^2 * (tp
  + fn) + (tp + fp)) (NOT computed from precision and recall); a 0
  denominator gives zero_division = 0.0 silently. Multiclass: per class
  from the one-vs-rest counts over `classes`; macro = plain mean of the
  per-class values; weighted = mean weighted by each class's weighted
  support (tp + fn); micro = the same formulas on the counts summed over
  classes.
* balanced_accuracy: C = confusion_matrix(yb, pred) over the labels that
  occur in yb OR pred (zero-weight rows included!); per-class recall =
  C[i, i] / row sum; rows with 0 / 0 (a class present only in pred, or
  whose rows all have weight 0) are dropped with the warning "y_pred
  contains classes not in y_true"; result = mean of the rest.
* mcc: same confusion matrix over labels in yb or pred; t = row sums, p =
  column sums, c = trace, s = total; cov_tp = c*s - t.p, cov_pp = s^2 -
  p.p, cov_tt = s^2 - t.t; 0.0 if cov_pp * cov_tt == 0 else cov_tp /
  sqrt(cov_pp * cov_tt).
* roc_auc: first, if yb over ALL rows (zero-weight rows included) has one
  class: nan with UndefinedMetricWarning "Only one class is present in
  y_true. ROC AUC score is not defined in that case." (it does NOT raise).
  Otherwise roc_curve: rows with weight exactly 0 are REMOVED; sort by score
  descending (stable); tps / fps = running weighted sums (numpy.cumsum, left
  to right) taken at the last row of each distinct score (ties grouped);
  points collinear with their neighbours are dropped; (0, 0) prepended;
  fpr = fps / fps[-1], tpr = tps / tps[-1]; AUC = trapezoid over (fpr,
  tpr). If after dropping zero-weight rows no negative (positive) remains,
  it warns "No negative samples in y_true, false positive value should be
  meaningless" ("No positive samples in y_true, true positive value should
  be meaningless"), that axis is all nan and the AUC is nan (case
  positives_only_in_zero_weight_rows).
* average_precision: zero-weight rows removed, same tps / fps; P_k =
  tps_k / (tps_k + fps_k), R_k = tps_k / tps_last; result = max(0, sum
  over distinct thresholds from high to low of (R_k - R_{k-1}) * P_k) with
  R_0 = 0 (sklearn: -sum(diff(recall) * precision[:-1])). No positives
  (after dropping zero-weight rows): warning "No positive class found in
  y_true, recall is set to one for all thresholds." and the result is 0.0
  (not nan, not an error); no negatives: 1.0. Rounding can give
  0.9999999999999999 for a perfect ranking (case perfect_separation).
* top_k_accuracy (multiclass): per row, classes ranked by
  numpy.argsort(row, kind='mergesort')[::-1], i.e. descending with TIES
  BROKEN TOWARDS THE HIGHER CLASS INDEX (the opposite of argmax's
  first-maximum rule used for pred); a hit when the true class is among
  the first k. Result = numpy.average(hits, weights=w). k >= number of
  classes warns and gives 1.0.

Cases where a library raises or warns, and how they are encoded
---------------------------------------------------------------
* roc_auc with one class (only_negatives*, only_positives, n1_*): "nan"
  plus the "Only one class" UndefinedMetricWarning; with both classes
  present but the positives all at weight 0
  (positives_only_in_zero_weight_rows): "nan" plus "No positive samples in
  y_true, ..." (see above). roc_auc_error never occurs: sklearn 1.9.1 does
  not raise here.
* average_precision with only negatives: 0.0 plus the "No positive class
  found" warning (see above).
* r2 with n = 1: "nan" plus a warning. explained_variance n = 1: 1.0.
* balanced_accuracy: warning "y_pred contains classes not in y_true" when a
  label that occurs in yb or pred has confusion-matrix row sum 0 (absent
  from yb, or present only in zero-weight rows); that class is dropped.
* n1_positive: confusion_matrix (inside balanced_accuracy_score and
  matthews_corrcoef, which do not pass labels) warns "A single label was
  found in 'y_true' and 'y_pred'. For the confusion matrix to have the
  correct shape, use the 'labels' parameter to pass all known labels.";
  balanced_accuracy is then 1.0 and mcc 0.0.
* mcnemar b = c = 0: exact: statistic 0.0, p = min(1, 2 * binom.cdf(0, 0,
  0.5)) = 1.0; chi2: (0 - 1)^2 / 0.0 in numpy float64 = inf (RuntimeWarning
  "divide by zero encountered in scalar divide"), p = chi2.sf(inf, 1) =
  0.0. Written as "inf" and 0.0.
* All warnings actually seen are listed per case and in
  generated_by.warnings.
"""

import importlib.metadata
import json
import math
import os
import platform
import sys
import warnings

import numpy as np
import scipy
import sklearn
import sklearn.metrics as skm
import statsmodels
from statsmodels.stats.contingency_tables import mcnemar
import MLstatkit
from MLstatkit import Delong_test

SEED = 20250612
rng = np.random.default_rng(SEED)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "quality.json")

WARNINGS = []  # (section, name, message)
MASK64 = (1 << 64) - 1
EPS = float(np.finfo(np.float64).eps)


# ---------------------------------------------------------------- helpers

def clean(x):
    """numpy -> python, non-finite floats -> strings."""
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [clean(v) for v in x]
    if isinstance(x, np.ndarray):
        return [clean(v) for v in x.tolist()]
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        f = float(x)
        if math.isnan(f):
            return "nan"
        if math.isinf(f):
            return "inf" if f > 0 else "-inf"
        return f
    if isinstance(x, np.str_):
        return str(x)
    return x


def dumps(obj, level=0):
    """Indented JSON (indent 1) with arrays of scalars on one line."""
    pad = " " * level
    pad1 = " " * (level + 1)
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        items = [pad1 + json.dumps(k) + ": " + dumps(v, level + 1) for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list):
        if all(not isinstance(v, (dict, list)) for v in obj):
            return "[" + ",".join(json.dumps(v, allow_nan=False) for v in obj) + "]"
        items = [pad1 + dumps(v, level + 1) for v in obj]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return json.dumps(obj, allow_nan=False)


class Case:
    """Collects expected values and warnings for one case."""

    def __init__(self, section, name):
        self.section = section
        self.name = name
        self.expected = {}
        self.warnings = []

    def _note(self, caught):
        for w in caught:
            msg = f"{w.category.__name__}: {w.message}"
            if msg not in self.warnings:
                self.warnings.append(msg)
            WARNINGS.append((self.section, self.name, msg))

    def run(self, fn, *args, **kwargs):
        """Call fn, recording warnings; returns (value, error_message)."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                out, err = fn(*args, **kwargs), None
            except Exception as e:  # recorded, see docstring
                out, err = None, f"{type(e).__name__}: {e}"
        self._note(caught)
        return out, err

    def put(self, key, fn, *args, **kwargs):
        out, err = self.run(fn, *args, **kwargs)
        if err is not None:
            self.expected[key] = None
            self.expected[key + "_error"] = err
        else:
            self.expected[key] = float(out)
        return out


def unique_names(cases, section):
    names = [c["name"] for c in cases]
    dup = {n for n in names if names.count(n) > 1}
    assert not dup, (section, sorted(dup))


def floats(a):
    return [float(v) for v in np.asarray(a, dtype=np.float64)]


def wts(n, lo=0.0001, hi=2.0):
    """Weights uniform in [lo, hi], rounded to 4 decimals (keeps the file small)."""
    return np.round(rng.uniform(lo, hi, n), 4)


def r10(a):
    """Scores rounded to 10 decimals (only for the large cases, file size)."""
    return np.round(np.asarray(a, dtype=np.float64), 10)


def quantise_rows(p, scale=10 ** 6):
    """Probability rows as k / scale with integer k summing to scale per row."""
    k = np.round(p * scale).astype(np.int64)
    top = np.argmax(p, axis=1)
    k[np.arange(len(k)), top] += scale - k.sum(axis=1)
    assert np.all(k >= 0) and np.all(k.sum(axis=1) == scale)
    return k / scale


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def same(a, b):
    a, b = float(a), float(b)
    return a == b or (math.isnan(a) and math.isnan(b))


# ------------------------------------------------ self-checked library ports

def port_weighted_median(x, w):
    """_weighted_percentile(x, w, 50, average=True) as documented."""
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    if np.all(w == 0):
        return math.nan
    order = np.argsort(x, kind="stable")
    xs, ws = x[order], w[order]
    cdf = np.cumsum(ws)
    n = len(xs)
    target = 0.5 * cdf[-1]
    i = min(int(np.searchsorted(cdf, target, side="left")), n - 1)
    if cdf[i] - target > EPS:
        return float(xs[i])
    j = min(i + 1, n - 1)
    if ws[j] == 0:
        j = int(np.searchsorted(cdf, cdf[i], side="right"))
        if j > n - 1:
            j = i
    return float((xs[i] + xs[j]) / 2)


def port_median(x):
    s = sorted(float(v) for v in x)
    n = len(s)
    if n % 2:
        return s[n // 2]
    return (s[n // 2 - 1] + s[n // 2]) / 2


def port_mape(y, p, w):
    t = np.abs(p - y) / np.maximum(np.abs(y), EPS)
    if w is None:
        return float(np.mean(t))
    return float(np.sum(t * w) / np.sum(w))


def port_log_loss_binary(yb, p, w):
    p1 = np.clip(p, EPS, 1 - EPS)
    p0 = np.clip(1 - p, EPS, 1 - EPS)
    loss = -np.where(yb == 1, np.log(p1), np.log(p0))
    if w is None:
        return float(np.mean(loss))
    return float(np.sum(loss * w) / np.sum(w))


def port_log_loss_multi(y, proba, classes, w):
    idx = np.searchsorted(np.asarray(classes), np.asarray(y))
    pt = np.clip(proba[np.arange(len(idx)), idx], EPS, 1 - EPS)
    loss = -np.log(pt)
    if w is None:
        return float(np.mean(loss))
    return float(np.sum(loss * w) / np.sum(w))


def port_brier(yb, p, w):
    t = ((1 - yb) - (1 - p)) ** 2 + (yb - p) ** 2
    if w is None:
        return 0.5 * float(np.mean(t))
    return 0.5 * float(np.sum(t * w) / np.sum(w))


def close(a, b, rtol=1e-14):
    a, b = float(a), float(b)
    if same(a, b):
        return True
    return abs(a - b) <= rtol * max(abs(a), abs(b))


def ece_score(yb, score, w, bins):
    edges = np.linspace(0.0, 1.0, bins + 1)
    step = 1.0 / bins
    assert all(float(edges[i]) == i * step for i in range(bins)) and edges[-1] == 1.0
    binid = np.searchsorted(edges[1:-1], score, side="left")
    ww = np.ones(len(score)) if w is None else np.asarray(w, dtype=np.float64)
    wb = np.bincount(binid, weights=ww, minlength=bins)
    yb_sum = np.bincount(binid, weights=ww * yb, minlength=bins)
    sb_sum = np.bincount(binid, weights=ww * score, minlength=bins)
    total = float(np.sum(ww))
    ece = 0.0
    for b in range(bins):
        Wb = float(wb[b])
        if Wb == 0.0:
            continue
        ece += (Wb / total) * abs(float(yb_sum[b]) / Wb - float(sb_sum[b]) / Wb)
    return ece


# ---------------------------------------------------------------- binary

def make_binary():
    cases = []

    def add(name, y, score, weight=None, pos_label=1, threshold=0.5, beta=1.0, ece_bins=10):
        c = Case("binary", name)
        y = list(y)
        if isinstance(y[0], str):
            assert all(isinstance(v, str) for v in y) and isinstance(pos_label, str)
            y_json = [str(v) for v in y]
        else:
            y_json = [int(v) for v in y]
            assert isinstance(pos_label, int)
        score = np.asarray(score, dtype=np.float64)
        assert np.all((score >= 0) & (score <= 1))
        w = None if weight is None else np.asarray(weight, dtype=np.float64)
        yb = (np.asarray(y_json, dtype=object) == pos_label).astype(np.int64)
        pred = (score >= threshold).astype(np.int64)
        e = c.expected
        c.put("accuracy", skm.accuracy_score, yb, pred, sample_weight=w)
        c.put("balanced_accuracy", skm.balanced_accuracy_score, yb, pred, sample_weight=w)
        kw = dict(pos_label=1, zero_division=0.0, sample_weight=w)
        c.put("precision", skm.precision_score, yb, pred, **kw)
        c.put("recall", skm.recall_score, yb, pred, **kw)
        c.put("f1", skm.f1_score, yb, pred, **kw)
        c.put("fbeta", skm.fbeta_score, yb, pred, beta=beta, **kw)
        c.put("mcc", skm.matthews_corrcoef, yb, pred, sample_weight=w)
        c.put("roc_auc", skm.roc_auc_score, yb, score, sample_weight=w)
        c.put("average_precision", skm.average_precision_score, yb, score, sample_weight=w)
        c.put("log_loss", skm.log_loss, yb, score, labels=[0, 1], sample_weight=w)
        c.put("brier", skm.brier_score_loss, yb, score, sample_weight=w)
        e["ece"] = ece_score(yb, score, w, ece_bins)
        cm, err = c.run(skm.confusion_matrix, yb, pred, labels=[0, 1], sample_weight=w)
        assert err is None, err
        tn, fp, fn, tp = (float(v) for v in np.asarray(cm).ravel())
        e.update({"tp": tp, "fp": fp, "tn": tn, "fn": fn})
        # self-checks of the documented recipes
        if e["log_loss"] is not None:
            assert close(e["log_loss"], port_log_loss_binary(yb, score, w)), name
        if e["brier"] is not None:
            assert close(e["brier"], port_brier(yb, score, w)), name
        cases.append({"name": name, "y": y_json, "score": floats(score),
                      "weight": None if w is None else floats(w),
                      "pos_label": pos_label, "threshold": float(threshold),
                      "beta": float(beta), "ece_bins": int(ece_bins),
                      "expected": e, "warnings": c.warnings})

    def signal(n, prev=0.4, sep=1.5):
        y = (rng.random(n) < prev).astype(np.int64)
        s = sigmoid(sep * (2 * y - 1) + rng.standard_normal(n))
        return y, s

    y, s = signal(500)
    add("random_n500_unweighted", y, s)
    y, s = signal(500)
    add("random_n500_weighted_t03_beta2_bins15", y, s, weight=wts(500),
        threshold=0.3, beta=2.0, ece_bins=15)
    y, s = signal(400, sep=0.8)
    add("heavy_ties_rounded_1dp", y, np.round(s, 1), beta=0.5)
    y, s = signal(400, sep=0.8)
    add("heavy_ties_rounded_1dp_weighted_bins15", y, np.round(s, 1),
        weight=wts(400), ece_bins=15, threshold=0.3)
    y, s = signal(500)
    wz = wts(500)
    wz[rng.random(500) < 0.2] = 0.0
    add("weights_with_zeros", y, s, weight=wz, beta=0.5)
    y, s = signal(300)
    add("string_labels_pos_bad", ["bad" if v else "good" for v in y], s, pos_label="bad")
    y, s = signal(300)
    add("int_labels_pos_label_0", 1 - y, s, pos_label=0, threshold=0.3, beta=2.0)
    y = (rng.random(300) < 0.5).astype(np.int64)
    hard = np.where(rng.random(300) < 0.85, y, 1 - y).astype(np.float64)
    add("hard_scores_0_1", y, hard)
    y, s = signal(300)
    s = s.copy()
    k = rng.permutation(300)
    s[k[:20]] = y[k[:20]].astype(np.float64)          # exactly right, 0.0 / 1.0
    s[k[20:30]] = 1.0 - y[k[20:30]].astype(np.float64)  # exactly wrong
    s[k[30:35]] = 1e-300
    s[k[35:40]] = 1.0 - 2 ** -53                      # rounds 1 - p to 2^-53 < eps
    add("exact_0_and_1_probabilities", y, s, weight=wts(300), ece_bins=15)
    add("only_negatives", np.zeros(200, dtype=np.int64), rng.beta(1, 4, 200))
    add("only_negatives_weighted", np.zeros(200, dtype=np.int64), rng.beta(1, 4, 200),
        weight=wts(200), threshold=0.3)
    add("only_positives", np.ones(200, dtype=np.int64), rng.beta(4, 1, 200), beta=2.0)
    y = (rng.random(300) < 0.3).astype(np.int64)
    sep = np.where(y == 1, rng.uniform(0.6, 1.0, 300), rng.uniform(0.0, 0.4, 300))
    add("perfect_separation", y, sep)
    y, s = signal(300)
    add("all_predictions_negative", y, s * 0.4, threshold=0.5)
    add("all_predictions_negative_weighted", y, s * 0.25, threshold=0.3,
        weight=wts(300))
    add("n1_positive", [1], [0.7])
    add("n1_negative_t03", [0], [0.3], threshold=0.3, ece_bins=15)
    y, s = signal(200)
    wp = wts(200, 0.5, 2.0)
    wp[y == 1] = 0.0
    add("positives_only_in_zero_weight_rows", y, s, weight=wp)
    y, s = signal(5000, prev=0.3, sep=1.0)
    add("large_n5000_weighted_bins15", y, r10(s), weight=wts(5000),
        ece_bins=15, beta=0.5)
    return cases


# ---------------------------------------------------------------- multiclass

def softmax_rows(logits):
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def make_multiclass():
    cases = []

    def add(name, y, classes, proba, weight=None, k=2):
        c = Case("multiclass", name)
        classes = list(classes)
        assert classes == sorted(classes)
        y_arr = np.asarray(y)
        assert list(np.unique(np.asarray(classes))) == classes
        proba = np.asarray(proba, dtype=np.float64)
        assert proba.shape == (len(y_arr), len(classes))
        w = None if weight is None else np.asarray(weight, dtype=np.float64)
        pred = np.asarray(classes)[np.argmax(proba, axis=1)]
        c.put("accuracy", skm.accuracy_score, y_arr, pred, sample_weight=w)
        for avg in ("macro", "micro", "weighted"):
            kw = dict(labels=classes, average=avg, zero_division=0.0, sample_weight=w)
            c.put(f"precision_{avg}", skm.precision_score, y_arr, pred, **kw)
            c.put(f"recall_{avg}", skm.recall_score, y_arr, pred, **kw)
            c.put(f"f1_{avg}", skm.f1_score, y_arr, pred, **kw)
        c.put("log_loss", skm.log_loss, y_arr, proba, labels=classes, sample_weight=w)
        c.put("top_k_accuracy", skm.top_k_accuracy_score, y_arr, proba, k=k,
              labels=classes, sample_weight=w)
        assert close(c.expected["log_loss"], port_log_loss_multi(y_arr, proba, classes, w)), name
        e = c.expected
        order = ["accuracy"] + [f"{m}_{a}" for a in ("macro", "micro", "weighted")
                                for m in ("precision", "recall", "f1")] + ["log_loss", "top_k_accuracy"]
        e = {key: e[key] for key in order}
        cases.append({"name": name, "y": clean([v.item() if hasattr(v, "item") else v for v in y_arr]),
                      "classes": classes, "proba": [floats(r) for r in proba],
                      "weight": None if w is None else floats(w), "k": int(k),
                      "expected": e, "warnings": c.warnings})

    def draw(n, kc, strength=1.5, bias=None):
        y = rng.integers(0, kc, n)
        logits = rng.standard_normal((n, kc))
        logits[np.arange(n), y] += strength
        if bias is not None:
            logits = logits + np.asarray(bias)
        return y, softmax_rows(logits)

    y, p = draw(400, 4)
    add("c4_random_n400_unweighted", y, [0, 1, 2, 3], p)
    y, p = draw(400, 4)
    add("c4_random_n400_weighted_k1", y, [0, 1, 2, 3], p, weight=wts(400), k=1)
    y, p = draw(300, 3)
    names = np.array(["bird", "cat", "dog"])
    add("c3_string_labels", names[y], ["bird", "cat", "dog"], p, weight=wts(300))
    y, p = draw(300, 4)
    y = np.where(y == 2, 3, y)  # class 2 never present in y
    add("c4_class_2_absent_from_y", y, [0, 1, 2, 3], p)
    y, p = draw(300, 4, bias=[0.0, 0.0, -6.0, 0.0])  # class 2 never predicted
    pred_cls = np.argmax(p, axis=1)
    assert not np.any(pred_cls == 2)
    add("c4_class_2_never_predicted", y, [0, 1, 2, 3], p, weight=wts(300))
    # rows with tied probabilities: top-k ties broken towards the higher index
    tie_rows = [
        [0.25, 0.25, 0.25, 0.25],
        [0.4, 0.4, 0.1, 0.1],
        [0.1, 0.4, 0.1, 0.4],
        [0.5, 0.2, 0.2, 0.1],
        [0.2, 0.2, 0.2, 0.4],
        [0.1, 0.3, 0.3, 0.3],
    ]
    n_t = 240
    rows = np.array([tie_rows[i % len(tie_rows)] for i in range(n_t)], dtype=np.float64)
    y = rng.integers(0, 4, n_t)
    add("c4_tied_probabilities_k2", y, [0, 1, 2, 3], rows, k=2)
    add("c4_tied_probabilities_k1", y, [0, 1, 2, 3], rows, k=1)
    add("c4_tied_probabilities_k3_weighted", y, [0, 1, 2, 3], rows, k=3,
        weight=wts(n_t))
    y, p = draw(200, 4)
    y = np.where(y >= 2, 3, 0)  # only two of four classes present (y "binary")
    add("c4_only_two_classes_present", y, [0, 1, 2, 3], p, k=2)
    y, p = draw(200, 3)
    add("c3_k_equals_n_classes", np.array([10, 20, 30])[y], [10, 20, 30], p, k=3)
    y, p = draw(5000, 3, strength=1.0)
    add("c3_n5000_weighted_quantised_1e-6", y, [0, 1, 2], quantise_rows(p), weight=wts(5000), k=2)
    return cases


# ---------------------------------------------------------------- regression

def make_regression():
    cases = []

    def add(name, y, pred, weight=None):
        c = Case("regression", name)
        y = np.asarray(y, dtype=np.float64)
        pred = np.asarray(pred, dtype=np.float64)
        w = None if weight is None else np.asarray(weight, dtype=np.float64)
        kw = dict(sample_weight=w)
        c.put("mae", skm.mean_absolute_error, y, pred, **kw)
        c.put("mse", skm.mean_squared_error, y, pred, **kw)
        c.put("rmse", skm.root_mean_squared_error, y, pred, **kw)
        c.put("r2", skm.r2_score, y, pred, **kw)
        c.put("mape", skm.mean_absolute_percentage_error, y, pred, **kw)
        c.put("explained_variance", skm.explained_variance_score, y, pred, **kw)
        c.put("median_absolute_error", skm.median_absolute_error, y, pred, **kw)
        e = c.expected
        err = np.abs(pred - y)
        if w is None:
            assert same(e["median_absolute_error"], port_median(err)), name
        else:
            assert same(e["median_absolute_error"], port_weighted_median(err, w)), name
        assert close(e["mape"], port_mape(y, pred, w)), name
        cases.append({"name": name, "y": floats(y), "pred": floats(pred),
                      "weight": None if w is None else floats(w),
                      "expected": e, "warnings": c.warnings})

    y = rng.standard_normal(500) * 3 + 10
    add("random_n500", y, y + rng.standard_normal(500))
    y = rng.standard_normal(500) * 3 + 10
    add("random_n500_weighted", y, y + rng.standard_normal(500), wts(500))
    y = rng.standard_normal(400) * 2
    wz = wts(400)
    wz[rng.random(400) < 0.2] = 0.0
    add("weights_with_zeros", y, y + rng.standard_normal(400), wz)
    # 0/1 weights (about 20% zeros) arranged so that the weighted median's
    # target 0.5 * total equals cdf[i] exactly and the next sorted row has
    # weight 0: the averaging branch has to skip it (docstring step 6).
    y = rng.standard_normal(301) * 2
    pred = y + rng.standard_normal(301)
    err = np.abs(pred - y)
    wb = (rng.random(301) >= 0.2).astype(np.float64)
    order = np.argsort(err, kind="stable")
    if int(wb.sum()) % 2:
        wb[order[-1]] = 0.0 if wb[order[-1]] == 1.0 else 1.0
    cdf = np.cumsum(wb[order])
    i = int(np.searchsorted(cdf, 0.5 * cdf[-1]))
    assert cdf[i] == 0.5 * cdf[-1]
    moved = wb[order[i + 1]]
    wb[order[i + 1]] = 0.0
    wb[order[-1]] += moved  # total, cdf[i] and target unchanged
    add("binary_weights_with_zeros_exact_hit_skips_zero", y, pred, wb)
    add("weighted_median_average_skips_zero_weight",
        [10.0, 10.0, 10.0, 10.0, 10.0, 10.0], [11.0, 12.0, 13.0, 14.0, 15.0, 16.0],
        [1.0, 1.0, 0.0, 0.0, 1.0, 1.0])
    add("weighted_median_exact_hit_next_positive",
        [10.0, 10.0, 10.0, 10.0], [11.0, 12.0, 13.0, 14.0], [1.0, 1.0, 0.0, 0.0])
    add("weighted_median_inside_weight", [10.0] * 4, [11.0, 12.0, 13.0, 14.0], [1.0, 3.0, 1.0, 1.0])
    # the eps test in step 5 is absolute: with tiny weights every target is
    # "equal" to cdf[i] and the result is averaged ...
    add("weighted_median_tiny_weights_absolute_eps", [1.0, 5.0, 9.0], [2.0, 7.0, 12.0],
        [1e-16, 1e-16, 1e-16])
    # ... and when only zero-weight rows follow, j falls back to i.
    add("weighted_median_tiny_weights_trailing_zero", [1.0, 5.0, 9.0], [2.0, 7.0, 12.0],
        [3e-16, 0.0, 0.0])
    y = rng.standard_normal(301)
    y[rng.permutation(301)[:15]] = 0.0
    add("y_contains_zeros_mape_eps_odd_n301", y, y + 0.1 * rng.standard_normal(301))
    add("constant_y_perfect", [3.5] * 50, [3.5] * 50)
    add("constant_y_imperfect", [3.5] * 50, 3.5 + rng.standard_normal(50))
    add("constant_y_constant_offset", [3.5] * 50, [4.0] * 50)
    add("n1", [2.0], [2.5])
    add("n1_weighted", [2.0], [2.5], [0.7])
    y = rng.standard_normal(200)
    add("even_n200_unweighted", y, y + rng.standard_normal(200))
    add("even_n4_unweighted", [1.0, 2.0, 3.0, 4.0], [1.5, 2.0, 4.0, 8.0])
    y = np.round(rng.uniform(0, 5, 400))
    add("heavy_ties", y, np.round(y + rng.standard_normal(400)))
    add("heavy_ties_weighted", y, np.round(y + rng.standard_normal(400)),
        np.round(rng.uniform(0, 2, 400), 1))  # 1-decimal weights, some 0.0
    return cases


# ---------------------------------------------------------------- bootstrap

def resample_indices(seed, r, n):
    state = (seed + (r + 1) * 0xD1B54A32D192ED03) & MASK64
    out = []
    for _ in range(n):
        state = (state + 0x9E3779B97F4A7C15) & MASK64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        x = z ^ (z >> 31)
        out.append((x * n) >> 64)
    return out


def _self_check_splitmix():
    # seed 0, r = -1 would be state 0: the first outputs of splitmix64(0)
    # are the well-known reference vectors.
    st = 0
    got = []
    for _ in range(3):
        st = (st + 0x9E3779B97F4A7C15) & MASK64
        z = st
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        got.append(z ^ (z >> 31))
    assert got == [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F]


def metric_fn(metric, threshold):
    if metric == "roc_auc":
        return lambda y, s, w: skm.roc_auc_score(y, s, sample_weight=w)
    if metric == "average_precision":
        return lambda y, s, w: skm.average_precision_score(y, s, sample_weight=w)
    if metric == "log_loss":
        return lambda y, s, w: skm.log_loss(y, s, labels=[0, 1], sample_weight=w)
    if metric == "brier":
        return lambda y, s, w: skm.brier_score_loss(y, s, sample_weight=w)
    if metric == "accuracy":
        return lambda y, s, w: skm.accuracy_score(y, (s >= threshold).astype(np.int64), sample_weight=w)
    if metric == "f1":
        return lambda y, s, w: skm.f1_score(y, (s >= threshold).astype(np.int64), pos_label=1,
                                            zero_division=0.0, sample_weight=w)
    raise ValueError(metric)


def make_bootstrap():
    cases = []

    def add(name, y, champion, candidate, metric, seed, resamples, weight=None, threshold=0.5,
            expect_invalid=False):
        c = Case("bootstrap", name)
        y = np.asarray(y, dtype=np.int64)
        champion = np.asarray(champion, dtype=np.float64)
        candidate = np.asarray(candidate, dtype=np.float64)
        w = None if weight is None else np.asarray(weight, dtype=np.float64)
        n = len(y)
        fn = metric_fn(metric, threshold)
        diffs = []
        invalid = 0
        for r in range(resamples):
            idx = np.asarray(resample_indices(seed, r, n), dtype=np.int64)
            assert idx.min() >= 0 and idx.max() < n
            wr = None if w is None else w[idx]
            a, ea = c.run(fn, y[idx], candidate[idx], wr)
            b, eb = c.run(fn, y[idx], champion[idx], wr)
            if ea is not None or eb is not None or math.isnan(float(a)) or math.isnan(float(b)):
                invalid += 1
                continue
            diffs.append(float(a) - float(b))
        diffs.sort()
        assert (invalid > 0) == expect_invalid, (name, invalid)
        assert not any("No positive class found" in m for m in c.warnings), name
        cases.append({"name": name, "y": [int(v) for v in y], "champion": floats(champion),
                      "candidate": floats(candidate),
                      "weight": None if w is None else floats(w),
                      "threshold": float(threshold), "metric": metric, "seed": int(seed),
                      "resamples": int(resamples),
                      "expected": {"differences": diffs, "invalid": invalid},
                      "warnings": c.warnings})

    def models(n, prev=0.4, noise=1.0, extra=0.5):
        y = (rng.random(n) < prev).astype(np.int64)
        truth = 1.5 * (2 * y - 1)
        champ_logit = truth + noise * rng.standard_normal(n)
        cand_logit = champ_logit + extra * rng.standard_normal(n) + 0.2 * (2 * y - 1)
        return y, sigmoid(champ_logit), sigmoid(cand_logit)

    y, a, b = models(300)
    add("roc_auc_n300", y, a, b, "roc_auc", 12345, 200)
    y, a, b = models(300)
    add("accuracy_n300", y, a, b, "accuracy", 0xFFFFFFFFFFFFFFFF, 200)
    y, a, b = models(200)
    add("log_loss_weighted_n200", y, a, b, "log_loss", 7, 200, weight=wts(200))
    y = np.array([0, 0, 0, 0, 0, 0, 1, 1], dtype=np.int64)
    a = np.array([0.1, 0.3, 0.2, 0.6, 0.4, 0.2, 0.7, 0.5])
    b = np.array([0.2, 0.25, 0.1, 0.5, 0.45, 0.3, 0.8, 0.6])
    add("roc_auc_tiny_n8_some_invalid", y, a, b, "roc_auc", 2025, 100, expect_invalid=True)
    y, a, b = models(200)
    add("average_precision_n200", y, a, b, "average_precision", 99, 200)
    y, a, b = models(200)
    add("f1_n200_t03", y, a, b, "f1", 1 << 63, 200, threshold=0.3)
    y, a, b = models(200)
    add("brier_weighted_n200", y, a, b, "brier", 31337, 150, weight=wts(200))
    return cases


# ---------------------------------------------------------------- delong

def make_delong():
    cases = []

    def add(name, y, champion, candidate):
        c = Case("delong", name)
        y = np.asarray(y, dtype=np.int64)
        champion = np.asarray(champion, dtype=np.float64)
        candidate = np.asarray(candidate, dtype=np.float64)
        res, err = c.run(Delong_test, y, champion, candidate)
        assert err is None, err
        z, p, _ci_a, _ci_b, auc_a, auc_b, info = res
        assert info["method"] == "delong", name
        e = {"auc_champion": float(auc_a), "auc_candidate": float(auc_b),
             "var_diff": float(info["var_diff"]), "z": float(z), "p_value": float(p)}
        c.expected = e
        c.put("auc_sklearn_champion", skm.roc_auc_score, y, champion)
        c.put("auc_sklearn_candidate", skm.roc_auc_score, y, candidate)
        assert close(e["auc_champion"], e["auc_sklearn_champion"], 1e-12)
        assert close(e["auc_candidate"], e["auc_sklearn_candidate"], 1e-12)
        cases.append({"name": name, "y": [int(v) for v in y], "champion": floats(champion),
                      "candidate": floats(candidate), "expected": e, "warnings": c.warnings})

    def models(n, prev=0.4, extra=0.7):
        y = (rng.random(n) < prev).astype(np.int64)
        truth = 1.2 * (2 * y - 1)
        a = truth + rng.standard_normal(n)
        b = a + extra * rng.standard_normal(n) + 0.15 * (2 * y - 1)
        return y, sigmoid(a), sigmoid(b)

    y, a, b = models(300)
    add("random_n300", y, a, b)
    y, a, b = models(300)
    add("heavy_ties_rounded_1dp", y, np.round(a, 1), np.round(b, 1))
    y, a, b = models(5000, extra=0.5)
    add("large_n5000", y, r10(a), r10(b))
    y, a, b = models(1000, prev=0.05)
    add("unbalanced_5pct_n1000", y, r10(a), r10(b))
    y = (rng.random(400) < 0.5).astype(np.int64)
    a = sigmoid(1.0 * (2 * y - 1) + rng.standard_normal(400))
    b = np.clip(a + 1e-3 * rng.standard_normal(400), 0.0, 1.0)
    add("nearly_identical_models", y, a, b)
    return cases


# ---------------------------------------------------------------- mcnemar

def make_mcnemar():
    cases = []

    def add(name, y, champ, cand):
        c = Case("mcnemar", name)
        y = np.asarray(y, dtype=np.int64)
        champ = np.asarray(champ, dtype=np.int64)
        cand = np.asarray(cand, dtype=np.int64)
        ra, rb = champ == y, cand == y
        both_right = int(np.sum(ra & rb))
        champion_only = int(np.sum(ra & ~rb))
        candidate_only = int(np.sum(~ra & rb))
        both_wrong = int(np.sum(~ra & ~rb))
        table = [[both_right, champion_only], [candidate_only, both_wrong]]
        ex, err = c.run(mcnemar, table, exact=True)
        assert err is None, err
        ch, err = c.run(mcnemar, table, exact=False, correction=True)
        assert err is None, err
        e = {"both_right": both_right, "champion_only": champion_only,
             "candidate_only": candidate_only, "both_wrong": both_wrong,
             "exact_statistic": float(ex.statistic), "exact_p_value": float(ex.pvalue),
             "chi2_statistic": float(ch.statistic), "chi2_p_value": float(ch.pvalue)}
        cases.append({"name": name, "y": [int(v) for v in y], "champion_pred": [int(v) for v in champ],
                      "candidate_pred": [int(v) for v in cand], "expected": e,
                      "warnings": c.warnings})

    def correlated(n, err_a=0.15, err_b=0.12, rho=0.6):
        y = rng.integers(0, 2, n)
        shared = rng.random(n)
        ua = np.where(rng.random(n) < rho, shared, rng.random(n))
        ub = np.where(rng.random(n) < rho, shared, rng.random(n))
        a = np.where(ua < err_a, 1 - y, y)
        b = np.where(ub < err_b, 1 - y, y)
        return y, a, b

    def exact_counts(n, b, c_, both_wrong):
        """y, champion, candidate with exactly the given discordant counts."""
        y = rng.integers(0, 2, n)
        kind = np.zeros(n, dtype=np.int64)  # 0 both right
        perm = rng.permutation(n)
        kind[perm[:b]] = 1                       # champion only right
        kind[perm[b:b + c_]] = 2                 # candidate only right
        kind[perm[b + c_:b + c_ + both_wrong]] = 3
        a = np.where((kind == 2) | (kind == 3), 1 - y, y)
        bb = np.where((kind == 1) | (kind == 3), 1 - y, y)
        return y, a, bb

    add("random_n500_correlated", *correlated(500))
    add("small_discordant_b2_c5", *exact_counts(200, 2, 5, 12))
    add("small_discordant_b0_c3", *exact_counts(120, 0, 3, 4))
    add("b_equals_c_7", *exact_counts(300, 7, 7, 20))
    add("b_equals_c_40", *exact_counts(400, 40, 40, 30))
    add("b_c_zero", *exact_counts(100, 0, 0, 9))
    add("large_n5000_correlated", *correlated(5000, 0.2, 0.18, 0.7))
    return cases


# ---------------------------------------------------------------- main

def main():
    _self_check_splitmix()
    sections = [
        ("binary", make_binary),
        ("multiclass", make_multiclass),
        ("regression", make_regression),
        ("bootstrap", make_bootstrap),
        ("delong", make_delong),
        ("mcnemar", make_mcnemar),
    ]
    built = {}
    for key, fn in sections:
        cases = fn()
        unique_names(cases, key)
        built[key] = cases
    summary = []
    for s, n, m in WARNINGS:
        item = {"section": s, "name": n, "message": m}
        if item not in summary:
            summary.append(item)
    doc = {"generated_by": {
        "script": "kernels/src/testdata/generate_quality.py",
        "seed": SEED,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "statsmodels": statsmodels.__version__,
        "MLstatkit": getattr(MLstatkit, "__version__", None) or importlib.metadata.version("MLstatkit"),
        "warnings": summary,
    }}
    doc.update(built)
    text = dumps(clean(doc)) + "\n"
    with open(OUT, "w") as f:
        f.write(text)
    for key, cases in built.items():
        print(f"{key}: {len(cases)} cases", file=sys.stderr)
    for item in summary:
        print(f"WARNING {item['section']}/{item['name']}: {item['message']}", file=sys.stderr)
    print(f"wrote {OUT} ({len(text)} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
