#!/usr/bin/env bash
# Quality benchmark: the `performance` check (mltest run, release build,
# compiled-plugin cache warm) against scikit-learn computing the same
# metrics, and against MLstatkit's DeLong test, each as a whole process
# (interpreter start, imports, parquet read, work), on the same machine,
# in one go. Times, not assertions: never run in CI.
#
#   bench/quality/run.sh                       # 1M and 10M rows
#   BENCH_SIZES="1000000" bench/quality/run.sh
#   BENCH_PY_RESAMPLES=20 ...                  # scikit-learn bootstrap resamples timed (default 20)
#   BENCH_SKIP_BUILD=1 ...                     # use the existing target/release/mltest
#
# Needs: python3, GNU time at /usr/bin/time, the Rust toolchain. Creates the
# venv bench/quality/.venv from requirements.txt when it is missing.
# Writes bench/quality/results.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
sizes="${BENCH_SIZES:-1000000 10000000}"
py_resamples="${BENCH_PY_RESAMPLES:-20}"
py="$here/.venv/bin/python"
bin="$root/target/release/mltest"
timebin=/usr/bin/time

die() { echo "run.sh: error: $*" >&2; exit 1; }
[[ -x "$timebin" ]] || die "$timebin (GNU time) not found; apt-get install time"
if [[ ! -x "$py" ]]; then
    python3 -m venv "$here/.venv" && "$here/.venv/bin/pip" install -q -r "$here/requirements.txt" || die "venv set-up failed"
fi
if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
    cargo build --release -p mltest --manifest-path "$root/Cargo.toml" || die "cargo build failed"
fi

data="$here/data"
work="$(mktemp -d "${TMPDIR:-/tmp}/quality-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export MLTEST_CACHE_DIR="$work/cache"

# suite NAME ROWS PARAMS: a one-check suite over data/holdout-ROWS.parquet.
suite() {
    cat >"$data/$1-$2.toml" <<TOML
[suite]
name = "quality-bench-$1"
[defaults]
timeout = "600s"
[artifacts]
holdout = "holdout-$2.parquet"
[[check]]
id = "performance"
plugin = "performance"
[check.params]
table = "holdout"
label = "default"
candidate = "candidate_score"
champion = "champion_score"
$3
TOML
}

every='{ min = -1e9, slices = { min = -1e9 } }'
report_params="slices = [\"region\", \"age_band\"]
min_slice_size = 1
[check.params.metrics]
accuracy = $every
balanced_accuracy = $every
precision = $every
recall = $every
f1 = $every
mcc = $every
roc_auc = $every
average_precision = $every
log_loss = $every
brier = $every"
bootstrap_params="bootstrap = { resamples = 1000, seed = 7 }
[check.params.metrics]
roc_auc = { non_inferior = { margin = 0.01, method = \"bootstrap\" } }"
delong_params="[check.params.metrics]
roc_auc = { non_inferior = { margin = 0.01, method = \"delong\" } }"

# measure LABEL CMD...: wall seconds and peak RSS (KiB) of one run.
measure() {
    local label="$1"; shift
    local rc=0
    "$timebin" -f '%e %M' -o "$work/time" "$@" >"$work/$label.log" 2>&1 || rc=$?
    # mltest exits 1 when a finding fails; anything else is a broken run.
    if [[ $rc -gt 1 ]]; then tail -n 30 "$work/$label.log" >&2; die "$label exited with $rc"; fi
    read -r wall rss < <(tail -n 1 "$work/time")
    echo "$wall $((rss / 1024))"
}

results="$here/results.md"
{
    echo "# Quality benchmark"
    echo
    echo "$(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m); \`bench/quality/run.sh\`."
    echo
    echo "| what | rows | mltest s | MiB | peer | peer s | MiB | peer / mltest |"
    echo "|---|---:|---:|---:|---|---:|---:|---:|"
} >"$results"

row() { # what rows mltest-measure peer peer-measure [scale]
    local scale="${6:-1}"
    read -r mw mr <<<"$3"; read -r pw pr <<<"$5"
    local pws; pws="$(awk -v w="$pw" -v s="$scale" 'BEGIN { printf "%.2f", w * s }')"
    local ratio; ratio="$(awk -v p="$pws" -v m="$mw" 'BEGIN { printf "%.1f×", p / m }')"
    echo "| $1 | $2 | $mw | $mr | $4 | $pws | $pr | $ratio |" | tee -a "$results"
}

for n in $sizes; do
    [[ -s "$data/holdout-$n.parquet" ]] || "$py" "$here/generate.py" --rows "$n" --out "$data"
    suite report "$n" "$report_params"
    "$bin" run "$data/report-$n.toml" >/dev/null 2>&1 || true   # warm the compiled-plugin cache
    m="$(measure "mltest-report-$n" "$bin" run "$data/report-$n.toml")"
    p="$(measure "sklearn-report-$n" "$py" "$here/sklearn_quality.py" report "$data/holdout-$n.parquet")"
    row "10 binary metrics × 2 models × 8 slices" "$n" "$m" "scikit-learn" "$p"
done

n=1000000
[[ -s "$data/holdout-$n.parquet" ]] || "$py" "$here/generate.py" --rows "$n" --out "$data"
suite bootstrap "$n" "$bootstrap_params"
suite delong "$n" "$delong_params"
m="$(measure mltest-bootstrap "$bin" run "$data/bootstrap-$n.toml")"
# scikit-learn at 1000 resamples takes many minutes: time R and 2R resamples
# and extrapolate linearly (the fixed cost once, the slope 1000 times).
p1="$(measure sklearn-bootstrap-1 "$py" "$here/sklearn_quality.py" bootstrap "$data/holdout-$n.parquet" "$py_resamples")"
p2="$(measure sklearn-bootstrap-2 "$py" "$here/sklearn_quality.py" bootstrap "$data/holdout-$n.parquet" "$((2 * py_resamples))")"
read -r w1 r1 <<<"$p1"; read -r w2 r2 <<<"$p2"
p="$(awk -v a="$w1" -v b="$w2" -v r="$py_resamples" -v m="$r2" 'BEGIN { s = (b - a) / r; printf "%.2f %d", a + s * (1000 - r), m }')"
row "paired bootstrap of the AUC difference, 1000 resamples (scikit-learn extrapolated from $py_resamples and $((2 * py_resamples)))" "$n" "$m" "numpy + scikit-learn" "$p"
m="$(measure mltest-delong "$bin" run "$data/delong-$n.toml")"
p="$(measure mlstatkit-delong "$py" "$here/sklearn_quality.py" delong "$data/holdout-$n.parquet")"
row "DeLong's test" "$n" "$m" "MLstatkit" "$p"
echo
echo "wrote $results"
