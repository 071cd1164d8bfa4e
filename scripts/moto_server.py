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


def apply_patches() -> list[str]:
    """Apply the fixes; returns the names of those applied (for the log)."""
    applied = []
    from moto.ec2.models.elastic_network_interfaces import NetworkInterface

    if not hasattr(NetworkInterface, "private_dns_name"):
        NetworkInterface.private_dns_name = property(_private_dns_name)  # type: ignore[attr-defined]
        applied.append("ec2.NetworkInterface.private_dns_name")
    return applied


def main(argv: list[str] | None = None) -> None:
    applied = apply_patches()
    print(f"moto_server: patches applied: {', '.join(applied) or 'none needed'}", file=sys.stderr, flush=True)
    from moto.server import main as moto_main

    moto_main(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
