#!/usr/bin/env python3
"""Start moto's server with local fixes for InteractionSandbox's local stack.

Usage: moto_server.py [moto.server options]   e.g.  moto_server.py -H 127.0.0.1 -p 4566

Same options as `python3 -m moto.server`. Before starting it applies:

* ECS awsvpc fix: moto's ECS RunTask with networkMode awsvpc reads
  `private_dns_name` from moto.ec2's NetworkInterface, which the class does not
  define (moto 5.x), so RunTask fails with an AttributeError. A read-only property
  derived from the interface's private IP (the EC2 naming scheme) is added, only
  when the class lacks one, so a moto release that fixes it is left alone.
  Harmless for every other service (DynamoDB, Step Functions, ...).
* Step Functions clone fix: StartExecution deep-copies the state machine, and moto's
  state machine holds a reference to its whole backend, i.e. to every execution of
  the region; once one of them holds a lock (a callback task, a running Map or a
  nested execution), every later StartExecution fails with "cannot pickle
  '_thread.RLock' object" (HTTP 500). The clone then shares the backend and takes a
  shallow copy of the execution list instead. Applied only when the class defines no
  __deepcopy__ of its own.
* Step Functions JSONPath filters: on AWS a filter expression (`$.items[?(@.x == 'y')]`)
  that matches nothing yields `[]`; moto's extract_json raises (States.Runtime) unless
  the path is a slice or wildcard (getmoto/moto#10078). Filter paths are treated like
  wildcard paths there.
* Step Functions `states:startExecution(.sync/.sync:2)` integration: moto passes the ASL
  field names (StateMachineArn, Input, Name) to boto3, whose Step Functions model spells
  them stateMachineArn, input, name (KeyError 'StateMachineArn', States.Runtime), and
  hands back boto3's camelCase response (with datetime objects) where AWS answers
  ExecutionArn, Output, Status... (dates as epoch milliseconds)
  Parameters are renamed to the boto3 spelling and responses to the AWS one.

Needs: pip install "moto[server]"
"""
from __future__ import annotations

import sys


def _private_dns_name(eni) -> str:  # type: ignore[no-untyped-def]
    ip = getattr(eni, "private_ip_address", None) or "0.0.0.0"
    backend = getattr(eni, "ec2_backend", None)
    region = getattr(backend, "region_name", None) or "us-east-1"
    suffix = "ec2.internal" if region == "us-east-1" else f"{region}.compute.internal"
    return f"ip-{ip.replace('.', '-')}.{suffix}"


def _clone_sharing_backend(self, memo):  # type: ignore[no-untyped-def]
    import copy

    cls = self.__class__
    clone = cls.__new__(cls)
    memo[id(self)] = clone
    for key, value in self.__dict__.items():
        if key == "backend":
            setattr(clone, key, value)
        elif key == "executions":
            setattr(clone, key, list(value))
        else:
            setattr(clone, key, copy.deepcopy(value, memo))
    return clone


def _patch_jsonpath_filters() -> bool:
    from moto.stepfunctions.parser.asl.utils import json_path

    original = json_path._contains_slice_or_wildcard_array
    if getattr(original, "_interaction_sandbox_filters", False):
        return False

    def contains_slice_wildcard_or_filter(path: str) -> bool:
        return "[?(" in path or original(path)

    contains_slice_wildcard_or_filter._interaction_sandbox_filters = True  # type: ignore[attr-defined]
    json_path._contains_slice_or_wildcard_array = contains_slice_wildcard_or_filter
    return True


def _patch_sfn_integration() -> bool:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sfn import (
        StateTaskServiceSfn,
    )

    if getattr(StateTaskServiceSfn, "_interaction_sandbox_names", False):
        return False
    normalise_parameters = StateTaskServiceSfn._normalise_parameters

    def parameters_in_boto_spelling(self, parameters, boto_service_name=None, service_action_name=None):  # type: ignore[no-untyped-def]
        normalise_parameters(self, parameters, boto_service_name=boto_service_name,
                             service_action_name=service_action_name)
        for key in list(parameters):
            boto_key = key[:1].lower() + key[1:]
            if boto_key != key:
                parameters[boto_key] = parameters.pop(key)

    def response_in_aws_spelling(self, response, boto_service_name=None, service_action_name=None):  # type: ignore[no-untyped-def]
        import datetime

        if isinstance(response, dict):
            for key in list(response):
                aws_key = key[:1].upper() + key[1:]
                value = response.pop(key)
                # AWS states dates in integration results as epoch milliseconds.
                if isinstance(value, datetime.datetime):
                    value = int(value.timestamp() * 1000)
                response[aws_key] = value

    StateTaskServiceSfn._normalise_parameters = parameters_in_boto_spelling
    StateTaskServiceSfn._normalise_response = response_in_aws_spelling
    StateTaskServiceSfn._interaction_sandbox_names = True
    return True


def apply_patches() -> list[str]:
    """Apply the fixes; returns the names of those applied (for the log)."""
    applied = []
    from moto.ec2.models.elastic_network_interfaces import NetworkInterface

    if not hasattr(NetworkInterface, "private_dns_name"):
        NetworkInterface.private_dns_name = property(_private_dns_name)  # type: ignore[attr-defined]
        applied.append("ec2.NetworkInterface.private_dns_name")
    from moto.stepfunctions.models import StateMachine

    if "__deepcopy__" not in StateMachine.__dict__:
        StateMachine.__deepcopy__ = _clone_sharing_backend  # type: ignore[attr-defined]
        applied.append("stepfunctions.StateMachine.__deepcopy__")
    if _patch_jsonpath_filters():
        applied.append("stepfunctions.json_path.filters")
    if _patch_sfn_integration():
        applied.append("stepfunctions.states-integration.names")
    return applied


def main(argv: list[str] | None = None) -> None:
    applied = apply_patches()
    print(f"moto_server: patches applied: {', '.join(applied) or 'none needed'}", file=sys.stderr, flush=True)
    from moto.server import main as moto_main

    moto_main(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
