#!/usr/bin/env bash
# Whole-run benchmark of the demo: cold (empty component cache) vs warm, and
# the marginal cost of one more check (1 vs 200 metrics checks).
# Needs hyperfine (apt-get install hyperfine). Times, not assertions: never run in CI.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cargo build --release -p mltest --manifest-path "$root/Cargo.toml"
bin="$root/target/release/mltest"
demo="$root/fixtures/credit-risk"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export MLTEST_CACHE_DIR="$work/cache"

hyperfine -N --warmup 1 --runs 10 --prepare "rm -rf $work/cache" --command-name cold "$bin run $demo/mltest.toml"
hyperfine -N --warmup 3 --runs 30 --command-name warm "$bin run $demo/mltest.toml"

# The same metrics check, 1 and 200 times: the slope is the per-check cost
# (fresh store + instantiate + run + report).
python3 - "$demo" "$work" <<'PY'
import sys
demo, work = sys.argv[1], sys.argv[2]
text = open(f"{demo}/mltest.toml").read()
head, _, metrics = text.split("[[check]]")
head = head.replace('= "model"', f'= "{demo}/model"').replace('"data/', f'"{demo}/data/').replace('"metrics/', f'"{demo}/metrics/')
for n in (1, 200):
    checks = "".join("[[check]]" + metrics.replace('id = "metrics"', f'id = "metrics-{i}"') for i in range(n))
    open(f"{work}/checks-{n}.toml", "w").write(head + checks)
PY
hyperfine -N --warmup 2 --runs 15 "$bin run $work/checks-1.toml" "$bin run $work/checks-200.toml"
"$bin" run "$work/checks-200.toml" --json - | python3 -c '
import json, statistics, sys
xs = sorted(c["instantiate_us"] for c in json.load(sys.stdin)["checks"])
print(f"instantiate per check: median {statistics.median(xs)} us, p90 {xs[int(0.9 * len(xs))]} us over {len(xs)} checks")'
