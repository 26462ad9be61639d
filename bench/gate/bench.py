"""Load benchmark for the registry gate (`mltest serve`).

Starts a real MLflow server and a gate on loopback, registers one version of
the credit-risk demo model for each of a few models, then sends a bounded
burst of signed `mltest.request` deliveries (each a distinct re-run request,
so each queues a real evaluation of the demo suite) from concurrent clients.

It reports acknowledgement latency (p50, p99, max) while the queue fills,
checks that every accepted delivery appears exactly once in the gate's store
(and each queued exactly one job), and measures jobs finished per minute.

    target/test-python/bin/python bench/gate/bench.py [--deliveries 200] [--clients 50]

It uses the test Python (`cargo test --workspace` makes it) and
target/release/mltest (`cargo build --release` first).
"""

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import os
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SECRET = "bench-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(port: int, path: str, timeout: float) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", path)
            if c.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"nothing answered {path} on port {port} in {timeout} s")


def get_json(port: int, path: str):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", path)
    return json.loads(c.getresponse().read())


def deliver(port: int, model: str, n: int) -> tuple[float, int, str]:
    body = json.dumps({"entity": "model_version_tag", "action": "set", "timestamp": "",
                       "data": {"name": model, "version": "1", "key": "mltest.request", "value": f"burst-{n}"}}).encode()
    delivery = str(uuid.uuid4())
    ts = str(int(time.time()))
    sig = base64.b64encode(hmac.new(SECRET.encode(), f"{delivery}.{ts}.".encode() + body, hashlib.sha256).digest()).decode()
    headers = {"Content-Type": "application/json", "X-MLflow-Delivery-Id": delivery,
               "X-MLflow-Timestamp": ts, "X-MLflow-Signature": f"v1,{sig}"}
    started = time.perf_counter()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("POST", "/hooks/mlflow", body, headers)
    r = c.getresponse()
    answer = json.loads(r.read() or b"{}")
    return time.perf_counter() - started, r.status, answer.get("status", "")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--deliveries", type=int, default=200)
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--models", type=int, default=4)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--binary", default=str(ROOT / "target/release/mltest"))
    p.add_argument("--keep", action="store_true", help="keep the work folder (logs, stores)")
    args = p.parse_args()

    work = Path(tempfile.mkdtemp(prefix="mltest-gate-bench-"))
    procs = []
    try:
        mlflow_port = free_port()
        env = dict(os.environ, MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY="bWx0ZXN0LWdhdGUtdGVzdHMtZmVybmV0LWtleS0wMDA=",
                   MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS="true", MLFLOW_WEBHOOK_ALLOWED_SCHEMES="http,https")
        mlflow = Path(sys.executable).parent / "mlflow"
        procs.append(subprocess.Popen(
            [str(mlflow), "server", "--host", "127.0.0.1", "--port", str(mlflow_port), "--workers", "2",
             "--backend-store-uri", f"sqlite:///{work}/mlflow.db", "--artifacts-destination", str(work / "artifacts")],
            env=env, stdout=open(work / "mlflow.log", "w"), stderr=subprocess.STDOUT, start_new_session=True))
        wait_http(mlflow_port, "/health", 180)
        uri = f"http://127.0.0.1:{mlflow_port}"
        models = [f"bench-{i}" for i in range(args.models)]
        for m in models:
            subprocess.run([sys.executable, str(ROOT / "tests/mlflow/register.py"), "--tracking-uri", uri, "--name", m],
                           check=True, capture_output=True)

        gate_port = free_port()
        suite = ROOT / "fixtures/credit-risk/registry.toml"
        config = [f'[mlflow]\nurl = "{uri}"', f'[server]\nlisten = "127.0.0.1:{gate_port}"',
                  '[webhook]\nsecret_env = "BENCH_SECRET"', '[state]\ndir = "state"',
                  f'[jobs]\nworkers = {args.workers}\nreconcile_every = "1h"']
        config += [f'[models.{m}]\nsuite = "{suite}"\non_created = false' for m in models]
        (work / "gate.toml").write_text("\n".join(config) + "\n")
        gate = subprocess.Popen([args.binary, "serve", "--config", str(work / "gate.toml")],
                                env=dict(os.environ, BENCH_SECRET=SECRET, MLTEST_CACHE_DIR=str(work / "cache")),
                                stdout=open(work / "gate.log", "w"), stderr=subprocess.STDOUT, start_new_session=True)
        procs.append(gate)
        wait_http(gate_port, "/healthz", 120)

        burst_started = time.time()
        with ThreadPoolExecutor(args.clients) as pool:
            results = list(pool.map(lambda n: deliver(gate_port, models[n % len(models)], n), range(args.deliveries)))
        burst = time.time() - burst_started
        latencies = sorted(r[0] for r in results)
        statuses = [(r[1], r[2]) for r in results]
        accepted = sum(1 for s in statuses if s == (200, "queued"))

        deadline = time.time() + 3600
        while time.time() < deadline:
            jobs = get_json(gate_port, "/jobs?limit=1000")["jobs"]
            if jobs and all(j["state"] in ("done", "error") for j in jobs):
                break
            time.sleep(1)
        db = sqlite3.connect(work / "state" / "gate.db")
        stored = db.execute("SELECT COUNT(*), COUNT(DISTINCT id) FROM deliveries").fetchone()
        per_delivery = db.execute("SELECT COUNT(*) FROM (SELECT delivery_id FROM jobs WHERE delivery_id IS NOT NULL GROUP BY delivery_id HAVING COUNT(*) = 1)").fetchone()[0]
        first, last, finished, verdicts = db.execute(
            "SELECT MIN(started_at), MAX(finished_at), COUNT(*), GROUP_CONCAT(DISTINCT verdict) FROM jobs WHERE state = 'done'").fetchone()
        minutes = max((last - first) / 60, 1e-9)
        q = lambda f: latencies[min(len(latencies) - 1, int(f * len(latencies)))]
        report = {
            "deliveries": args.deliveries, "clients": args.clients, "models": args.models, "workers": args.workers,
            "accepted": accepted, "stored": stored[0], "stored_distinct": stored[1], "one_job_each": per_delivery,
            "ack_p50_ms": round(q(0.50) * 1000, 2), "ack_p99_ms": round(q(0.99) * 1000, 2),
            "ack_max_ms": round(latencies[-1] * 1000, 2), "ack_mean_ms": round(statistics.mean(latencies) * 1000, 2),
            "burst_seconds": round(burst, 2), "jobs_finished": finished, "jobs_per_minute": round(finished / minutes, 1),
            "verdicts": verdicts,
        }
        print(json.dumps(report, indent=2))
        lost = args.deliveries - stored[1]
        if accepted != args.deliveries or lost or per_delivery != args.deliveries:
            raise SystemExit(f"deliveries lost or duplicated: {report}")
    finally:
        for proc in procs:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
