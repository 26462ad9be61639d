#!/usr/bin/env bash
# Bounded memory: mltest's drift check (20 columns, default preset) at 1M,
# 10M and 100M rows per side, with wall time and peak RSS, against the
# numpy/scipy script (bench/drift/scipy_drift.py) where it fits in memory.
#
#   bench/scale/run.sh                        # sizes "1m 10m 100m"
#   BENCH_SIZES="1m 10m" bench/scale/run.sh
#   BENCH_SCIPY_SIZES="1m 10m" ...            # sizes the scipy script runs at
#   BENCH_SKIP_BUILD=1 ...                    # use the existing target/release/mltest
#   BENCH_MLTEST=/path/to/mltest ...          # another binary
#   BENCH_BASELINE=/path/to/old/mltest ...    # also time an older mltest (whole tables in memory)
#   BENCH_BASELINE_SIZES="1m 10m" ...         # sizes the baseline runs at (default 1m 10m)
#   BENCH_PROFILE_SIZES="1m 10m" ...          # sizes "profile once, compare many" runs at (default: all)
#
# Profile once: the reference is profiled once (`mltest profile`, default
# grid), then the same suite runs with the profile as its reference against
# the current table; the verdicts must be the table run's.
#
# Needs bench/drift/.venv (see bench/drift/EVIDENTLY.md), GNU time, and disk:
# about 10 GB per side at 100M rows, under bench/scale/data (kept between runs).
# Times, not assertions: never run in CI. Writes bench/scale/results.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
sizes="${BENCH_SIZES:-1m 10m 100m}"
scipy_sizes="${BENCH_SCIPY_SIZES:-1m 10m}"
baseline="${BENCH_BASELINE:-}"
baseline_sizes="${BENCH_BASELINE_SIZES:-1m 10m}"
profile_sizes="${BENCH_PROFILE_SIZES:-$sizes}"
py="$root/bench/drift/.venv/bin/python"
bin="${BENCH_MLTEST:-$root/target/release/mltest}"
die() { echo "run.sh: error: $*" >&2; exit 1; }
[[ -x /usr/bin/time ]] || die "GNU time not found; apt-get install time"
[[ -x "$py" ]] || die "no venv at bench/drift/.venv (see bench/drift/EVIDENTLY.md)"
if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
    cargo build --release -p mltest --manifest-path "$root/Cargo.toml"
fi
rows_of() { case "$1" in 1m) echo 1000000 ;; 10m) echo 10000000 ;; 100m) echo 100000000 ;; *) die "unknown size $1" ;; esac; }

data="$here/data"
work="$(mktemp -d "${TMPDIR:-/tmp}/scale-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export MLTEST_CACHE_DIR="$work/cache"
for size in $sizes; do
    "$py" "$here/generate.py" --rows "$(rows_of "$size")" --out "$data"
done

table="$work/table.md"
echo "| tool | rows per side | wall s | peak RSS MiB |" >"$table"
echo "|---|---:|---:|---:|" >>"$table"
measure() { # LABEL ROWS CMD...
    local label="$1" rows="$2"; shift 2
    local rc=0
    /usr/bin/time -f '%e %M' -o "$work/time" "$@" >"$work/log" 2>&1 || rc=$?
    # mltest exits 1 when a check fails, which the planted drift makes it do.
    if [[ "$rc" != 0 && "$rc" != 1 ]]; then tail -20 "$work/log" >&2; die "$label exited $rc"; fi
    read -r wall rss < <(tail -1 "$work/time")
    printf '| %s | %d | %.2f | %.0f |\n' "$label" "$rows" "$wall" "$((rss / 1024))" | tee -a "$table"
}
for size in $sizes; do
    n="$(rows_of "$size")"
    sed -e "s/@SIZE@/$size/g" "$here/suite.toml.in" >"$data/suite-$size.toml"
    "$bin" run "$data/suite-$size.toml" >/dev/null 2>&1 || true   # compiles the plugin once
    measure "mltest (drift, default preset)" "$n" "$bin" run "$data/suite-$size.toml" --json "$work/report-$size.json"
    "$py" - "$work/report-$size.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
bad = [c["id"] for c in r["checks"] if c["outcome"] == "error"]
findings = [f for c in r["checks"] for f in c["findings"]]
errors = [f["name"] for f in findings if f.get("outcome") == "error"]
if bad or errors or len(findings) != 21:
    sys.exit(f"the run is unusable: errored checks {bad}, findings in error {errors}, {len(findings)} findings")
PY
    if [[ " $profile_sizes " == *" $size "* ]]; then
        measure "mltest profile (the reference, once)" "$n" "$bin" profile "$data/reference-$size.parquet" -o "$data/reference-$size.mltp"
        sed -e "s/@SIZE@/$size/g" "$here/suite-profile.toml.in" >"$data/suite-profile-$size.toml"
        measure "mltest (drift, reference profile vs current table)" "$n" "$bin" run "$data/suite-profile-$size.toml" --json "$work/profiled-$size.json"
        "$py" - "$work/report-$size.json" "$work/profiled-$size.json" <<'PY'
import json, sys
table, profiled = (json.load(open(p)) for p in sys.argv[1:])
def verdicts(r):
    return {f["name"]: f["outcome"] for c in r["checks"] for f in c["findings"]}
a, b = verdicts(table), verdicts(profiled)
differ = sorted(k for k in a if a[k] != b.get(k))
props = [f.get("properties", {}) for c in profiled["checks"] for f in c["findings"]]
bracketed = sum(p.get("exactness") == "bracketed" for p in props)
inconclusive = sum(p.get("inconclusive") == "true" for p in props)
print(f"profile vs table: {len(a) - len(differ)}/{len(a)} findings agree; {bracketed} bracketed, {inconclusive} inconclusive; differ: {differ}")
PY
    fi
    if [[ -n "$baseline" && " $baseline_sizes " == *" $size "* ]]; then
        "$baseline" run "$data/suite-$size.toml" >/dev/null 2>&1 || true
        measure "mltest before (baseline binary)" "$n" "$baseline" run "$data/suite-$size.toml"
    fi
    if [[ " $scipy_sizes " == *" $size "* ]]; then
        measure "numpy/scipy (KS + chi2_contingency)" "$n" "$py" "$root/bench/drift/scipy_drift.py" \
            "$data/reference-$size.parquet" "$data/current-$size.parquet"
    fi
done
{
    echo "# Scale benchmark results"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs; $(free -g | awk '/Mem:/ {print $2}') GiB RAM;"
    echo "mltest $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet || echo '+dirty'); one run each, whole process, \`/usr/bin/time -f '%e %M'\`."
    echo
    cat "$table"
} >"$here/results.md"
echo "wrote $here/results.md"
