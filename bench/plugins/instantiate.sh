#!/usr/bin/env bash
# What a Python plugin costs next to a Rust one: the same check (the
# `mltest plugin new` template: null shares per column) in both languages,
# built with `mltest plugin build`, run with `mltest plugin test` on the
# demo's training table.
#
#   cold: an empty component cache (compile + instantiate + run), once;
#   warm: the compiled component cached, median of 10 runs;
#   instantiate: the store + instance creation the report records
#   (instantiate_us), which every check pays, warm or cold.
#
# Usage: bench/plugins/instantiate.sh [path/to/release/mltest]
# Needs componentize-py (MLTEST_COMPONENTIZE_PY or on PATH).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
mltest="${1:-$root/target/release/mltest}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export CARGO_TARGET_DIR="$root/target/plugin-templates"
data="$root/fixtures/credit-risk/data/train.parquet"

"$mltest" plugin new nulls --lang rust --dir "$work/nulls" >/dev/null
"$mltest" plugin new nulls --lang python --dir "$work/nulls-py" >/dev/null
rust="$("$mltest" plugin build "$work/nulls")"
python="$("$mltest" plugin build "$work/nulls-py" --out "$work/nulls-py.wasm")"

measure() { # component cache -> "wall_ms instantiate_us"
    local start end
    start=$(date +%s%N)
    MLTEST_CACHE_DIR="$2" "$mltest" plugin test "$1" --artifact "data=$data" \
        --params '{"table": "data", "max_null_share": 1.0}' --json "$work/r.json" >/dev/null
    end=$(date +%s%N)
    python3 -c "import json,sys; c=json.load(open('$work/r.json'))['checks'][0]; print((int(sys.argv[1])-int(sys.argv[2]))/1e6, c['instantiate_us'], c['duration_ms'])" "$end" "$start"
}

printf '| plugin | component | cold run | warm run (median of 10) | instantiate, warm | check time, warm |\n|---|---|---|---|---|---|\n'
for lang in rust python; do
    wasm=$rust; [ $lang = python ] && wasm=$python
    cache="$work/cache-$lang"
    read -r cold _ _ < <(measure "$wasm" "$cache")
    for _ in $(seq 10); do measure "$wasm" "$cache"; done > "$work/warm-$lang"
    python3 - "$lang" "$wasm" "$cold" "$work/warm-$lang" <<'PY'
import os, statistics, sys
lang, wasm, cold, warm = sys.argv[1:]
rows = [list(map(float, l.split())) for l in open(warm)]
med = lambda i: statistics.median(r[i] for r in rows)
print(f"| {lang} | {os.path.getsize(wasm) / 2**20:.1f} MiB | {float(cold):.0f} ms "
      f"| {med(0):.0f} ms | {med(1) / 1000:.2f} ms | {med(2):.0f} ms |")
PY
done
