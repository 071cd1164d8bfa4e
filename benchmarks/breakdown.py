"""Where a warm subprocess-path invocation spends its time (used by bench.py).

* the warm runner alone: one `print(1)` job through `sandbox_runner.py --serve` (fork a supervisor, apply every
  layer, run, sweep), timed from writing the job line to reading its result line, with the isolation the handler's
  runs get on this host;
* the store's share: the same handler with every DynamoDB request delayed by a fixed time (a stand-in for the
  network round trip to the real service, which the local endpoint does not have), once with the writes of each step
  sent together (the default) and once one after another (SANDBOX_STORE_WRITES=sequential).
"""
import http.client
import http.server
import json
import os
import subprocess
import threading
import time
import urllib.parse

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNNER = os.path.join(REPO, "runner-image", "runner", "sandbox_runner.py")


def warm_runner_alone(python, runs, work_root):
    """Round trips (ms) of print(1) jobs through one warm fork server, after a few warm-up jobs."""
    proc = subprocess.Popen([python, "-I", "-S", RUNNER, "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env={})
    times, isolation = [], []
    try:
        if not proc.stdout.readline():
            raise RuntimeError("the warm runner did not start")
        for i in range(runs + 3):
            job = {"id": "bench-%d" % i, "job": {"code": "print(1)", "timeoutSeconds": 10, "memoryMb": 256,
                                                 "policy": "standard", "workRoot": work_root}}
            t = time.perf_counter()
            proc.stdin.write((json.dumps(job) + "\n").encode())
            proc.stdin.flush()
            answer = json.loads(proc.stdout.readline())
            ms = (time.perf_counter() - t) * 1000
            result = answer.get("result") or {}
            if result.get("outcome") != "ok":
                raise RuntimeError("warm runner job failed: %s" % answer)
            if i >= 3:
                times.append(ms)
                isolation = result.get("isolation", [])
    finally:
        proc.stdin.close()
        proc.wait(timeout=30)
    return times, isolation


class DelayProxy:
    """An HTTP proxy in front of the local DynamoDB endpoint that holds every request for `delay_ms` first."""

    def __init__(self, target_url, delay_ms):
        target = urllib.parse.urlsplit(target_url)
        host, port, delay = target.hostname, target.port or 80, delay_ms / 1000.0
        self.requests = 0
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # headers and body leave in separate writes: without this, Nagle's algorithm and the client's delayed
            # ACK hold every answer for tens of milliseconds
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                proxy.requests += 1
                time.sleep(delay)
                upstream = http.client.HTTPConnection(host, port, timeout=30)
                try:
                    headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                    upstream.request("POST", self.path, body=body, headers=headers)
                    answer = upstream.getresponse()
                    payload = answer.read()
                    self.send_response(answer.status)
                    for k, v in answer.getheaders():
                        if k.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server"):
                            self.send_header(k, v)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                finally:
                    upstream.close()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
