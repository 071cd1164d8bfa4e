"""Shared by stress/soak and stress/faults: a warm handler (scripts/local-invoke -), leftovers, DynamoDB read-back."""

import json
import os
import queue
import subprocess
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The stress handlers get their own uid range and work root, so that what they count is theirs alone (other test
# runs on the same machine use the default range and the default temp directory).
UID_BASE = int(os.environ.get("STRESS_UID_BASE", "63000"))
UID_COUNT = 64
WORK_ROOT = os.path.join("/tmp", "stress-work-%d" % os.getpid())
HANDLER_PIDS = []
OUTCOMES = {"ok", "runtime_error", "syntax_error", "timeout", "memory_limit", "output_limit", "resource_limit",
            "policy_violation", "system_error"}
TERMINAL = {"COMPLETED", "FAILED", "REJECTED"}


_STACK_STARTED = []


def local_env(extra=None):
    if not _STACK_STARTED:
        subprocess.run([os.path.join(REPO, "scripts/local-stack"), "start"], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        _STACK_STARTED.append(True)
    env = dict(os.environ)
    out = subprocess.run([os.path.join(REPO, "scripts/local-stack"), "env"], capture_output=True, text=True,
                         check=True).stdout
    for line in out.splitlines():
        if line.startswith("export "):
            k, v = line[len("export "):].split("=", 1)
            env[k] = v
    env.setdefault("SANDBOX_LOG_LEVEL", "WARN")
    os.makedirs(WORK_ROOT, exist_ok=True)
    env.update({"SANDBOX_WORK_ROOT": WORK_ROOT, "SANDBOX_UID_BASE": str(UID_BASE), "SANDBOX_UID_COUNT": str(UID_COUNT),
                "JAVA_TOOL_OPTIONS": "-Djava.io.tmpdir=" + WORK_ROOT})
    env.update(extra or {})
    return env


def java_home():
    """The JDK the scripts use (scripts/lib/common.sh: JAVA_HOME if it is 21 or newer, else the newest installed)."""
    if not _JAVA_HOME:
        out = subprocess.run(["bash", "-c", 'source "$1/scripts/lib/common.sh" && echo "$JAVA_HOME"', "_", REPO],
                             capture_output=True, text=True, check=True).stdout.strip()
        _JAVA_HOME.append(out.splitlines()[-1])
    return _JAVA_HOME[0]


_JAVA_HOME = []


class Handler:
    """One warm handler JVM, started as scripts/local-invoke starts it (LocalInvoke -, the built jars), but with
    this environment (local-invoke would reset AWS_ENDPOINT_URL): JSON-lines events in, one answer line each."""

    def __init__(self, extra_env=None, log_path=None):
        self.env = local_env(extra_env)
        self.log = open(log_path or os.devnull, "ab")
        target = os.path.join(REPO, "functions/local/target")
        if not os.path.exists(os.path.join(target, "local.jar")):
            raise SystemExit("build first: mvn -B -DskipTests install (or scripts/local-invoke once)")
        java = os.path.join(java_home(), "bin/java")
        command = [java, "-XX:+UseSerialGC", "-Xshare:auto", "-cp",
                   os.path.join(target, "local.jar") + ":" + os.path.join(target, "lib/*"),
                   "dev.interactionsandbox.local.LocalInvoke", "-"]
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.log, env=self.env, cwd=REPO)
        HANDLER_PIDS.append(self.proc.pid)
        self.answers = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            line = line.strip()
            if line.startswith(b"{") and b'"_aws"' not in line[:10]:
                self.answers.put(line)
        self.answers.put(None)

    @property
    def pid(self):
        return self.proc.pid

    def send(self, event):
        self.proc.stdin.write((json.dumps(event) + "\n").encode())
        self.proc.stdin.flush()

    def call(self, event, timeout=120):
        self.send(event)
        return self.receive(timeout)

    def receive(self, timeout=120):
        line = self.answers.get(timeout=timeout)
        if line is None:
            raise RuntimeError("the handler exited")
        return json.loads(line)

    def close(self, timeout=60):
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        return self.proc.returncode

    def kill9(self):
        self.proc.kill()
        self.proc.wait()
        self.log.close()

    def fds(self):
        return len(os.listdir("/proc/%d/fd" % self.pid))

    def heap_used_kib(self):
        """Heap in use after a full GC, from jcmd (GC.run, then GC.heap_info)."""
        jcmd = os.path.join(java_home(), "bin/jcmd")
        subprocess.run([jcmd, str(self.pid), "GC.run"], capture_output=True, timeout=60)
        out = subprocess.run([jcmd, str(self.pid), "GC.heap_info"], capture_output=True, text=True,
                             timeout=60).stdout
        import re
        used = [int(re.search(r"used (\d+)K", line).group(1)) for line in out.splitlines()
                if re.match(r"^\s*[A-Za-z][\w -]*\s+total \d+K, used \d+K", line)]
        return sum(used) if used else -1


def sandbox_processes():
    found = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/status" % p) as f:
                for line in f:
                    if line.startswith("Uid:"):
                        uid = int(line.split()[1])
                        if UID_BASE <= uid < UID_BASE + UID_COUNT:
                            found.append(int(p))
                        break
        except OSError:
            pass
    return found


def managed_containers(owner_pid=None, mine=False):
    out = subprocess.run(["docker", "ps", "-a", "--filter", "label=interaction-sandbox.managed=true", "--format",
                          '{{.ID}} {{.Label "interaction-sandbox.owner"}}'], capture_output=True, text=True).stdout
    rows = [line.split(" ", 1) for line in out.splitlines() if line.strip()]
    def owner(row):
        parts = row[1].split("/") if len(row) > 1 else []
        return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
    if owner_pid is not None:
        return [r[0] for r in rows if owner(r) == owner_pid]
    if mine:
        return [r[0] for r in rows if owner(r) in HANDLER_PIDS]
    return [r[0] for r in rows]


def work_dirs(root=None):
    root = root or WORK_ROOT
    try:
        return sorted(n for n in os.listdir(root) if n.startswith("isb-"))
    except OSError:
        return []


def leftovers(root=None):
    """What the stress handlers left: processes of their uid range, containers they own, their work directories."""
    return {"processes": len(sandbox_processes()), "containers": len(managed_containers(mine=True)),
            "workDirs": len(work_dirs(root))}


def wait_for_baseline(baseline, root=None, seconds=20):
    deadline = time.time() + seconds
    now = leftovers(root)
    while now != baseline and time.time() < deadline:
        time.sleep(0.5)
        now = leftovers(root)
    return now


def dynamo(env=None):
    import boto3
    e = env or local_env()
    return boto3.client("dynamodb", endpoint_url=e["AWS_ENDPOINT_URL"], region_name=e["AWS_REGION"],
                        aws_access_key_id="local", aws_secret_access_key="local")


def stored_results(client, ids, table="Executions"):
    found = {}
    ids = list(ids)
    for i in range(0, len(ids), 100):
        keys = [{"executionId": {"S": x}} for x in ids[i:i + 100]]
        request = {table: {"Keys": keys}}
        while request:
            r = client.batch_get_item(RequestItems=request)
            for item in r["Responses"].get(table, []):
                found[item["executionId"]["S"]] = item
            request = r.get("UnprocessedKeys") or None
    return found


def audit_events(client, execution_id, table="Audit"):
    r = client.query(TableName=table, KeyConditionExpression="executionId = :i",
                     ExpressionAttributeValues={":i": {"S": execution_id}})
    return sorted(item["event"]["S"] for item in r["Items"])


def audit_by_tag_prefix(client, prefix, table="Audit"):
    """executionId -> sorted audit events, for every record whose tag starts with `prefix` (one scan)."""
    trails, start = {}, None
    while True:
        kw = {"TableName": table, "FilterExpression": "begins_with(tag, :p)",
              "ExpressionAttributeValues": {":p": {"S": prefix}}, "ProjectionExpression": "executionId, event"}
        if start:
            kw["ExclusiveStartKey"] = start
        r = client.scan(**kw)
        for item in r["Items"]:
            trails.setdefault(item["executionId"]["S"], []).append(item["event"]["S"])
        start = r.get("LastEvaluatedKey")
        if not start:
            return {k: sorted(v) for k, v in trails.items()}


def scan_tag(client, tag, table):
    items, start = [], None
    while True:
        kw = {"TableName": table, "FilterExpression": "tag = :t", "ExpressionAttributeValues": {":t": {"S": tag}}}
        if start:
            kw["ExclusiveStartKey"] = start
        r = client.scan(**kw)
        items += r["Items"]
        start = r.get("LastEvaluatedKey")
        if not start:
            return items


def write_section(path, name, text):
    """Replaces the section between <!-- NAME:begin --> and <!-- NAME:end --> (appended when missing)."""
    begin, end = "<!-- %s:begin (generated) -->" % name, "<!-- %s:end -->" % name
    try:
        with open(path) as f:
            doc = f.read()
    except OSError:
        doc = "# Reliability: soak and fault injection\n\n"
    block = begin + "\n" + text.rstrip() + "\n" + end
    if begin in doc and end in doc:
        doc = doc[:doc.index(begin)] + block + doc[doc.index(end) + len(end):]
    else:
        doc = doc.rstrip() + "\n\n" + block + "\n"
    with open(path, "w") as f:
        f.write(doc)


def cleanup():
    """Removes the stress handlers' private work root (its contents were counted before)."""
    import shutil
    shutil.rmtree(WORK_ROOT, ignore_errors=True)
