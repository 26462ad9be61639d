#!/usr/bin/env python3
"""Compare mltest's drift findings (preset "evidently") with Evidently's own output.

    python parity.py MLTEST_REPORT.json EVIDENTLY.json [--check drift] [--atol 1e-9] [--rtol 1e-6]

MLTEST_REPORT.json: `mltest run bench/drift/suite-evidently-<size>.toml --json OUT`
  {suite, outcome, checks: [{id, plugin, findings: [{name, outcome, observed, threshold,
  properties}]}]}; drift findings are named `drift[<column>]` and carry properties
  method, statistic, p_value, threshold, drifted, n_reference, n_current. The runner
  serialises properties as an object of strings; a list of [key, value] pairs (or of
  {"key"/"name", "value"} objects) and non-string values are accepted too.
EVIDENTLY.json: `evidently_drift.py REF CUR --json OUT`.

Evidently's drift score is a p-value for its tests (ks, chisquare, z) and a distance for
the others (wasserstein, jensenshannon, psi, kl_div, hellinger); it is compared with
mltest's `p_value` or `statistic` accordingly. Exit status 0 when every column agrees
(method, threshold, score within atol + rtol*|evidently|, drifted flag), 1 otherwise,
2 on unusable input. Python standard library only.
"""

import argparse
import json
import math
import re
import sys

P_VALUE_TESTS = {"ks", "chisquare", "z"}

# normalised name (lowercase, alphanumerics only) -> Evidently registry name
ALIASES = {
    "ks": "ks", "kstest": "ks", "ks2samp": "ks", "kolmogorovsmirnov": "ks", "kspvalue": "ks",
    "chisquare": "chisquare", "chisquaregof": "chisquare", "chi2": "chisquare", "chi2gof": "chisquare",
    "chisq": "chisquare", "chisquared": "chisquare", "chisquarepvalue": "chisquare",
    "z": "z", "ztest": "z", "twoproportionz": "z", "proportionsz": "z", "ztestpvalue": "z",
    "wasserstein": "wasserstein", "wassersteinnormed": "wasserstein", "wassersteinnorm": "wasserstein",
    "wassersteindistancenormed": "wasserstein", "normedwasserstein": "wasserstein",
    "jensenshannon": "jensenshannon", "js": "jensenshannon", "jsd": "jensenshannon",
    "jensenshannondistance": "jensenshannon",
    "psi": "psi", "populationstabilityindex": "psi",
    "kldiv": "kl_div", "kl": "kl_div", "kullbackleibler": "kl_div", "kullbackleiblerdivergence": "kl_div",
    "hellinger": "hellinger", "hellingerdistance": "hellinger",
}
# mltest names that are NOT what Evidently computes even if the family matches
NOT_EVIDENTLY = {"chisquarecontingency", "chi2contingency", "wassersteinraw", "wasserstein1"}


def norm_method(name):
    key = re.sub(r"[^a-z0-9]", "", str(name).lower())
    if key in NOT_EVIDENTLY:
        return None
    return ALIASES.get(key, key)


def as_props(p):
    if p is None:
        return {}
    if isinstance(p, dict):
        return dict(p)
    out = {}
    for item in p:
        if isinstance(item, (list, tuple)) and len(item) == 2:
            out[item[0]] = item[1]
        elif isinstance(item, dict):
            k = item.get("key", item.get("name"))
            out[k] = item.get("value")
        else:
            raise ValueError(f"unrecognised property entry {item!r}")
    return out


def as_float(v):
    if v is None or isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return float(v)
    s = str(v).strip().lower()
    if s in ("", "none", "null", "-", "n/a"):
        return None
    if s in ("nan",):
        return math.nan
    if s in ("inf", "+inf", "infinity"):
        return math.inf
    if s in ("-inf", "-infinity"):
        return -math.inf
    return float(s)


def as_bool(v):
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, (int, float)):
        return bool(v)
    s = str(v).strip().lower()
    if s in ("true", "yes", "1", "drifted"):
        return True
    if s in ("false", "no", "0", "not drifted"):
        return False
    raise ValueError(f"not a boolean: {v!r}")


def load_mltest(path, check_id):
    with open(path) as f:
        report = json.load(f)
    checks = report.get("checks", [])
    picked = [c for c in checks if c.get("id") == check_id] or [c for c in checks if c.get("plugin") == "drift"]
    if not picked:
        sys.exit(f"parity: no check with id {check_id!r} or plugin 'drift' in {path}")
    check = picked[0]
    if check.get("error"):
        sys.exit(f"parity: mltest check {check.get('id')} errored: {check.get('error')}")
    cols, other = {}, []
    for fnd in check.get("findings", []):
        m = re.fullmatch(r"drift\[(.*)\]", fnd.get("name", ""))
        if not m:
            other.append(fnd)
            continue
        props = as_props(fnd.get("properties"))
        cols[m.group(1)] = {
            "method_raw": props.get("method"),
            "method": norm_method(props.get("method")) if props.get("method") is not None else None,
            "statistic": as_float(props.get("statistic", fnd.get("observed"))),
            "p_value": as_float(props.get("p_value")),
            "threshold": as_float(props.get("threshold", fnd.get("threshold"))),
            "drifted": as_bool(props["drifted"]) if "drifted" in props else (fnd.get("outcome") in ("fail", "warn")),
            "n_reference": as_float(props.get("n_reference")),
            "n_current": as_float(props.get("n_current")),
            "outcome": fnd.get("outcome"),
        }
    return check, cols, other


def fmt(x):
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.6g}"
    return str(x)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mltest_report")
    ap.add_argument("evidently_json")
    ap.add_argument("--check", default="drift", help="check id in the mltest report (default: drift)")
    ap.add_argument("--atol", type=float, default=1e-9)
    ap.add_argument("--rtol", type=float, default=1e-6)
    args = ap.parse_args(argv)

    check, ml, other = load_mltest(args.mltest_report, args.check)
    with open(args.evidently_json) as f:
        ev_doc = json.load(f)
    ev = {c["column"]: c for c in ev_doc["columns"]}

    problems = []
    only_ml, only_ev = sorted(set(ml) - set(ev)), sorted(set(ev) - set(ml))
    if only_ml:
        problems.append(f"columns only in mltest: {only_ml}")
    if only_ev:
        problems.append(f"columns only in Evidently: {only_ev}")

    rows, diffs = [], {}
    for col in [c for c in ev if c in ml]:
        e, m = ev[col], ml[col]
        method_ok = m["method"] == e["stattest"]
        use_p = e["stattest"] in P_VALUE_TESTS
        ml_score = m["p_value"] if use_p and m["p_value"] is not None else m["statistic"]
        es = e["drift_score"]
        if es is None or ml_score is None:
            abs_d = rel_d = None
            score_ok = (es is None) and (ml_score is None or math.isnan(ml_score))
        else:
            abs_d = abs(ml_score - es)
            rel_d = abs_d / abs(es) if es != 0 else (0.0 if abs_d == 0 else math.inf)
            score_ok = abs_d <= args.atol + args.rtol * abs(es)
            d = diffs.setdefault(e["stattest"], [0.0, 0.0, 0])
            d[0], d[1], d[2] = max(d[0], abs_d), max(d[1], rel_d), d[2] + 1
        thr_ok = m["threshold"] is not None and math.isclose(m["threshold"], e["threshold"], rel_tol=1e-12)
        flag_ok = m["drifted"] == e["drifted"]
        n_ok = all(m[k] is None or e.get(k) is None or m[k] == e[k] for k in ("n_reference", "n_current"))
        ok = method_ok and score_ok and thr_ok and flag_ok and n_ok
        if not ok:
            why = [w for w, good in (("method", method_ok), ("score", score_ok), ("threshold", thr_ok),
                                     ("drifted", flag_ok), ("n", n_ok)) if not good]
            problems.append(f"{col}: {', '.join(why)} differ")
        rows.append((col, e["stattest"], m["method_raw"], "p" if use_p else "d", es, ml_score, abs_d, rel_d,
                     e["drifted"], m["drifted"], "ok" if ok else "DIFF"))

    head = ("column", "evidently", "mltest method", "kind", "evidently score", "mltest score",
            "abs diff", "rel diff", "ev drifted", "ml drifted", "")
    table = [head] + [tuple(fmt(x) for x in r) for r in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(head))]
    for r in table:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip())
    print()
    all_abs = max((d[0] for d in diffs.values()), default=0.0)
    all_rel = max((d[1] for d in diffs.values()), default=0.0)
    for name, (a, r, n) in sorted(diffs.items()):
        print(f"{name:14s} {n:3d} columns  max abs diff {a:.3g}  max rel diff {r:.3g}")
    print(f"{'all':14s} {sum(d[2] for d in diffs.values()):3d} columns  max abs diff {all_abs:.3g}  max rel diff {all_rel:.3g}")
    flags_agree = sum(1 for r in rows if r[8] == r[9])
    methods_agree = sum(1 for r in rows if ev[r[0]]["stattest"] == ml[r[0]]["method"])
    print(f"methods agree {methods_agree}/{len(rows)}, drifted flags agree {flags_agree}/{len(rows)}")

    ml_drifted = sum(1 for r in rows if r[9])
    ml_share = ml_drifted / len(ml) if ml else 0.0
    print(f"share of drifted columns: evidently {ev_doc['share_of_drifted_columns']:.4f} "
          f"(dataset drift {ev_doc['dataset_drift']}), mltest {ml_share:.4f}; mltest check outcome {check.get('outcome')}")
    for fnd in other:  # e.g. a dataset-level finding; shown, not compared
        print(f"other mltest finding: {fnd.get('name')} {fnd.get('outcome')} observed={fnd.get('observed')} "
              f"threshold={fnd.get('threshold')} {as_props(fnd.get('properties'))}")
    if problems:
        print("\nPARITY FAILED:")
        for p in problems:
            print("  " + p)
        return 1
    print("\nparity OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
