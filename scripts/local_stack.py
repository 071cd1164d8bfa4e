#!/usr/bin/env python3
"""Local AWS-compatible endpoint for InteractionSandbox (helper of scripts/local-stack).

Commands:
  start    start moto's server (scripts/moto_server.py) on 127.0.0.1:$LOCAL_STACK_PORT unless
           something already answers there, wait until it answers, then `setup`
  setup    create the DynamoDB tables declared in template.yaml (idempotent) and enable
           Step Functions execution in moto
  stop     stop the server this script started (pid file); leaves anything else alone
  status   say whether the endpoint answers, who started it, and list the tables

Environment:
  LOCAL_STACK_PORT           port (default 4566)
  LOCAL_STACK_START_TIMEOUT  seconds to wait for the server to answer (default 30)
  EXECUTIONS_TABLE, AUDIT_TABLE
                             local table names (default Executions, Audit); in general the
                             table of logical id FooTable is named Foo, overridable by FOO_TABLE
  XDG_RUNTIME_DIR            state dir parent (default /tmp): <parent>/interaction-sandbox/
                             holds moto.pid and moto.log

Needs: pip install "moto[server]" boto3 pyyaml
"""
from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REGION = "us-east-1"
CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}
TABLE_PROPERTIES = (
    "KeySchema",
    "AttributeDefinitions",
    "BillingMode",
    "ProvisionedThroughput",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "SSESpecification",
    "StreamSpecification",
    "TimeToLiveSpecification",
    "PointInTimeRecoverySpecification",
)

# Local traffic must never go through a proxy configured for the outside world.
for _var in ("NO_PROXY", "no_proxy"):
    os.environ[_var] = ",".join(filter(None, [os.environ.get(_var), "127.0.0.1", "localhost"]))


class LocalStackError(Exception):
    """A failure to report in one line and exit 1."""


# ---------------------------------------------------------------- configuration
def port() -> int:
    raw = os.environ.get("LOCAL_STACK_PORT", "4566")
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise LocalStackError(f"LOCAL_STACK_PORT must be a port number, got {raw!r}")
    return int(raw)


def endpoint() -> str:
    return f"http://127.0.0.1:{port()}"


def state_dir() -> Path:
    return Path(os.environ.get("XDG_RUNTIME_DIR") or "/tmp") / "interaction-sandbox"


def pid_file() -> Path:
    return state_dir() / "moto.pid"


def log_file() -> Path:
    return state_dir() / "moto.log"


def client(service: str):  # type: ignore[no-untyped-def]
    import boto3
    from botocore.config import Config

    config = Config(connect_timeout=2, read_timeout=10, retries={"max_attempts": 1})
    return boto3.client(service, endpoint_url=endpoint(), region_name=REGION, config=config, **CREDENTIALS)


# ---------------------------------------------------------------- template
def _cfn_loader():  # type: ignore[no-untyped-def]
    """A YAML SafeLoader that turns CloudFormation short forms (!Ref, !Sub, ...) into dicts."""
    import yaml

    class CfnLoader(yaml.SafeLoader):
        pass

    def construct(loader, tag_suffix, node):  # type: ignore[no-untyped-def]
        name = "Ref" if tag_suffix == "Ref" else f"Fn::{tag_suffix}"
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if tag_suffix == "GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {name: value}

    CfnLoader.add_multi_constructor("!", construct)
    return CfnLoader


def _has_intrinsic(value: Any) -> bool:
    if isinstance(value, dict):
        return any(k == "Ref" or k.startswith("Fn::") for k in value) or any(map(_has_intrinsic, value.values()))
    if isinstance(value, list):
        return any(map(_has_intrinsic, value))
    return False


def local_table_name(logical_id: str) -> str:
    base = logical_id[: -len("Table")] if logical_id.endswith("Table") and logical_id != "Table" else logical_id
    env = re.sub(r"(?<!^)(?=[A-Z])", "_", base).upper() + "_TABLE"
    return os.environ.get(env) or base


def template_tables(template_path: Path) -> dict[str, dict[str, Any]]:
    """Logical id -> literal table properties, as declared in the template."""
    import yaml

    try:
        template = yaml.load(template_path.read_text(encoding="utf-8"), Loader=_cfn_loader())
    except (OSError, yaml.YAMLError) as e:
        raise LocalStackError(f"cannot read {template_path}: {e}") from e
    tables = {}
    for logical_id, resource in (template.get("Resources") or {}).items():
        if resource.get("Type") != "AWS::DynamoDB::Table":
            continue
        props = resource.get("Properties") or {}
        for key in TABLE_PROPERTIES:
            if key in props and _has_intrinsic(props[key]):
                raise LocalStackError(
                    f"{template_path.name}: {logical_id}.{key} uses an intrinsic function; "
                    "keep table properties literal so the local stack can create them"
                )
        tables[logical_id] = props
    if not tables:
        raise LocalStackError(f"{template_path.name} declares no AWS::DynamoDB::Table")
    return tables


def create_table_request(name: str, props: dict[str, Any]) -> dict[str, Any]:
    """Translate CloudFormation table properties to a DynamoDB CreateTable request."""
    request: dict[str, Any] = {
        "TableName": name,
        "KeySchema": props["KeySchema"],
        "AttributeDefinitions": props["AttributeDefinitions"],
        "BillingMode": props.get("BillingMode", "PROVISIONED"),
    }
    if request["BillingMode"] == "PROVISIONED":
        request["ProvisionedThroughput"] = props.get(
            "ProvisionedThroughput", {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        )
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if props.get(key):
            request[key] = props[key]
    sse = props.get("SSESpecification")
    if sse:
        request["SSESpecification"] = {"Enabled": bool(sse.get("SSEEnabled"))}
        for k in ("SSEType", "KMSMasterKeyId"):
            if k in sse:
                request["SSESpecification"][k] = sse[k]
    stream = props.get("StreamSpecification")
    if stream:
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
    return request


# ---------------------------------------------------------------- endpoint
def answers() -> bool:
    """True when an AWS-compatible DynamoDB endpoint answers on the port."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        client("dynamodb").list_tables(Limit=1)
        return True
    except (BotoCoreError, ClientError, OSError):
        return False


def port_open() -> bool:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port())) == 0


def read_pid() -> int | None:
    try:
        return int(pid_file().read_text().strip())
    except (OSError, ValueError):
        return None


def is_our_server(pid: int) -> bool:
    """The pid is alive and runs scripts/moto_server.py (guards against pid reuse)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False
    cmdline = Path(f"/proc/{pid}/cmdline")
    if cmdline.exists():
        text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
    else:  # no procfs (macOS)
        out = subprocess.run(["ps", "-p", str(pid), "-o", "command="], capture_output=True, text=True)
        text = out.stdout
    return "moto_server.py" in text


def log_tail(lines: int = 20) -> str:
    try:
        return "\n".join(log_file().read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def wait_until_answers(deadline: float, proc: subprocess.Popen | None) -> None:  # type: ignore[type-arg]
    interval = 0.05
    while True:
        if answers():
            return
        if proc is not None and proc.poll() is not None:
            raise LocalStackError(
                f"moto server exited with status {proc.returncode} before answering; log {log_file()}:\n{log_tail()}"
            )
        if time.monotonic() >= deadline:
            raise LocalStackError(f"nothing answered on {endpoint()} in time; log {log_file()}:\n{log_tail()}")
        time.sleep(interval)  # polling a condition, bounded by the deadline
        interval = min(interval * 2, 0.5)


def start_server() -> subprocess.Popen:  # type: ignore[type-arg]
    state_dir().mkdir(parents=True, exist_ok=True, mode=0o700)
    log = open(log_file(), "wb")  # noqa: SIM115 - handed to the child; one log per start
    try:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "moto_server.py"), "-H", "127.0.0.1", "-p", str(port())],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # outlives this script and the terminal
            cwd=str(state_dir()),
        )
    finally:
        log.close()
    pid_file().write_text(f"{proc.pid}\n")
    return proc


# ---------------------------------------------------------------- setup
def enable_stepfunctions_execution() -> bool:
    body = json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode()
    req = urllib.request.Request(
        f"{endpoint()}/moto-api/config", data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=5) as resp:
            return 200 <= resp.status < 300
    except (urllib.error.URLError, OSError):
        return False


def ensure_table(ddb, name: str, props: dict[str, Any]) -> str:  # type: ignore[no-untyped-def]
    request = create_table_request(name, props)
    try:
        existing = ddb.describe_table(TableName=name)["Table"]
        created = False
    except ddb.exceptions.ResourceNotFoundException:
        try:
            ddb.create_table(**request)
            created = True
        except ddb.exceptions.ResourceInUseException:  # created concurrently
            created = False
        existing = None

    if existing is not None:
        want = sorted((k["AttributeName"], k["KeyType"]) for k in request["KeySchema"])
        have = sorted((k["AttributeName"], k["KeyType"]) for k in existing["KeySchema"])
        if want != have:
            raise LocalStackError(
                f"table {name} exists with key schema {have}, template declares {want}; "
                f"delete it (aws --endpoint-url {endpoint()} dynamodb delete-table --table-name {name}) "
                "or restart the local stack"
            )

    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})

    notes = []
    ttl = props.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled"):
        current = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        if current.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING") or current.get("AttributeName") != ttl[
            "AttributeName"
        ]:
            ddb.update_time_to_live(
                TableName=name, TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True}
            )
        notes.append(f"ttl={ttl['AttributeName']}")
    pitr = props.get("PointInTimeRecoverySpecification")
    if pitr and pitr.get("PointInTimeRecoveryEnabled"):
        try:
            ddb.update_continuous_backups(
                TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
            )
            notes.append("pitr")
        except Exception as e:  # not every emulator implements it; it changes nothing locally
            notes.append(f"pitr unsupported ({type(e).__name__})")
    keys = ",".join(f"{k['AttributeName']}:{k['KeyType']}" for k in request["KeySchema"])
    return f"{'created' if created else 'exists '} {name} ({keys}; {request['BillingMode']}; {'; '.join(notes)})"


def setup(template_path: Path) -> None:
    tables = template_tables(template_path)
    ddb = client("dynamodb")
    for logical_id, props in tables.items():
        print(f"local-stack: {ensure_table(ddb, local_table_name(logical_id), props)}  <- {logical_id}")
    if enable_stepfunctions_execution():
        print("local-stack: Step Functions state machine execution enabled")
    else:
        print("local-stack: warning: could not enable Step Functions execution (endpoint is not moto?)", file=sys.stderr)


# ---------------------------------------------------------------- commands
def cmd_start(args: argparse.Namespace) -> int:
    deadline = time.monotonic() + float(os.environ.get("LOCAL_STACK_START_TIMEOUT", "30"))
    if answers():
        print(f"local-stack: {endpoint()} already answers; not starting another server")
    elif port_open():
        raise LocalStackError(f"port {port()} is taken by something that is not an AWS-compatible endpoint")
    else:
        pid = read_pid()
        if pid is not None and is_our_server(pid):
            print(f"local-stack: server pid {pid} is still starting")
            proc = None
        else:
            proc = start_server()
            print(f"local-stack: started moto server pid {proc.pid} on {endpoint()} (log {log_file()})")
        try:
            wait_until_answers(deadline, proc)
        except LocalStackError:
            # Like a failed container start: the log is in the error, then stop what we started.
            if proc is not None and proc.poll() is None:
                stop_pid(proc.pid)
            pid_file().unlink(missing_ok=True)
            raise
    setup(args.template)
    print(f"local-stack: ready at {endpoint()}  (eval \"$(scripts/local-stack env)\")")
    return 0


def stop_pid(pid: int) -> None:
    """SIGTERM, then SIGKILL after a grace period; returns once the server is gone."""
    for sig, grace in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and is_our_server(pid):
            time.sleep(0.05)  # polling for exit, bounded by the deadline
        if not is_our_server(pid):
            return
    raise LocalStackError(f"moto server pid {pid} did not stop")


def cmd_stop(args: argparse.Namespace) -> int:
    pid = read_pid()
    if pid is None or not is_our_server(pid):
        pid_file().unlink(missing_ok=True)
        note = " (something else answers there; left alone)" if answers() else ""
        print(f"local-stack: no server started by local-stack is running{note}")
        return 0
    stop_pid(pid)
    pid_file().unlink(missing_ok=True)
    print(f"local-stack: stopped moto server pid {pid}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    pid = read_pid()
    ours = pid is not None and is_our_server(pid)
    if not answers():
        state = f"not answering (server pid {pid} running, not ready?)" if ours else "not answering"
        print(f"local-stack: {endpoint()} {state}")
        return 3
    owner = f"moto server pid {pid} started by local-stack" if ours else "not started by local-stack"
    tables = client("dynamodb").list_tables().get("TableNames", [])
    print(f"local-stack: {endpoint()} answers ({owner}); tables: {', '.join(tables) or 'none'}")
    return 0


def cmd_setup(args: argparse.Namespace) -> int:
    if not answers():
        raise LocalStackError(f"nothing answers on {endpoint()}; run scripts/local-stack start")
    setup(args.template)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="InteractionSandbox local AWS endpoint (moto)")
    ap.add_argument("command", nargs="?", default="start", choices=["start", "stop", "status", "setup"])
    ap.add_argument("--template", type=Path, default=ROOT / "template.yaml")
    args = ap.parse_args(argv)
    try:
        return {"start": cmd_start, "stop": cmd_stop, "status": cmd_status, "setup": cmd_setup}[args.command](args)
    except LocalStackError as e:
        print(f"local-stack: error: {e}", file=sys.stderr)
        return 1
    except ImportError as e:
        print(f"local-stack: error: {e} (pip install \"moto[server]\" boto3 pyyaml)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
