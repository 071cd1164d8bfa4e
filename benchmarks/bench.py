#!/usr/bin/python3
"""All benchmarks of issue 5 in one run, side by side; writes docs/benchmarks.md and docs/benchmarks.png.

Run through benchmarks/run (which makes sure the local stack, the image and matplotlib are there):

    benchmarks/run            # full run, under ~10 minutes on a 2-core machine
    benchmarks/run --quick    # fewer repetitions, ~3 minutes

What is measured (whole handler invocations through scripts/local-invoke unless said otherwise):
  * p50/p95/p99 of print(1), the pi example (events/execute-subprocess.json) and an import-heavy script on each
    path: subprocess spawn, subprocess warm worker, container cold (pool 0), container warm pool;
  * baselines: bare `python3 -I -S -c pass`, bare `docker run --rm`, `docker exec` into a running container;
  * throughput of one warm function instance (sequential requests, no pause);
  * cold start: process start of scripts/local-invoke EVENT to its first response;
  * CPU-bound overhead: a ~1 s pure-Python loop, inside the sandbox against bare python3;
  * memory: RSS of the warm worker, and of each pooled container (docker stats);
  * where a warm subprocess-path invocation spends its time: the warm runner alone, and the handler with the store's
    requests delayed by a fixed round trip, its writes sent together per step or one after another (breakdown.py).
"""
import argparse
import base64
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import breakdown

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# scripts/local-invoke's own command (benchmarks/run builds once, has the class cache recorded and passes the JVM
# options, one a line, and the classpath)
INVOKE_CMD = (["java"] + os.environ.get("SANDBOX_BENCH_JAVA_OPTS", "-XX:+UseSerialGC").splitlines()
              + ["-cp", os.environ.get("SANDBOX_BENCH_CLASSPATH", ""), "dev.interactionsandbox.local.LocalInvoke"])
IMAGE = os.environ.get("SANDBOX_RUNNER_IMAGE", "interaction-sandbox-runner:local")
PYTHON = "/usr/bin/python3"
# Added to every DynamoDB request in the store breakdown: a stand-in for the network round trip to the real service.
STORE_DELAY_MS = 5

IMPORT_HEAVY = """import json, re, collections, datetime, decimal, statistics, fractions, itertools, functools, string
import heapq, bisect, textwrap, math, random, dataclasses, enum, typing, difflib, hashlib, base64, csv, io
counts = collections.Counter(re.findall(r"\\w+", "the quick brown fox jumps over the lazy dog the end"))
print(json.dumps(counts.most_common(2)), statistics.mean([1, 2, 3, 4]), fractions.Fraction(3, 4) + 1,
      decimal.Decimal("1.10") * 3, datetime.date(2024, 1, 1).isoformat())
"""
CPU_LOOP = """import time
t = time.perf_counter()
s = 0
for i in range(N):
    s += i * i % 7
print("%.6f" % (time.perf_counter() - t))
"""

CONFIGS = [
    # name, request mode, extra environment
    ("subprocess spawn", "subprocess", {"SANDBOX_SUBPROCESS_WORKER": "spawn", "SANDBOX_CONTAINER_LAUNCHER": "none"}),
    ("subprocess warm worker", "subprocess", {"SANDBOX_SUBPROCESS_WORKER": "warm",
                                              "SANDBOX_CONTAINER_LAUNCHER": "none"}),
    ("container cold (pool 0)", "container", {"SANDBOX_POOL_SIZE": "0"}),
    ("container warm pool", "container", {"SANDBOX_POOL_SIZE": "2"}),
]


def pct(values, p):
    v = sorted(values)
    if not v:
        return float("nan")
    k = (len(v) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def summary(values):
    return {"n": len(values), "p50": pct(values, 50), "p95": pct(values, 95), "p99": pct(values, 99),
            "min": min(values), "max": max(values)}


def timed(cmd, **kw):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, **kw)
    return (time.perf_counter() - t) * 1000


def pi_code():
    with open(os.path.join(REPO, "events", "execute-subprocess.json")) as f:
        event = json.load(f)
    body = event["body"]
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    return json.loads(body)["code"]


class Invoker:
    """One warm JVM (scripts/local-invoke -) reading JSON-lines requests."""

    def __init__(self, env):
        self.proc = subprocess.Popen(INVOKE_CMD + ["-"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True, bufsize=1,
                                     env=dict(os.environ, SANDBOX_LOG_LEVEL="WARN", **env))

    def call(self, request):
        t = time.perf_counter()
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        ms = (time.perf_counter() - t) * 1000
        if not line:
            raise RuntimeError("local-invoke ended early")
        return ms, json.loads(line)

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=120)


def descendants(pid):
    children = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open("/proc/%s/stat" % name) as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(name))
            except (OSError, ValueError, IndexError):
                pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        for c in children.get(p, []):
            out.append(c)
            todo.append(c)
    return out


def rss_kib(pid, field="VmRSS"):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def warm_worker_memory(invoker):
    for pid in descendants(invoker.proc.pid):
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if b"sandbox_runner.serve()" in cmd:
            pss = None
            try:
                with open("/proc/%d/smaps_rollup" % pid) as f:
                    for line in f:
                        if line.startswith("Pss:"):
                            pss = int(line.split()[1])
            except OSError:
                pass
            return {"pid": pid, "rss_kib": rss_kib(pid), "pss_kib": pss}
    return None


def pool_memory():
    out = subprocess.run(["docker", "ps", "-q", "--filter", "label=interaction-sandbox.managed"],
                         capture_output=True, text=True).stdout.split()
    if not out:
        return []
    stats = subprocess.run(["docker", "stats", "--no-stream", "--format", "{{.Name}}\t{{.MemUsage}}"] + out,
                           capture_output=True, text=True).stdout.strip().splitlines()
    return [line.split("\t") for line in stats]


def jvm_rss(invoker):
    return rss_kib(invoker.proc.pid) or next((rss_kib(p) for p in descendants(invoker.proc.pid)
                                              if b"java" in open("/proc/%d/cmdline" % p, "rb").read()), None)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", default=os.path.join(REPO, "docs"))
    args = ap.parse_args()
    runs = 8 if args.quick else 30
    base_runs = 10 if args.quick else 30
    docker_runs = 3 if args.quick else 10
    cpu_runs = 2 if args.quick else 5
    started = time.time()
    report = {"quick": args.quick, "host": {"cpus": os.cpu_count(),
                                            "python": sys.version.split()[0],
                                            "load": "%.1f" % os.getloadavg()[0]}}
    log = lambda *a: print(*a, file=sys.stderr, flush=True)  # noqa: E731

    # ---- baselines ----
    log("baselines")
    report["bare_python"] = summary([timed([PYTHON, "-I", "-S", "-c", "pass"]) for _ in range(base_runs)])
    report["docker_run"] = summary([timed(["docker", "run", "--rm", "--network", "none", "--entrypoint", "python3",
                                           IMAGE, "-c", "pass"]) for _ in range(docker_runs)])
    cid = subprocess.run(["docker", "run", "-d", "--rm", "--network", "none", "--entrypoint", "sleep", IMAGE,
                          "600"], capture_output=True, text=True, check=True).stdout.strip()
    try:
        report["docker_exec"] = summary([timed(["docker", "exec", cid, "python3", "-c", "pass"])
                                         for _ in range(docker_runs * 2)])
    finally:
        subprocess.run(["docker", "rm", "-f", cid], capture_output=True)

    # ---- CPU-bound reference: the same loop in bare python3 ----
    n = 6_000_000
    loop = CPU_LOOP.replace("N", str(n))
    bare_loop, bare_wall = [], []
    for _ in range(cpu_runs):
        t = time.perf_counter()
        out = subprocess.run([PYTHON, "-I", "-S", "-c", loop], capture_output=True, text=True, check=True).stdout
        bare_wall.append((time.perf_counter() - t) * 1000)
        bare_loop.append(float(out) * 1000)
    report["cpu_bare"] = {"loop": summary(bare_loop), "wall": summary(bare_wall)}

    # ---- handler latency, throughput, memory, CPU per configuration ----
    codes = [("print(1)", "print(1)"), ("pi example", pi_code()), ("import-heavy", IMPORT_HEAVY)]
    report["latency"], report["throughput"], report["memory"], report["cpu"] = {}, {}, {}, {}
    for name, mode, env in CONFIGS:
        log("handler: " + name)
        inv = Invoker(env)
        pause = 0.6 if name == "container warm pool" else 0.05
        try:
            for _ in range(3):
                inv.call({"code": "print(0)", "mode": mode})
            samples = {label: [] for label, _ in codes}
            outcomes = {}
            for _ in range(runs):
                for label, code in codes:
                    time.sleep(pause)
                    ms, body = inv.call({"code": code, "mode": mode})
                    samples[label].append(ms)
                    key = "%s/%s" % (body.get("outcome"), body.get("mode"))
                    outcomes[key] = outcomes.get(key, 0) + 1
            report["latency"][name] = {label: summary(v) for label, v in samples.items()}
            report["latency"][name]["outcomes"] = outcomes
            if name in ("subprocess warm worker", "subprocess spawn", "container warm pool"):
                count = runs * 2
                t = time.perf_counter()
                for _ in range(count):
                    inv.call({"code": "print(1)", "mode": mode})
                report["throughput"][name] = count / (time.perf_counter() - t)
            if name == "subprocess warm worker":
                report["memory"]["warm worker"] = warm_worker_memory(inv)
                report["memory"]["jvm (local invoker)"] = {"rss_kib": jvm_rss(inv)}
            if name == "container warm pool":
                time.sleep(3)
                report["memory"]["pooled containers"] = pool_memory()
            if name in ("subprocess warm worker", "container warm pool"):
                inner, wall, dur, paired = [], [], [], []
                for _ in range(cpu_runs):
                    # a bare run right before each sandboxed one: the pair sees the same machine load
                    paired.append(float(subprocess.run([PYTHON, "-I", "-S", "-c", loop], capture_output=True,
                                                       text=True, check=True).stdout) * 1000)
                    ms, body = inv.call({"code": loop, "mode": mode, "timeoutSeconds": 60})
                    inner.append(float(body["stdout"]) * 1000)
                    wall.append(ms)
                    dur.append(body.get("durationMs") or 0)
                report["cpu"][name] = {"loop": summary(inner), "wall": summary(wall), "durationMs": summary(dur),
                                       "paired_ratio": summary([a / b for a, b in zip(inner, paired)])}
        finally:
            inv.close()

    # ---- where a warm subprocess-path invocation spends its time ----
    log("breakdown: warm runner alone")
    alone, isolation = breakdown.warm_runner_alone(PYTHON, runs * 3, tempfile.gettempdir())
    report["warm_runner_alone"] = dict(summary(alone), isolation=isolation)
    endpoint = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or os.environ["AWS_ENDPOINT_URL"]
    report["store"] = []
    for delay in (0, STORE_DELAY_MS):
        for writes in ("concurrent", "sequential"):
            log("breakdown: store +%d ms, %s writes" % (delay, writes))
            proxy = breakdown.DelayProxy(endpoint, delay)
            inv = Invoker({"SANDBOX_CONTAINER_LAUNCHER": "none", "SANDBOX_STORE_WRITES": writes,
                           "AWS_ENDPOINT_URL_DYNAMODB": proxy.url})
            try:
                for _ in range(3):
                    inv.call({"code": "print(0)", "mode": "subprocess"})
                before = proxy.requests
                samples = [inv.call({"code": "print(1)", "mode": "subprocess"})[0] for _ in range(runs * 3)]
                per_execution = (proxy.requests - before) / len(samples)
            finally:
                inv.close()
                proxy.close()
            report["store"].append(dict(summary(samples), delay_ms=delay, writes=writes,
                                        requests_per_execution=per_execution))

    # ---- cold start: process start to first response ----
    log("cold start")
    event = os.path.join(REPO, "events", "execute-subprocess.json")
    cold = []
    for _ in range(5 if args.quick else 9):
        t = time.perf_counter()
        p = subprocess.Popen(INVOKE_CMD + [event], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             env=dict(os.environ, SANDBOX_LOG_LEVEL="WARN"))
        p.stdout.readline()
        cold.append((time.perf_counter() - t) * 1000)
        p.wait(timeout=120)
    report["cold_start"] = summary(cold)
    report["elapsed_s"] = time.time() - started
    report["host"]["load_end"] = "%.1f" % os.getloadavg()[0]
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "benchmarks.json"), "w") as f:
        json.dump(report, f, indent=1)
    write_markdown(report, args.out, codes)
    plot(report, args.out, codes)
    log("wrote %s/benchmarks.md in %.0f s" % (args.out, report["elapsed_s"]))


def f1(x):
    return "%.1f" % x


def write_markdown(r, out, codes):
    bare = r["bare_python"]["p50"]
    lat = r["latency"]
    lines = ["# Benchmarks", "",
             "Written by `benchmarks/run%s` (%s CPUs, Python %s); took %.0f s. Whole handler invocations "
             "through `scripts/local-invoke -`'s command (one warm JVM per configuration; sanitise, audit, store, "
             "run, store, audit; DynamoDB on the local endpoint). Times in ms; noise is the min–max range. Load "
             "average (1 min) at the start: %s, at the end: %s."
             % (" --quick" if r["quick"] else "", r["host"]["cpus"], r["host"]["python"],
                r["elapsed_s"], r["host"]["load"], r["host"]["load_end"]), "",
             "## Baselines", "", "| what | p50 | p95 | min–max |", "|---|---|---|---|"]
    for label, key in (("bare `python3 -I -S -c pass`", "bare_python"),
                       ("bare `docker run --rm --network none` python3 -c pass", "docker_run"),
                       ("`docker exec` into a running container, python3 -c pass", "docker_exec")):
        s = r[key]
        lines.append("| %s | %s | %s | %s–%s |" % (label, f1(s["p50"]), f1(s["p95"]), f1(s["min"]), f1(s["max"])))
    lines += ["", "## Handler latency per path", "",
              "| path | code | p50 | p95 | p99 | min–max | p50 / bare python3 |", "|---|---|---|---|---|---|---|"]
    for name, _m, _e in CONFIGS:
        for label, _c in codes:
            s = lat[name][label]
            lines.append("| %s | %s | %s | %s | %s | %s–%s | %.2f |" % (
                name, label, f1(s["p50"]), f1(s["p95"]), f1(s["p99"]), f1(s["min"]), f1(s["max"]),
                s["p50"] / bare))
    lines += ["", "Outcomes seen: " + "; ".join("%s: %s" % (n, lat[n]["outcomes"]) for n, _m, _e in CONFIGS), ""]
    spawn, warm = lat["subprocess spawn"]["print(1)"]["p50"], lat["subprocess warm worker"]["print(1)"]["p50"]
    cold, pool = lat["container cold (pool 0)"]["print(1)"]["p50"], lat["container warm pool"]["print(1)"]["p50"]
    lines += ["## Headline ratios (print(1), p50)", "",
              "| ratio | value |", "|---|---|",
              "| subprocess spawn / warm worker | %.2f× |" % (spawn / warm),
              "| warm worker handler / bare `python3 -I -S -c pass` | %.2f× |" % (warm / bare),
              "| container cold / warm pool | %.2f× |" % (cold / pool),
              "| warm pool handler / bare `docker run` | %.2f× |" % (pool / r["docker_run"]["p50"]),
              "| warm pool handler / `docker exec` | %.2f× |" % (pool / r["docker_exec"]["p50"]), ""]
    lines += ["## Throughput of one warm function instance", "",
              "Sequential `print(1)` requests, no pause (a Lambda instance serves one request at a time).", "",
              "| path | executions/s |", "|---|---|"]
    for name, v in r["throughput"].items():
        lines.append("| %s | %.1f |" % (name, v))
    cb = r["cpu_bare"]
    lines += ["", "## CPU-bound overhead", "",
              "A pure-Python loop of about 1 s; `loop` is the loop's own time measured inside the code, `whole` the "
              "whole run (bare: process wall time; sandbox: the runner's durationMs). Ratios against bare python3.",
              "`paired ratio`: each sandboxed run divided by a bare run made right before it (same machine load).",
              "", "| where | loop p50 | loop ratio | paired ratio p50 (min–max) | whole p50 | whole ratio |"
              " loop min–max |", "|---|---|---|---|---|---|---|",
              "| bare python3 | %s | 1.00 | 1.00 | %s | 1.00 | %s–%s |" % (
                  f1(cb["loop"]["p50"]), f1(cb["wall"]["p50"]), f1(cb["loop"]["min"]), f1(cb["loop"]["max"]))]
    for name, v in r["cpu"].items():
        pr = v["paired_ratio"]
        lines.append("| %s | %s | %.3f | %.3f (%.3f–%.3f) | %s | %.3f | %s–%s |" % (
            name, f1(v["loop"]["p50"]), v["loop"]["p50"] / cb["loop"]["p50"], pr["p50"], pr["min"], pr["max"],
            f1(v["durationMs"]["p50"]), v["durationMs"]["p50"] / cb["wall"]["p50"], f1(v["loop"]["min"]),
            f1(v["loop"]["max"])))
    lines += ["", "Containers run with a 0.5 CPU quota (the seed's limit), so a CPU-bound loop there is bounded by "
              "the quota, not by overhead.", "", "## Memory", ""]
    m = r["memory"]
    w = m.get("warm worker") or {}
    lines.append("- warm worker (fork server, idle): RSS %s KiB, PSS %s KiB" % (w.get("rss_kib"), w.get("pss_kib")))
    lines.append("- JVM of the local invoker: RSS %s KiB" % (m.get("jvm (local invoker)") or {}).get("rss_kib"))
    for name, usage in m.get("pooled containers") or []:
        lines.append("- pooled container %s: %s" % (name, usage))
    c = r["cold_start"]
    lines += where_the_time_goes(r)
    lines += ["", "## Cold start", "",
              "`scripts/local-invoke events/execute-subprocess.json`'s JVM, with the class cache an earlier run "
              "recorded: process start (JVM start, init, first execution on the subprocess path) to its response "
              "line: p50 %s ms (min–max %s–%s, n=%d)."
              % (f1(c["p50"]), f1(c["min"]), f1(c["max"]), c["n"]), "",
              "![latency per path](benchmarks.png)", ""]
    with open(os.path.join(out, "benchmarks.md"), "w") as f:
        f.write("\n".join(lines))


def where_the_time_goes(r):
    alone, bare = r["warm_runner_alone"], r["bare_python"]["p50"]
    lines = ["", "## Where a warm subprocess-path invocation spends its time (print(1))", "",
             "The warm runner alone: a job through `sandbox_runner.py --serve` (fork a supervisor, apply every layer "
             "listed below, run, sweep), timed from writing the job to reading its result. Then the whole handler "
             "with %d ms added to every DynamoDB request (a stand-in for the network round trip to the real "
             "service) and without, with the writes of each step sent together (default) or one after another "
             "(`SANDBOX_STORE_WRITES=sequential`)." % STORE_DELAY_MS, "",
             "| what | p50 | p95 | min–max | p50 / bare python3 |", "|---|---|---|---|---|",
             "| bare `python3 -I -S -c pass` | %s | %s | %s–%s | 1.00 |" % (
                 f1(bare), f1(r["bare_python"]["p95"]), f1(r["bare_python"]["min"]), f1(r["bare_python"]["max"])),
             "| warm runner alone | %s | %s | %s–%s | %.2f |" % (
                 f1(alone["p50"]), f1(alone["p95"]), f1(alone["min"]), f1(alone["max"]), alone["p50"] / bare)]
    for s in r["store"]:
        lines.append("| handler, store +%d ms/request, %s writes (%.1f requests/execution) | %s | %s | %s–%s | %.2f |"
                     % (s["delay_ms"], s["writes"], s["requests_per_execution"], f1(s["p50"]), f1(s["p95"]),
                        f1(s["min"]), f1(s["max"]), s["p50"] / bare))
    by = {(s["delay_ms"], s["writes"]): s["p50"] for s in r["store"]}
    lines += ["", "Sequential / concurrent writes (p50): %.2f× on the local endpoint, %.2f× with +%d ms per request. "
              "Layers applied by the warm runner here: %s." % (
                  by[(0, "sequential")] / by[(0, "concurrent")],
                  by[(STORE_DELAY_MS, "sequential")] / by[(STORE_DELAY_MS, "concurrent")], STORE_DELAY_MS,
                  ", ".join(alone["isolation"]))]
    return lines


def plot(r, out, codes):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib missing: no plot", file=sys.stderr)
        return
    fig, ax = plt.subplots(figsize=(10, 5))
    names = [n for n, _m, _e in CONFIGS]
    width = 0.8 / len(codes)
    for i, (label, _c) in enumerate(codes):
        p50 = [r["latency"][n][label]["p50"] for n in names]
        p95 = [r["latency"][n][label]["p95"] for n in names]
        xs = [j + i * width for j in range(len(names))]
        ax.bar(xs, p50, width, label=label + " (p50; bar to p95)")
        ax.errorbar(xs, p50, yerr=[[0] * len(p50), [b - a for a, b in zip(p50, p95)]], fmt="none", ecolor="black",
                    capsize=3)
    for label, key, style in (("bare python3 -I -S -c pass", "bare_python", ":"),
                              ("docker exec", "docker_exec", "--"), ("docker run --rm", "docker_run", "-.")):
        ax.axhline(r[key]["p50"], linestyle=style, color="gray")
        ax.text(len(names) - 0.5, r[key]["p50"], " " + label, va="bottom", ha="right", fontsize=8)
    ax.set_xticks([j + width for j in range(len(names))])
    ax.set_xticklabels(names)
    ax.set_ylabel("ms per whole handler invocation")
    ax.set_title("InteractionSandbox latency per path (local stack)")
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "benchmarks.png"), dpi=110)


if __name__ == "__main__":
    main()
