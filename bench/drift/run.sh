#!/usr/bin/env bash
# Drift benchmark: mltest's `drift` plugin vs Evidently's DataDriftPreset vs a
# plain numpy/scipy script, on the same machine, in one go.
#
#   bench/drift/run.sh                 # from anywhere
#   BENCH_REPEAT=5 bench/drift/run.sh  # measured runs per tool and size (median is reported)
#   BENCH_SIZES="100k" ...             # sizes to run (default "100k 1m")
#   BENCH_SKIP_BUILD=1 ...             # use the existing target/release/mltest
#   BENCH_PARITY=0 ...                 # skip the mltest(preset evidently) vs Evidently parity step
#   BENCH_MLTEST=/path/to/mltest ...   # another mltest binary (default target/release/mltest)
#
# Needs: the venv bench/drift/.venv (see EVIDENTLY.md; `python3 -m venv bench/drift/.venv &&
# bench/drift/.venv/bin/pip install -r bench/drift/requirements.lock.txt`), GNU time at
# /usr/bin/time, the Rust toolchain. Wall seconds and max RSS come from `/usr/bin/time -f '%e %M'`
# and cover the whole process (interpreter start, imports, parquet reads, report).
# Times, not assertions: never run in CI. Writes bench/drift/results.md.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
repeat="${BENCH_REPEAT:-3}"
sizes="${BENCH_SIZES:-100k 1m}"
py="$here/.venv/bin/python"
bin="${BENCH_MLTEST:-$root/target/release/mltest}"
timebin=/usr/bin/time

die() { echo "run.sh: error: $*" >&2; exit 1; }

[[ "$repeat" =~ ^[1-9][0-9]*$ ]] || die "BENCH_REPEAT must be a positive integer (got '$repeat')"
[[ -x "$timebin" ]] || die "$timebin (GNU time) not found; apt-get install time"
[[ -x "$py" ]] || die "no venv at $here/.venv; create it: python3 -m venv $here/.venv && $here/.venv/bin/pip install -r $here/requirements.lock.txt"
"$py" -c 'import evidently, pandas, pyarrow, scipy' || die "the venv lacks evidently/pandas/pyarrow/scipy; pip install -r $here/requirements.lock.txt"

if [[ "${BENCH_SKIP_BUILD:-0}" != 1 ]]; then
    cargo build --release -p mltest --manifest-path "$root/Cargo.toml" || die "cargo build failed"
fi
[[ -x "$bin" ]] || die "$bin not found (build it: cargo build --release -p mltest)"

work="$(mktemp -d "${TMPDIR:-/tmp}/drift-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export MLTEST_CACHE_DIR="$work/mltest-cache"   # warmed below, once per size

rows_of() { case "$1" in 100k) echo 100000 ;; 1m) echo 1000000 ;; *) die "unknown size '$1' (100k or 1m)" ;; esac; }

# Generate inputs if missing (deterministic; see generate.py).
for size in $sizes; do
    n="$(rows_of "$size")"
    if [[ ! -s "$here/data/reference-$size.parquet" || ! -s "$here/data/current-$size.parquet" ]]; then
        "$py" "$here/generate.py" --rows "$n" --out "$here/data" || die "generate.py --rows $n failed"
    fi
done

# measure LABEL ALLOWED_RCS CMD...: runs CMD once under /usr/bin/time, appends "wall_s rss_kib"
# to $work/LABEL.times; fails loudly on an exit status not in ALLOWED_RCS (space separated).
measure() {
    local label="$1" allowed="$2"; shift 2
    local tfile="$work/$label.time.$RANDOM" log="$work/$label.log" rc=0
    "$timebin" -f '%e %M' -o "$tfile" "$@" >"$log" 2>&1 || rc=$?
    if [[ " $allowed " != *" $rc "* ]]; then
        echo "---- output of: $* (exit $rc)" >&2
        tail -n 40 "$log" >&2
        die "'$label' exited with status $rc"
    fi
    # GNU time prefixes "Command exited with non-zero status N" when rc != 0: keep the last line.
    tail -n 1 "$tfile" >>"$work/$label.times"
    rm -f "$tfile"
}

# median of column $2 (1 = wall, 2 = rss) in file $1
median() { sort -g -k"$2","$2" "$1" | awk -v c="$2" '{v[NR]=$c} END {if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

table="$work/table.md"
{
    echo "| tool | rows per side | wall s (median of $repeat) | peak RSS MiB (median) | wall / mltest wall |"
    echo "|---|---:|---:|---:|---:|"
} >"$table"

parity_rc=0
for size in $sizes; do
    n="$(rows_of "$size")"
    ref="$here/data/reference-$size.parquet"
    cur="$here/data/current-$size.parquet"
    echo "== $size rows per side"

    # mltest exits 1 when a check fails, which is what planted drift should do; 2 and 3 are failures.
    "$bin" run "$here/suite-$size.toml" --json "$work/warm-$size.json" >"$work/warm-$size.log" 2>&1 \
        || [[ $? == 1 ]] || { cat "$work/warm-$size.log" >&2; die "mltest warm-up run failed for $size"; }
    for ((i = 1; i <= repeat; i++)); do
        measure "mltest-$size" "0 1" "$bin" run "$here/suite-$size.toml" --json "$work/mltest-$size.json"
        "$py" - "$work/mltest-$size.json" <<'PY' || die "mltest JSON report for $size is unusable"
import json, sys
r = json.load(open(sys.argv[1]))
bad = [c["id"] for c in r["checks"] if c.get("error") or c["outcome"] == "error"]
if bad or not any(c["findings"] for c in r["checks"]):
    sys.exit(f"checks errored or reported nothing: {bad}")
PY
    done
    for ((i = 1; i <= repeat; i++)); do
        measure "evidently-$size" "0" "$py" "$here/evidently_drift.py" "$ref" "$cur" --json "$work/evidently-$size.json"
    done
    for ((i = 1; i <= repeat; i++)); do
        measure "scipy-$size" "0" "$py" "$here/scipy_drift.py" "$ref" "$cur"
    done

    ml_wall="$(median "$work/mltest-$size.times" 1)"
    for tool in mltest evidently scipy; do
        wall="$(median "$work/$tool-$size.times" 1)"
        rss="$(median "$work/$tool-$size.times" 2)"
        case "$tool" in
            mltest) name="mltest (drift plugin, default preset)" ;;
            evidently) name="Evidently $("$py" -c 'import evidently; print(evidently.__version__)') DataDriftPreset" ;;
            scipy) name="numpy/scipy (KS + chi2_contingency)" ;;
        esac
        awk -v name="$name" -v n="$n" -v w="$wall" -v r="$rss" -v m="$ml_wall" \
            'BEGIN {printf "| %s | %d | %.2f | %.0f | %s |\n", name, n, w, r / 1024, (m > 0 ? sprintf("%.1fx", w / m) : "n/a")}' >>"$table"
        echo "   $tool: $(tr '\n' ';' <"$work/$tool-$size.times")"
    done

    if [[ "${BENCH_PARITY:-1}" == 1 ]]; then
        "$bin" run "$here/suite-evidently-$size.toml" --json "$work/mltest-evidently-$size.json" >"$work/parity-run-$size.log" 2>&1 \
            || [[ $? == 1 ]] || { cat "$work/parity-run-$size.log" >&2; die "mltest (preset evidently) failed for $size"; }
        echo "-- parity (mltest preset=evidently vs Evidently) at $size"
        python3 "$here/parity.py" "$work/mltest-evidently-$size.json" "$work/evidently-$size.json" || parity_rc=1
    fi
done

results="$here/results.md"
{
    echo "# Drift benchmark results"
    echo
    echo "$(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)); $(free -g | awk '/Mem:/ {print $2}') GiB RAM;"
    echo "mltest $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$root" diff --quiet 2>/dev/null || echo '+dirty'),"
    echo "$("$py" -c 'import evidently, pandas, numpy, scipy, pyarrow, sys; print(f"Python {sys.version.split()[0]}, evidently {evidently.__version__}, pandas {pandas.__version__}, numpy {numpy.__version__}, scipy {scipy.__version__}, pyarrow {pyarrow.__version__}")')."
    echo "Whole process per run (start-up, imports, reading both parquet files, all 20 columns, report),"
    echo "from \`/usr/bin/time -f '%e %M'\`; mltest measured after one warm-up run (compiled-plugin cache warm)."
    echo
    cat "$table"
} >"$results"
echo
cat "$table"
echo
echo "wrote $results"
[[ "$parity_rc" == 0 ]] || die "parity check failed (see above)"
