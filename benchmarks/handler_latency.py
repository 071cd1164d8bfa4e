#!/usr/bin/env python3
"""Latency of whole warm handler invocations (sanitise, execute, store, audit) through scripts/local-invoke.

One warm JVM per configuration reads JSON-lines requests; each request is timed from writing its line to reading
its response line. A pause between requests lets the warm container pool refill, as it would between requests
of a real caller. Prints one line per configuration: median, p95, min, max (ms) and the outcomes seen.

    benchmarks/handler_latency.py [--runs 30] [--pause 1.0] [--code 'print(1)'] [CONFIG ...]
    CONFIG: subprocess | container-warm | container-empty-pool
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = {
    "subprocess": ("subprocess", {}),
    "container-warm": ("container", {"SANDBOX_POOL_SIZE": "2"}),
    "container-empty-pool": ("container", {"SANDBOX_POOL_SIZE": "0"}),
}


def measure(name, runs, pause, code, warmup=3):
    mode, extra_env = CONFIGS[name]
    env = dict(os.environ, SANDBOX_LOG_LEVEL="WARN", **extra_env)
    proc = subprocess.Popen([os.path.join(REPO, "scripts", "local-invoke"), "-"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True, bufsize=1)
    request = json.dumps({"code": code, "mode": mode}) + "\n"
    times, outcomes = [], {}
    try:
        for i in range(warmup + runs):
            time.sleep(pause)
            started = time.perf_counter()
            proc.stdin.write(request)
            proc.stdin.flush()
            line = proc.stdout.readline()
            elapsed = (time.perf_counter() - started) * 1000
            if not line:
                raise RuntimeError("local-invoke ended early")
            body = json.loads(line)
            if i >= warmup:
                times.append(elapsed)
                key = "%s/%s" % (body.get("outcome"), body.get("mode"))
                outcomes[key] = outcomes.get(key, 0) + 1
    finally:
        proc.stdin.close()
        proc.wait(timeout=60)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return {"config": name, "runs": runs, "median_ms": round(statistics.median(times), 1), "p95_ms": round(p95, 1),
            "min_ms": round(times[0], 1), "max_ms": round(times[-1], 1), "outcomes": outcomes}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--pause", type=float, default=1.0)
    parser.add_argument("--code", default="print(1)")
    parser.add_argument("configs", nargs="*", default=list(CONFIGS))
    args = parser.parse_args()
    for name in args.configs:
        if name not in CONFIGS:
            sys.exit("unknown configuration %s (known: %s)" % (name, ", ".join(CONFIGS)))
        print(json.dumps(measure(name, args.runs, args.pause, args.code)), flush=True)


if __name__ == "__main__":
    main()
