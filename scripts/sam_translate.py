#!/usr/bin/env python3
"""Translate template.yaml with the AWS SAM translator and check the result.

Usage: sam_translate.py [--template FILE] [--output FILE] [--quiet] [--params A=1,B=2 ...]

Translates once with the template's defaults and once per --params set given
(see scripts/validate-template),
then runs structural checks on the generated CloudFormation that neither
cfn-lint nor the translator make (auth on every method, body validation,
least-privilege roles, literal table properties for scripts/local-stack).

Exit status: 0 ok, 1 translation or check failure, 2 usage error.
"""
from __future__ import annotations

import argparse
import copy
import json
import logging
import os
import sys
from typing import Any

# The translator logs feature-toggle and metrics chatter at INFO/WARNING; errors are ours to report.
logging.basicConfig(level=logging.ERROR)
# The translator resolves pseudo parameters (partition, region) from a boto session.
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

from samtranslator.model.exceptions import InvalidDocumentException  # noqa: E402
from samtranslator.parser.parser import Parser  # noqa: E402
from samtranslator.translator.translator import Translator  # noqa: E402
from samtranslator.yaml_helper import yaml_parse  # noqa: E402

# What `sam build` writes into ImageUri for an image function built from Metadata.
PLACEHOLDER_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/interaction-sandbox:placeholder"

TABLE_LITERAL_KEYS = (
    "KeySchema",
    "AttributeDefinitions",
    "BillingMode",
    "TimeToLiveSpecification",
    "PointInTimeRecoverySpecification",
)


def has_intrinsic(value: Any) -> bool:
    if isinstance(value, dict):
        if any(k == "Ref" or k.startswith("Fn::") for k in value):
            return True
        return any(has_intrinsic(v) for v in value.values())
    if isinstance(value, list):
        return any(has_intrinsic(v) for v in value)
    return False


def as_built(template: dict[str, Any]) -> dict[str, Any]:
    """Mimic `sam build`: image functions built from Metadata get an ImageUri."""
    built = copy.deepcopy(template)
    for resource in built.get("Resources", {}).values():
        props = resource.get("Properties", {})
        if (
            resource.get("Type") == "AWS::Serverless::Function"
            and props.get("PackageType") == "Image"
            and "ImageUri" not in props
            and "Dockerfile" in resource.get("Metadata", {})
        ):
            props["ImageUri"] = PLACEHOLDER_IMAGE
    return built


def translate(template: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
    translator = Translator(None, Parser())
    return translator.translate(
        as_built(template),
        parameter_values=dict(params),
        get_managed_policy_map=lambda: {},
    )


def statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for policy in role["Properties"].get("Policies", []):
        out.extend(policy["PolicyDocument"]["Statement"])
    return out


def check_source(template: dict[str, Any]) -> list[str]:
    problems = []
    tables = {
        name: r for name, r in template["Resources"].items() if r.get("Type") == "AWS::DynamoDB::Table"
    }
    for required in ("ExecutionsTable", "AuditTable"):
        if required not in tables:
            problems.append(f"missing table {required}")
    for name, table in tables.items():
        for key in TABLE_LITERAL_KEYS:
            if key not in table.get("Properties", {}):
                problems.append(f"{name}: {key} missing")
            elif has_intrinsic(table["Properties"][key]):
                problems.append(f"{name}: {key} must be a plain literal (scripts/local-stack reads it)")
    return problems


def check_output(cfn: dict[str, Any], params: dict[str, str], key_required: bool) -> list[str]:
    problems: list[str] = []
    res = cfn["Resources"]

    def of_type(t: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in res.items() if v["Type"] == t}

    stages = of_type("AWS::ApiGateway::Stage")
    if [s["Properties"]["StageName"] for s in stages.values()] != ["v1"]:
        problems.append(f"expected exactly one stage v1, got {[s['Properties']['StageName'] for s in stages.values()]}")

    apis = of_type("AWS::ApiGateway::RestApi")
    auth = params.get("ApiAuth", "AWS_IAM")
    for api_id, api in apis.items():
        paths = api["Properties"]["Body"]["paths"]
        seen = set()
        for path, methods in paths.items():
            for method, op in methods.items():
                seen.add(f"{method.upper()} {path}")
                integration = op.get("x-amazon-apigateway-integration", {})
                if "credentials" in integration:
                    problems.append(f"{method} {path}: integration uses caller credentials ({integration['credentials']})")
                security = [next(iter(s)) for s in op.get("security", [])]
                if auth == "AWS_IAM" and "AWS_IAM" not in security:
                    problems.append(f"{method} {path}: not protected by AWS_IAM (security={security})")
                if key_required != ("api_key" in security):
                    problems.append(f"{method} {path}: API key requirement is not {key_required} (security={security})")
                if method == "post" and path == "/executions":
                    if "x-amazon-apigateway-request-validator" not in op or "requestBody" not in op:
                        problems.append("POST /executions: body is not validated against a model")
        for expected in ("POST /executions", "GET /executions/{id}"):
            if expected not in seen:
                problems.append(f"{api_id}: route {expected} missing")

    functions = of_type("AWS::Lambda::Function")
    for name in ("ExecuteFunction", "SubprocessExecutorFunction"):
        fn = functions.get(name)
        if fn is None:
            problems.append(f"function {name} missing")
            continue
        p = fn["Properties"]
        if p.get("PackageType") != "Image" or "ImageConfig" not in p:
            problems.append(f"{name}: expected an image function with ImageConfig")
        if p.get("LoggingConfig", {}).get("LogFormat") != "JSON":
            problems.append(f"{name}: LoggingConfig.LogFormat JSON missing")

    # Least privilege: no managed policies, no wildcards, executor limited to its logs.
    roles = of_type("AWS::IAM::Role")
    for name in ("ExecuteFunctionRole", "SubprocessExecutorRole"):
        role = roles.get(name)
        if role is None:
            problems.append(f"role {name} missing")
            continue
        if role["Properties"].get("ManagedPolicyArns"):
            problems.append(f"{name}: must not attach managed policies")
        for st in statements(role):
            actions = st["Action"] if isinstance(st["Action"], list) else [st["Action"]]
            if st.get("Effect") != "Allow":
                continue
            if any("*" in a for a in actions) or st.get("Resource") == "*":
                problems.append(f"{name}: wildcard in {st.get('Sid')}")
            if name == "SubprocessExecutorRole" and not set(actions) <= {"logs:CreateLogStream", "logs:PutLogEvents"}:
                problems.append(f"SubprocessExecutorRole may only write logs, found {actions}")
            if name == "ExecuteFunctionRole" and st.get("Resource") == {"Fn::GetAtt": ["AuditTable", "Arn"]}:
                if set(actions) != {"dynamodb:PutItem"}:
                    problems.append(f"audit table must be append-only (PutItem), found {actions}")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--template", default="template.yaml")
    ap.add_argument("--quiet", action="store_true", help="print nothing on success")
    ap.add_argument("--output", help="write the translated template (default parameters) as JSON here")
    ap.add_argument(
        "--params",
        action="append",
        default=[],
        metavar="A=1,B=2",
        help="an extra parameter set to translate with (repeatable)",
    )
    args = ap.parse_args()

    try:
        with open(args.template, encoding="utf-8") as f:
            template = yaml_parse(f.read())
    except (OSError, ValueError) as e:
        print(f"sam-translate: cannot read {args.template}: {e}", file=sys.stderr)
        return 2

    param_sets: list[dict[str, str]] = [{}]
    for spec in args.params:
        try:
            param_sets.append(dict(item.split("=", 1) for item in spec.split(",") if item))
        except ValueError:
            print(f"sam-translate: bad --params {spec!r} (want A=1,B=2)", file=sys.stderr)
            return 2

    failures = [f"source: {p}" for p in check_source(template)]
    api_auth = template["Resources"].get("SandboxApi", {}).get("Properties", {}).get("Auth", {})
    key_required = api_auth.get("ApiKeyRequired") is True
    resources = 0
    for params in param_sets:
        label = ",".join(f"{k}={v}" for k, v in params.items()) or "defaults"
        try:
            cfn = translate(template, params)
        except InvalidDocumentException as e:
            failures.extend(f"[{label}] translate: {c.message}" for c in e.causes)
            continue
        except Exception as e:  # translator bugs surface as arbitrary exceptions
            failures.append(f"[{label}] translate: {type(e).__name__}: {e}")
            continue
        failures.extend(f"[{label}] {p}" for p in check_output(cfn, params, key_required))
        if not params:
            resources = len(cfn["Resources"])
            if args.output:
                with open(args.output, "w", encoding="utf-8") as f:
                    json.dump(cfn, f, indent=2, sort_keys=True)

    for failure in failures:
        print(f"sam-translate: {failure}", file=sys.stderr)
    if failures:
        return 1
    if not args.quiet:
        print(f"sam-translate: ok ({len(param_sets)} parameter set(s), {resources} CloudFormation resources)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
