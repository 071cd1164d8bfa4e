#!/usr/bin/env python3
"""Translate template.yaml with the AWS SAM translator and check the result.

Usage: sam_translate.py [--template FILE] [--output FILE] [--quiet] [--params A=1,B=2 ...]

Translates once with the template's defaults and once per --params set given
(see scripts/validate-template), resolves what CloudFormation would for that set
(Rules, Conditions, Fn::If, AWS::NoValue, parameter references), then runs
structural checks on the result that neither cfn-lint nor the translator make
(the API's authentication per ApiAuth and ApiKeyRequired on every method, body
validation, who may invoke the functions, least-privilege roles, literal table
properties for scripts/local-stack, and
for the container path: the runner task definition's hardening, a network with
no way out but the VPC endpoints, and the wiring of ExecuteFunction to both).

Exit status: 0 ok, 1 translation or check failure, 2 usage error.
"""
from __future__ import annotations

import argparse
import copy
import json
import logging
import os
import re
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


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PLACEHOLDER = re.compile(r"\$\{([^}]+)\}")


def load_definition(uri: str) -> dict[str, Any]:
    with open(os.path.join(ROOT, uri), encoding="utf-8") as f:
        return json.load(f)


def inline_definitions(template: dict[str, Any]) -> dict[str, Any]:
    """State machines with a local DefinitionUri get the file as an inline Definition (what
    `sam package` uploads; inline, cfn-lint's E3601 and the translator see the states)."""
    inlined = copy.deepcopy(template)
    for resource in inlined.get("Resources", {}).values():
        props = resource.get("Properties", {})
        if resource.get("Type") == "AWS::Serverless::StateMachine" and isinstance(props.get("DefinitionUri"), str):
            props["Definition"] = load_definition(props.pop("DefinitionUri"))
    return inlined


def as_built(template: dict[str, Any]) -> dict[str, Any]:
    """Mimic `sam build`: image functions built from Metadata get an ImageUri; local state
    machine definitions are inlined."""
    built = inline_definitions(template)
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


# Step Functions' CloudWatch Logs delivery: no resource-level permissions exist for these.
LOG_DELIVERY = {
    "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
}
# Every action each role may hold. Anything else is a finding (add it here deliberately).
ALLOWED_ACTIONS = {
    "ExecuteFunctionRole": {
        "dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem",
        "lambda:InvokeFunction",
        "logs:CreateLogStream", "logs:PutLogEvents",
        # container path
        "ecs:RunTask", "ecs:DescribeTasks", "ecs:StopTask", "iam:PassRole", "logs:GetLogEvents",
        "ecs:DescribeTaskDefinition",
        # runner pool: list the waiting tasks; the function's own interfaces in the VPC
        "ecs:ListTasks", "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses", "ec2:DescribeNetworkInterfaces",
    },
    "SubprocessExecutorRole": {"logs:CreateLogStream", "logs:PutLogEvents", "ec2:CreateNetworkInterface",
                               "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses",
                               "ec2:UnassignPrivateIpAddresses", "ec2:DescribeNetworkInterfaces"},
    "ExecuteStateMachineRole": {"lambda:InvokeFunction", *LOG_DELIVERY},
    "FanOutStateMachineRole": {
        "states:StartExecution", "states:DescribeExecution", "states:StopExecution",
        "events:PutTargets", "events:PutRule", "events:DescribeRule", *LOG_DELIVERY,
    },
    "RunnerExecutionRole": {
        "ecr:GetAuthorizationToken", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer",
        "logs:CreateLogStream", "logs:PutLogEvents",
    },
}
# Actions without resource-level permissions: the only ones allowed on Resource "*", alone in their statement.
RESOURCELESS_ACTIONS = {
    "RunnerExecutionRole": {"ecr:GetAuthorizationToken"},
    "SubprocessExecutorRole": {"ec2:DescribeNetworkInterfaces"},
    # ListTasks' only resource type is the container instance (Fargate tasks have none): scoped by ecs:cluster.
    "ExecuteFunctionRole": {"ecs:DescribeTaskDefinition", "ecs:ListTasks", "ec2:DescribeNetworkInterfaces"},
    "ExecuteStateMachineRole": LOG_DELIVERY,
    "FanOutStateMachineRole": LOG_DELIVERY,
}
# Exact resources of the workflow roles' scoped statements.
WORKFLOW_RESOURCES = {
    ("ExecuteStateMachineRole", "lambda:InvokeFunction"): {"Fn::GetAtt": ["ExecuteFunction", "Arn"]},
    ("FanOutStateMachineRole", "states:StartExecution"): {"Ref": "ExecuteStateMachine"},
}
ECS_TASKS = "ecs-tasks.amazonaws.com"
RUNNER_CONTAINER = "runner"
RUNNER_LOG_STREAM_PREFIX = "runner"
# What a pooled runner task gets in its environment (listen mode), and nothing else.
POOL_ENVIRONMENT = {"SANDBOX_LISTEN_PORT", "SANDBOX_IDLE_SECONDS"}
# Ulimit names Fargate accepts (task definition parameters, Fargate considerations).
FARGATE_ULIMITS = {
    "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc", "rss",
    "rtprio", "rttime", "sigpending", "stack",
}
ANYWHERE = {"0.0.0.0/0", "::/0"}
ARN_PREFIX = "arn:${AWS::Partition}:{service}:${AWS::Region}:${AWS::AccountId}:"


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def sub_string(value: Any) -> str | None:
    """The template string of a {"Fn::Sub": "..."} (or its list form), else None."""
    if isinstance(value, dict) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        return sub[0] if isinstance(sub, list) else sub
    return None


def condition_value(st: dict[str, Any], operator: str, key: str) -> Any:
    return st.get("Condition", {}).get(operator, {}).get(key)


# ---- What CloudFormation makes of the translated template for one parameter set. The translator
# leaves Conditions, Fn::If and AWS::NoValue to CloudFormation (the API body chooses its security
# with them), so the checks evaluate them here: resource Conditions, Fn::If, AWS::NoValue, and
# parameter values in Ref and Fn::Sub (resource references and pseudo parameters stay as they are).
NO_VALUE = object()


class TemplateError(Exception):
    """The template uses something the evaluator cannot decide (an unknown condition or parameter)."""


def parameter_values(template: dict[str, Any], params: dict[str, str]) -> dict[str, str]:
    """The template's parameter defaults overridden by ``params``, as the strings CloudFormation compares."""
    values = {name: str(p["Default"]) for name, p in template.get("Parameters", {}).items() if "Default" in p}
    values.update(params)
    return values


def parameter_problems(template: dict[str, Any], params: dict[str, str]) -> list[str]:
    """Values CloudFormation would refuse: unknown names, AllowedValues, AllowedPattern."""
    problems = []
    declared = template.get("Parameters", {})
    for name, value in params.items():
        p = declared.get(name)
        if p is None:
            problems.append(f"parameter {name} is not declared")
            continue
        if "AllowedValues" in p and value not in [str(v) for v in p["AllowedValues"]]:
            problems.append(f"parameter {name}={value!r} not in {p['AllowedValues']}")
        if "AllowedPattern" in p and not re.fullmatch(p["AllowedPattern"], value):
            problems.append(f"parameter {name}={value!r} does not match its AllowedPattern")
    return problems


class Evaluator:
    """Conditions, Rules and intrinsics of a template for one set of parameter values."""

    def __init__(self, template: dict[str, Any], values: dict[str, str]):
        self.conditions = template.get("Conditions", {})
        self.values = values
        self._decided: dict[str, bool] = {}

    def operand(self, expr: Any) -> str:
        if isinstance(expr, dict) and set(expr) == {"Ref"}:
            if expr["Ref"] not in self.values:
                raise TemplateError(f"no value for parameter {expr['Ref']}")
            return self.values[expr["Ref"]]
        if isinstance(expr, (dict, list)):
            return json.dumps(self.resolve(expr), sort_keys=True)
        return str(expr).lower() if isinstance(expr, bool) else str(expr)

    def test(self, expr: Any) -> bool:
        """A condition expression (Fn::Equals/Not/And/Or, {"Condition": name}); also a rule's."""
        if not isinstance(expr, dict) or len(expr) != 1:
            raise TemplateError(f"not a condition: {expr!r}")
        (fn, args), = expr.items()
        if fn == "Condition":
            return self.condition(args)
        if fn == "Fn::Equals":
            return self.operand(args[0]) == self.operand(args[1])
        if fn == "Fn::Not":
            return not self.test(args[0])
        if fn == "Fn::And":
            return all(self.test(a) for a in args)
        if fn == "Fn::Or":
            return any(self.test(a) for a in args)
        raise TemplateError(f"unsupported condition function {fn}")

    def condition(self, name: str) -> bool:
        if name not in self._decided:
            if name not in self.conditions:
                raise TemplateError(f"unknown condition {name}")
            self._decided[name] = self.test(self.conditions[name])
        return self._decided[name]

    def resolve(self, value: Any) -> Any:
        """``value`` with Fn::If chosen, AWS::NoValue dropped and parameter values substituted."""
        if isinstance(value, list):
            return [r for r in (self.resolve(v) for v in value) if r is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if set(value) == {"Fn::If"}:
            name, when_true, when_false = value["Fn::If"]
            return self.resolve(when_true if self.condition(name) else when_false)
        if set(value) == {"Ref"}:
            ref = value["Ref"]
            if ref == "AWS::NoValue":
                return NO_VALUE
            return self.values.get(ref, value)
        if set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
            return {"Fn::Sub": PLACEHOLDER.sub(lambda m: self.values.get(m.group(1), m.group(0)), value["Fn::Sub"])}
        return {k: r for k, r in ((k, self.resolve(v)) for k, v in value.items()) if r is not NO_VALUE}

    def effective(self, cfn: dict[str, Any]) -> dict[str, Any]:
        """The resources and outputs that exist for these values, resolved."""
        out = {k: v for k, v in cfn.items() if k not in ("Resources", "Outputs")}
        for section in ("Resources", "Outputs"):
            out[section] = {name: self.resolve(item) for name, item in cfn.get(section, {}).items()
                            if "Condition" not in item or self.condition(item["Condition"])}
        return out

    def rule_failures(self, rules: dict[str, Any]) -> list[str]:
        """The Rules whose RuleCondition holds and one of whose Assertions fails."""
        failed = []
        for name, rule in rules.items():
            if "RuleCondition" in rule and not self.test(rule["RuleCondition"]):
                continue
            failed.extend(f"{name}: {a.get('AssertDescription', 'assertion failed')}"
                          for a in rule.get("Assertions", []) if not self.test(a["Assert"]))
        return failed


def check_state_machines(template: dict[str, Any]) -> list[str]:
    """Every local definition parses, every ${placeholder} has a substitution and vice versa,
    both workflows are Standard and log without execution data."""
    problems = []
    machines = {n: r for n, r in template["Resources"].items() if r.get("Type") == "AWS::Serverless::StateMachine"}
    for required in ("ExecuteStateMachine", "FanOutStateMachine"):
        if required not in machines:
            problems.append(f"missing state machine {required}")
    for name, sm in machines.items():
        props = sm.get("Properties", {})
        uri = props.get("DefinitionUri")
        if not isinstance(uri, str) or not uri.startswith("infra/statemachine/"):
            problems.append(f"{name}: DefinitionUri must name a file under infra/statemachine/")
            continue
        try:
            with open(os.path.join(ROOT, uri), encoding="utf-8") as f:
                text = f.read()
            json.loads(text)
        except (OSError, ValueError) as e:
            problems.append(f"{name}: {uri}: {e}")
            continue
        used = set(PLACEHOLDER.findall(text))
        given = set(props.get("DefinitionSubstitutions", {}))
        if used != given:
            problems.append(f"{name}: placeholders {sorted(used)} != DefinitionSubstitutions {sorted(given)}")
        if props.get("Type", "STANDARD") != "STANDARD":
            problems.append(f"{name}: must be a Standard workflow (polling, .sync)")
        logging_cfg = props.get("Logging", {})
        if logging_cfg.get("IncludeExecutionData") is not False or not logging_cfg.get("Destinations"):
            problems.append(f"{name}: must log to a log group with IncludeExecutionData false")
    return problems


# Parameter sets the template's Rules must refuse: an authorizer mode without what it authorizes against.
# A runner pool without the DynamoDB prefix list (ExecuteFunction in the VPC could not reach its tables).
MUST_BE_REFUSED = ({"ApiAuth": "COGNITO"}, {"ApiAuth": "LAMBDA_TOKEN"}, {"ApiAuth": "LAMBDA_REQUEST"},
                   {"RunnerPoolSize": "2"})


def check_api_source(template: dict[str, Any]) -> list[str]:
    """SandboxApi is the inline OpenAPI body (no SAM Auth, Models or Api events, which would add their own
    authorizers, permissions and deployments), redeployed on every update (its Fn::If choices change
    with parameters that SAM's body hash does not see); the Rules refuse incomplete authorizer modes."""
    problems = []
    api = template["Resources"].get("SandboxApi", {}).get("Properties", {})
    if not isinstance(api.get("DefinitionBody"), dict):
        problems.append("SandboxApi: needs an inline DefinitionBody")
    for prop in ("Auth", "Models", "DefinitionUri"):
        if prop in api:
            problems.append(f"SandboxApi: {prop} must not be set (the DefinitionBody declares the API)")
    if api.get("AlwaysDeploy") is not True:
        problems.append("SandboxApi: AlwaysDeploy must be true (a parameter change must redeploy the stage)")
    for name, resource in template["Resources"].items():
        for event_name, event in resource.get("Properties", {}).get("Events", {}).items():
            if event.get("Type") == "Api":
                problems.append(f"{name}: Api event {event_name} (routes belong in SandboxApi's DefinitionBody)")
    for params in MUST_BE_REFUSED:
        try:
            if not Evaluator(template, parameter_values(template, params)).rule_failures(template.get("Rules", {})):
                problems.append(f"Rules must refuse {params} with the default (empty) ARNs or prefix list")
        except TemplateError as e:
            problems.append(f"Rules: {e}")
    return problems


def check_source(template: dict[str, Any]) -> list[str]:
    problems = check_state_machines(template) + check_api_source(template)
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


def check_output(cfn: dict[str, Any], values: dict[str, str]) -> list[str]:
    """Checks of the effective template (Evaluator.effective) for the parameter values ``values``."""
    problems: list[str] = []
    res = cfn["Resources"]

    def of_type(t: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in res.items() if v["Type"] == t}

    stages = of_type("AWS::ApiGateway::Stage")
    if [s["Properties"]["StageName"] for s in stages.values()] != ["v1"]:
        problems.append(f"expected exactly one stage v1, got {[s['Properties']['StageName'] for s in stages.values()]}")

    problems.extend(check_api(cfn, values))

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

    # Least privilege: no managed policies, no wildcards, each role limited to its action list.
    roles = of_type("AWS::IAM::Role")
    unlisted = set(roles) - set(ALLOWED_ACTIONS) - {"ApiGatewayCloudWatchRole"}
    if unlisted:
        problems.append(f"roles without a least-privilege entry (README table + ALLOWED_ACTIONS): {sorted(unlisted)}")
    for name, allowed in ALLOWED_ACTIONS.items():
        role = roles.get(name)
        if role is None:
            problems.append(f"role {name} missing")
            continue
        if role["Properties"].get("ManagedPolicyArns"):
            problems.append(f"{name}: must not attach managed policies")
        for st in statements(role):
            actions = as_list(st["Action"])
            if st.get("Effect") != "Allow":
                continue
            if any("*" in a for a in actions):
                problems.append(f"{name}: wildcard action in {st.get('Sid')}")
            if st.get("Resource") == "*" or "*" in as_list(st.get("Resource")):
                if not set(actions) <= RESOURCELESS_ACTIONS.get(name, set()):
                    problems.append(f"{name}: Resource \"*\" in {st.get('Sid')} for {actions}")
            if not set(actions) <= allowed:
                problems.append(f"{name}: actions outside its allowed list in {st.get('Sid')}: "
                                f"{sorted(set(actions) - allowed)}")
            for action in actions:
                expected = WORKFLOW_RESOURCES.get((name, action))
                if expected is not None and st.get("Resource") != expected:
                    problems.append(f"{name}: {action} only on {expected}, found {st.get('Resource')}")
            if name == "ExecuteFunctionRole" and st.get("Resource") == {"Fn::GetAtt": ["AuditTable", "Arn"]}:
                if set(actions) != {"dynamodb:PutItem"}:
                    problems.append(f"audit table must be append-only (PutItem), found {actions}")
    problems.extend(check_container_path(cfn, roles))
    problems.extend(check_executor_network(cfn))
    return problems


API_GATEWAY = "apigateway.amazonaws.com"
# What API Gateway calls, and what it calls them from (this API only; {} = the rest).
LAMBDA_INVOCATION_URI = ("arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
                         "{function}/invocations")
THIS_API_ARN = ARN_PREFIX.replace("{service}", "execute-api") + "${SandboxApi}/"
# ExecuteFunction's permissions: the two routes of any stage (what SAM's Api events granted).
EXECUTE_ROUTES = {"*/POST/executions", "*/GET/executions/*"}
SIGV4 = {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"}
API_KEY = {"type": "apiKey", "name": "x-api-key", "in": "header"}
ROUTES = {"POST /executions", "GET /executions/{id}"}


def check_caller_scheme(scheme: Any, values: dict[str, str]) -> list[str]:
    """The "caller" security scheme is the one ApiAuth names, against the given pool or function."""
    auth = values.get("ApiAuth")
    if auth == "NONE":
        return [] if scheme is None else [f"ApiAuth=NONE but a caller scheme is defined: {scheme}"]
    if not isinstance(scheme, dict):
        return [f"ApiAuth={auth} but no caller security scheme"]
    authorizer = scheme.get("x-amazon-apigateway-authorizer", {})
    if auth == "AWS_IAM":
        return [] if scheme == SIGV4 else [f"AWS_IAM: caller scheme must be SigV4 ({SIGV4}), found {scheme}"]
    if auth == "COGNITO":
        pool = values.get("CognitoUserPoolArn")
        if (scheme.get("x-amazon-apigateway-authtype") != "cognito_user_pools"
                or authorizer.get("type") != "cognito_user_pools" or not pool
                or authorizer.get("providerARNs") != [pool]):
            return [f"COGNITO: caller scheme must be a cognito_user_pools authorizer of [{pool}], found {scheme}"]
        return []
    if auth in ("LAMBDA_TOKEN", "LAMBDA_REQUEST"):
        problems = []
        function = values.get("AuthorizerFunctionArn")
        kind = auth.split("_")[1].lower()
        if scheme.get("x-amazon-apigateway-authtype") != "custom" or authorizer.get("type") != kind:
            problems.append(f"{auth}: caller scheme must be a custom authorizer of type {kind}, found {scheme}")
        uri = sub_string(authorizer.get("authorizerUri"))
        if not function or uri != LAMBDA_INVOCATION_URI.replace("{function}", function):
            problems.append(f"{auth}: authorizerUri must invoke {function!r}, found {authorizer.get('authorizerUri')}")
        if authorizer.get("identitySource") != "method.request.header.Authorization":
            problems.append(f"{auth}: identitySource must be the Authorization header")
        if str(authorizer.get("authorizerResultTtlInSeconds")) != values.get("AuthorizerResultTtlSeconds"):
            problems.append(f"{auth}: authorizerResultTtlInSeconds must be AuthorizerResultTtlSeconds")
        if "authorizerCredentials" in authorizer:
            problems.append(f"{auth}: no authorizerCredentials (API Gateway invokes through the function's policy)")
        return problems
    return [f"ApiAuth={auth} has no expectation here: add one"]


def check_api(cfn: dict[str, Any], values: dict[str, str]) -> list[str]:
    """The API, as CloudFormation would create it for ``values``: every operation's security is ApiAuth's
    scheme plus the API key iff ApiKeyRequired, no integration uses caller credentials, requests are
    validated; the permissions API Gateway invokes with are scoped to this API; the key exists iff required."""
    problems: list[str] = []
    res = cfn["Resources"]
    key_required = values.get("ApiKeyRequired") == "true"
    auth = values.get("ApiAuth")
    api = res.get("SandboxApi", {})
    body = api.get("Properties", {}).get("Body")
    if api.get("Type") != "AWS::ApiGateway::RestApi" or not isinstance(body, dict):
        return ["SandboxApi: expected a RestApi with an OpenAPI Body"]
    components = body.get("components", {})
    schemes = components.get("securitySchemes", {})
    problems.extend(check_caller_scheme(schemes.get("caller"), values))
    if schemes.get("api_key") != API_KEY:
        problems.append(f"securitySchemes.api_key must be {API_KEY}, found {schemes.get('api_key')}")
    expected = ({"caller"} if auth != "NONE" else set()) | ({"api_key"} if key_required else set())
    validators = body.get("x-amazon-apigateway-request-validators", {})
    seen = set()
    for path, methods in body.get("paths", {}).items():
        for method, op in methods.items():
            route = f"{method.upper()} {path}"
            seen.add(route)
            integration = op.get("x-amazon-apigateway-integration", {})
            if "credentials" in integration:
                problems.append(f"{route}: integration uses caller credentials ({integration['credentials']})")
            if (integration.get("type"), integration.get("httpMethod")) != ("aws_proxy", "POST") or sub_string(
                    integration.get("uri")) != LAMBDA_INVOCATION_URI.replace("{function}", "${ExecuteFunction.Arn}"):
                problems.append(f"{route}: must be an aws_proxy integration with ExecuteFunction")
            security = op.get("security")
            # One requirement naming all expected schemes (AND), or none at all.
            if security != ([{name: [] for name in expected}] if expected else []):
                problems.append(f"{route}: security must require exactly {sorted(expected) or 'nothing'} "
                                f"(ApiAuth={auth}, ApiKeyRequired={values.get('ApiKeyRequired')}), found {security}")
            for requirement in security if isinstance(security, list) else []:
                for name in requirement:
                    if name not in schemes:
                        problems.append(f"{route}: security names undefined scheme {name}")
            validator = validators.get(op.get("x-amazon-apigateway-request-validator"), {})
            if route == "POST /executions":
                schema = (op.get("requestBody", {}).get("content", {}).get("application/json", {})
                          .get("schema", {}).get("$ref", ""))
                model = components.get("schemas", {}).get(schema.rsplit("/", 1)[-1], {})
                if (validator.get("validateRequestBody") is not True or op.get("requestBody", {}).get("required")
                        is not True or not schema.startswith("#/components/schemas/") or "code" not in
                        model.get("required", []) or model.get("additionalProperties") is not False):
                    problems.append(f"{route}: the body must be required and validated against the "
                                    f"ExecutionRequest schema (required code, no additional properties)")
            if route == "GET /executions/{id}" and (
                    validator.get("validateRequestParameters") is not True
                    or {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                    not in op.get("parameters", [])):
                problems.append(f"{route}: the path parameter id must be declared required and validated")
    if seen != ROUTES:
        problems.append(f"routes must be {sorted(ROUTES)}, found {sorted(seen)}")

    # -- who may invoke what: API Gateway only from this API
    def of_type(t: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in res.items() if v["Type"] == t}

    execute_routes = set()
    authorizer_permissions = {}
    for name, perm in of_type("AWS::Lambda::Permission").items():
        p = perm["Properties"]
        if p.get("Principal") != API_GATEWAY:
            continue
        arn = sub_string(p.get("SourceArn")) or ""
        if p.get("Action") != "lambda:InvokeFunction" or not arn.startswith(THIS_API_ARN):
            problems.append(f"{name}: API Gateway may invoke only from this API ({THIS_API_ARN}...), found {arn!r}")
            continue
        scope = arn[len(THIS_API_ARN):]
        if p.get("FunctionName") == {"Ref": "ExecuteFunction"}:
            execute_routes.add(scope)
        elif scope == "authorizers/*":
            authorizer_permissions[name] = p.get("FunctionName")
        else:
            problems.append(f"{name}: unexpected API Gateway permission on {p.get('FunctionName')} for {scope}")
    if execute_routes != EXECUTE_ROUTES:
        problems.append(f"ExecuteFunction: API Gateway permissions must cover exactly {sorted(EXECUTE_ROUTES)}, "
                        f"found {sorted(execute_routes)}")
    lambda_auth = auth in ("LAMBDA_TOKEN", "LAMBDA_REQUEST")
    expected_authorizers = [values.get("AuthorizerFunctionArn")] if lambda_auth else []
    if list(authorizer_permissions.values()) != expected_authorizers:
        problems.append(f"the authorizer permission must exist iff ApiAuth is LAMBDA_* (for {expected_authorizers}), "
                        f"found {authorizer_permissions}")

    # -- the API key: exists iff required, enabled, on the usage plan, its id an output
    keys = of_type("AWS::ApiGateway::ApiKey")
    plan_keys = of_type("AWS::ApiGateway::UsagePlanKey")
    if key_required:
        if len(keys) != 1 or any(k["Properties"].get("Enabled") is not True for k in keys.values()):
            problems.append(f"ApiKeyRequired=true: expected one enabled API key, found {sorted(keys)}")
        attached = {(pk["Properties"].get("KeyId", {}).get("Ref"), json.dumps(pk["Properties"].get("UsagePlanId")),
                     pk["Properties"].get("KeyType")) for pk in plan_keys.values()}
        if {(k, json.dumps({"Ref": "SandboxUsagePlan"}), "API_KEY") for k in keys} != attached:
            problems.append(f"ApiKeyRequired=true: the key must be attached to SandboxUsagePlan, found {attached}")
        if cfn.get("Outputs", {}).get("ApiKeyId", {}).get("Value") != ({"Ref": next(iter(keys))} if keys else None):
            problems.append("ApiKeyRequired=true: output ApiKeyId must give the key's id")
    elif keys or plan_keys or "ApiKeyId" in cfn.get("Outputs", {}):
        problems.append(f"ApiKeyRequired=false: no API key, usage plan key or ApiKeyId output, "
                        f"found {sorted(keys) + sorted(plan_keys)}")
    return problems


def check_executor_network(cfn: dict[str, Any]) -> list[str]:
    """The function that runs untrusted code sits in the private subnets behind a group without egress."""
    problems = []
    resources = cfn.get("Resources", {})
    vpc = resources.get("SubprocessExecutorFunction", {}).get("Properties", {}).get("VpcConfig")
    expected_group = {"Fn::GetAtt": ["SubprocessExecutorSecurityGroup", "GroupId"]}
    if not vpc:
        return ["SubprocessExecutorFunction must have a VpcConfig (no network for untrusted code)"]
    if vpc.get("SecurityGroupIds") != [expected_group]:
        problems.append("SubprocessExecutorFunction: only SubprocessExecutorSecurityGroup")
    if vpc.get("SubnetIds") != [{"Ref": "PrivateSubnetA"}, {"Ref": "PrivateSubnetB"}]:
        problems.append("SubprocessExecutorFunction: the two private subnets only")
    group = resources.get("SubprocessExecutorSecurityGroup", {}).get("Properties", {})
    if group.get("SecurityGroupIngress"):
        problems.append("SubprocessExecutorSecurityGroup must have no ingress")
    egress = group.get("SecurityGroupEgress", [])
    if [rule.get("CidrIp") for rule in egress] != ["127.0.0.1/32"]:
        problems.append("SubprocessExecutorSecurityGroup: only the inert 127.0.0.1/32 egress rule")
    return problems


def check_container_path(cfn: dict[str, Any], roles: dict[str, dict[str, Any]]) -> list[str]:
    """The Fargate path: task hardening, no credentials in the task, closed network, scoped IAM."""
    problems: list[str] = []
    res = cfn["Resources"]

    def of_type(t: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in res.items() if v["Type"] == t}

    # -- task definition: no task role, hardened container
    task_defs = of_type("AWS::ECS::TaskDefinition")
    if list(task_defs) != ["RunnerTaskDefinition"]:
        problems.append(f"expected exactly one task definition RunnerTaskDefinition, got {sorted(task_defs)}")
    family = None
    listen_port = None
    for name, td in task_defs.items():
        p = td["Properties"]
        family = sub_string(p.get("Family"))
        if "TaskRoleArn" in p:
            problems.append(f"{name}: must have no TaskRoleArn (user code would reach its credentials)")
        if p.get("ExecutionRoleArn") != {"Fn::GetAtt": ["RunnerExecutionRole", "Arn"]}:
            problems.append(f"{name}: ExecutionRoleArn must be RunnerExecutionRole")
        if p.get("RequiresCompatibilities") != ["FARGATE"] or p.get("NetworkMode") != "awsvpc":
            problems.append(f"{name}: must be FARGATE-only with awsvpc networking")
        if p.get("PidMode") or p.get("IpcMode"):
            problems.append(f"{name}: no shared PID/IPC namespaces")
        for volume in p.get("Volumes", []):
            if set(volume) - {"Name"}:
                problems.append(f"{name}: volume {volume.get('Name')} must be task ephemeral storage (no host path, "
                                f"no EFS/Docker volume), found {sorted(set(volume) - {'Name'})}")
        containers = p.get("ContainerDefinitions", [])
        if [c.get("Name") for c in containers] != [RUNNER_CONTAINER]:
            problems.append(f"{name}: expected one container named {RUNNER_CONTAINER}")
        for c in containers:
            where = f"{name}/{c.get('Name')}"
            if c.get("ReadonlyRootFilesystem") is not True:
                problems.append(f"{where}: ReadonlyRootFilesystem must be true")
            user = str(c.get("User", ""))
            uid = user.split(":", 1)[0]
            if not uid.isdigit() or int(uid) == 0:
                problems.append(f"{where}: User must be a numeric non-root uid, found {user!r}")
            if c.get("Privileged") is not False:
                problems.append(f"{where}: Privileged must be explicitly false")
            linux = c.get("LinuxParameters", {})
            caps = linux.get("Capabilities", {})
            if "ALL" not in caps.get("Drop", []):
                problems.append(f"{where}: Capabilities.Drop must contain ALL")
            if caps.get("Add"):
                problems.append(f"{where}: Capabilities.Add must be empty, found {caps['Add']}")
            if linux.get("InitProcessEnabled") is not True:
                problems.append(f"{where}: InitProcessEnabled must be true")
            ulimits = {u.get("Name"): u for u in c.get("Ulimits", [])}
            if set(ulimits) - FARGATE_ULIMITS:
                problems.append(f"{where}: ulimits Fargate does not accept: {sorted(set(ulimits) - FARGATE_ULIMITS)}")
            if "nproc" not in ulimits:
                problems.append(f"{where}: nproc ulimit missing (Fargate has no pids limit)")
            for u in ulimits.values():
                if u.get("SoftLimit", 0) > u.get("HardLimit", 0):
                    problems.append(f"{where}: ulimit {u.get('Name')} soft limit above hard limit")
            for key in ("EnvironmentFiles", "Secrets", "Links", "VolumesFrom", "DockerSecurityOptions"):
                if c.get(key):
                    problems.append(f"{where}: {key} must not be set (the job arrives in the RunTask overrides)")
            environment = {e.get("Name"): e.get("Value") for e in c.get("Environment", [])}
            if environment and ("RunnerPoolService" not in res or set(environment) != POOL_ENVIRONMENT):
                problems.append(f"{where}: Environment only with a runner pool, and only {sorted(POOL_ENVIRONMENT)} "
                                f"(the job arrives in the RunTask overrides or over the pool connection), "
                                f"found {sorted(environment)}")
            if "RunnerPoolService" in res and set(environment) != POOL_ENVIRONMENT:
                problems.append(f"{where}: a runner pool needs {sorted(POOL_ENVIRONMENT)} (listen mode)")
            listen_port = environment.get("SANDBOX_LISTEN_PORT")
            if any(m.get("SourceVolume") not in {v.get("Name") for v in p.get("Volumes", [])}
                   for m in c.get("MountPoints", [])):
                problems.append(f"{where}: mount point of an undeclared volume")
            log = c.get("LogConfiguration", {})
            if log.get("LogDriver") != "awslogs" or log.get("Options", {}).get("awslogs-group") != {"Ref": "RunnerLogGroup"}:
                problems.append(f"{where}: must log with awslogs to RunnerLogGroup")
            if log.get("Options", {}).get("awslogs-stream-prefix") != RUNNER_LOG_STREAM_PREFIX:
                problems.append(f"{where}: awslogs-stream-prefix must be {RUNNER_LOG_STREAM_PREFIX}")
    def trusts_ecs_tasks(role: dict[str, Any]) -> bool:
        return any(ECS_TASKS in as_list((st.get("Principal") or {}).get("Service", []))
                   for st in role["Properties"]["AssumeRolePolicyDocument"]["Statement"])

    if any(trusts_ecs_tasks(r) for n, r in roles.items() if n != "RunnerExecutionRole"):
        problems.append(f"only RunnerExecutionRole may trust {ECS_TASKS} (a task role would be reachable by user code)")
    exec_role = roles.get("RunnerExecutionRole")
    if exec_role is not None:
        principals = [st.get("Principal") for st in exec_role["Properties"]["AssumeRolePolicyDocument"]["Statement"]]
        if principals != [{"Service": ECS_TASKS}]:
            problems.append(f"RunnerExecutionRole must be assumable by {ECS_TASKS} only, found {principals}")
        for st in statements(exec_role):
            actions = set(as_list(st["Action"]))
            if actions & {"logs:CreateLogStream", "logs:PutLogEvents"} and \
                    st.get("Resource") != {"Fn::GetAtt": ["RunnerLogGroup", "Arn"]}:
                problems.append("RunnerExecutionRole may write the runner log group only")
            if actions & {"ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"}:
                arn = sub_string(st.get("Resource")) or ""
                if not arn.startswith("arn:${AWS::Partition}:ecr:") or not arn.endswith(":repository/${Repository}"):
                    problems.append("RunnerExecutionRole may pull from the runner repository only")

    # -- ExecuteFunctionRole: container-path statements scoped to the runner resources
    efr = roles.get("ExecuteFunctionRole")
    run_task_arn = ARN_PREFIX.replace("{service}", "ecs") + f"task-definition/{family}:*"
    task_arn = ARN_PREFIX.replace("{service}", "ecs") + "task/${RunnerCluster}/*"
    cluster = {"Fn::GetAtt": ["RunnerCluster", "Arn"]}
    for st in statements(efr) if efr else []:
        actions = set(as_list(st["Action"]))
        sid = st.get("Sid")
        if actions & {"ecs:RunTask", "ecs:DescribeTasks", "ecs:StopTask", "ecs:ListTasks"}:
            if condition_value(st, "ArnEquals", "ecs:cluster") != cluster:
                problems.append(f"ExecuteFunctionRole {sid}: ECS actions need the condition ecs:cluster = RunnerCluster")
        if "ecs:RunTask" in actions and (actions != {"ecs:RunTask"} or family is None
                                         or sub_string(st.get("Resource")) != run_task_arn):
            problems.append(f"ExecuteFunctionRole {sid}: ecs:RunTask must stand alone on {run_task_arn}")
        if actions & {"ecs:DescribeTasks", "ecs:StopTask"} and (
                not actions <= {"ecs:DescribeTasks", "ecs:StopTask"} or sub_string(st.get("Resource")) != task_arn):
            problems.append(f"ExecuteFunctionRole {sid}: DescribeTasks/StopTask only on {task_arn}")
        if "ecs:ListTasks" in actions and actions != {"ecs:ListTasks"}:
            problems.append(f"ExecuteFunctionRole {sid}: ecs:ListTasks must stand alone")
        if "ecs:ListTasks" in actions and "RunnerPoolService" not in res:
            problems.append(f"ExecuteFunctionRole {sid}: ecs:ListTasks only with a runner pool")
        if actions & {"ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface"} and "RunnerPoolService" not in res:
            problems.append(f"ExecuteFunctionRole {sid}: network interfaces only with a runner pool (function in the VPC)")
        if "ec2:CreateNetworkInterface" in actions and (
                ARN_PREFIX.replace("{service}", "ec2") + "security-group/${ExecuteFunctionSecurityGroup.GroupId}"
                not in [sub_string(v) for v in as_list(st.get("Resource"))]):
            problems.append(f"ExecuteFunctionRole {sid}: interfaces only in ExecuteFunctionSecurityGroup")
        if "iam:PassRole" in actions and (
                actions != {"iam:PassRole"}
                or st.get("Resource") != {"Fn::GetAtt": ["RunnerExecutionRole", "Arn"]}
                or condition_value(st, "StringEquals", "iam:PassedToService") != ECS_TASKS):
            problems.append(f"ExecuteFunctionRole {sid}: iam:PassRole only of RunnerExecutionRole, to {ECS_TASKS}")
        if "logs:GetLogEvents" in actions and (
                actions != {"logs:GetLogEvents"}
                or sub_string(st.get("Resource")) != ARN_PREFIX.replace("{service}", "logs")
                + "log-group:${RunnerLogGroup}:log-stream:" + f"{RUNNER_LOG_STREAM_PREFIX}/{RUNNER_CONTAINER}/*"):
            problems.append(f"ExecuteFunctionRole {sid}: logs:GetLogEvents only on the runner log streams")

    # -- ExecuteFunction wiring matches the task definition
    env = res.get("ExecuteFunction", {}).get("Properties", {}).get("Environment", {}).get("Variables", {})
    expected_env = {
        "SANDBOX_CONTAINER_LAUNCHER": "fargate",
        "FARGATE_CLUSTER": {"Ref": "RunnerCluster"},
        "FARGATE_TASK_DEFINITION": {"Ref": "RunnerTaskDefinition"},
        "FARGATE_SECURITY_GROUPS": {"Fn::GetAtt": ["RunnerSecurityGroup", "GroupId"]},
        "FARGATE_CONTAINER_NAME": RUNNER_CONTAINER,
        "FARGATE_LOG_GROUP": {"Ref": "RunnerLogGroup"},
        "FARGATE_LOG_STREAM_PREFIX": f"{RUNNER_LOG_STREAM_PREFIX}/{RUNNER_CONTAINER}",
    }
    for key, value in expected_env.items():
        if env.get(key) != value:
            problems.append(f"ExecuteFunction: environment {key} should be {value!r}, found {env.get(key)!r}")
    subnets = of_type("AWS::EC2::Subnet")
    if env.get("FARGATE_SUBNETS") != {"Fn::Join": [",", [{"Ref": n} for n in sorted(subnets)]]}:
        problems.append("ExecuteFunction: FARGATE_SUBNETS must join exactly the private subnets")

    # -- network: private only, no route out, SGs without default egress
    for t in ("AWS::EC2::InternetGateway", "AWS::EC2::NatGateway", "AWS::EC2::EgressOnlyInternetGateway",
              "AWS::EC2::VPCGatewayAttachment", "AWS::EC2::TransitGatewayAttachment", "AWS::EC2::VPCPeeringConnection"):
        if of_type(t):
            problems.append(f"the runner network must have no {t} ({sorted(of_type(t))})")
    for name, route in of_type("AWS::EC2::Route").items():
        problems.append(f"{name}: no routes beyond local and the S3 gateway endpoint "
                        f"({route['Properties'].get('DestinationCidrBlock')})")
    if len({json.dumps(s["Properties"].get("AvailabilityZone"), sort_keys=True) for s in subnets.values()}) < 2:
        problems.append("the runner subnets must span two availability zones")
    for name, subnet in subnets.items():
        if subnet["Properties"].get("MapPublicIpOnLaunch") is not False:
            problems.append(f"{name}: MapPublicIpOnLaunch must be false")
    groups = of_type("AWS::EC2::SecurityGroup")
    for name, sg in groups.items():
        egress = sg["Properties"].get("SecurityGroupEgress")
        if not egress:
            problems.append(f"{name}: needs inline SecurityGroupEgress (otherwise the default allow-all egress stays)")
        for rule in egress or []:
            if rule.get("CidrIp") in ANYWHERE or rule.get("CidrIpv6") in ANYWHERE:
                problems.append(f"{name}: egress to anywhere ({rule})")
    for name, rule in {**of_type("AWS::EC2::SecurityGroupEgress"), **of_type("AWS::EC2::SecurityGroupIngress")}.items():
        p = rule["Properties"]
        if p.get("CidrIp") in ANYWHERE or p.get("CidrIpv6") in ANYWHERE:
            problems.append(f"{name}: rule open to anywhere")
    runner_sg = groups.get("RunnerSecurityGroup")
    runner_sg_id = {"Fn::GetAtt": ["RunnerSecurityGroup", "GroupId"]}
    function_sg_id = {"Fn::GetAtt": ["ExecuteFunctionSecurityGroup", "GroupId"]}
    if runner_sg is None:
        problems.append("RunnerSecurityGroup missing")
    else:
        if runner_sg["Properties"].get("SecurityGroupIngress"):
            problems.append("RunnerSecurityGroup must have no inline ingress")
        for name, rule in of_type("AWS::EC2::SecurityGroupIngress").items():
            p = rule["Properties"]
            if p.get("GroupId") != runner_sg_id:
                continue
            if "RunnerPoolService" not in res or p.get("SourceSecurityGroupId") != function_sg_id \
                    or p.get("IpProtocol") != "tcp" or listen_port is None \
                    or (str(p.get("FromPort")), str(p.get("ToPort"))) != (listen_port, listen_port):
                problems.append(f"{name}: RunnerSecurityGroup admits only the pool's listen port ({listen_port}) "
                                f"from ExecuteFunctionSecurityGroup, and only with a runner pool")
        if any(r["Properties"].get("GroupId") == runner_sg_id for r in of_type("AWS::EC2::SecurityGroupEgress").values()):
            problems.append("RunnerSecurityGroup: egress only inline (standalone rules add to the default)")
        for rule in runner_sg["Properties"].get("SecurityGroupEgress", []):
            destinations = {k for k in ("CidrIp", "CidrIpv6", "DestinationSecurityGroupId", "DestinationPrefixListId")
                            if k in rule}
            if (rule.get("IpProtocol") != "tcp" or rule.get("FromPort") != 443 or rule.get("ToPort") != 443
                    or destinations - {"DestinationSecurityGroupId", "DestinationPrefixListId"}):
                problems.append(f"RunnerSecurityGroup: egress only tcp/443 to the endpoint SG or the S3 prefix list, "
                                f"found {rule}")
    for name, rule in of_type("AWS::EC2::SecurityGroupIngress").items():
        p = rule["Properties"]
        if p.get("GroupId") == {"Fn::GetAtt": ["EndpointSecurityGroup", "GroupId"]} and (
                p.get("SourceSecurityGroupId") not in (runner_sg_id, function_sg_id)
                or (p.get("FromPort"), p.get("ToPort")) != (443, 443)):
            problems.append(f"{name}: the endpoints admit tcp/443 from RunnerSecurityGroup (and "
                            f"ExecuteFunctionSecurityGroup) only")
    endpoints = of_type("AWS::EC2::VPCEndpoint")
    found = set()
    for name, ep in endpoints.items():
        p = ep["Properties"]
        service = sub_string(p.get("ServiceName")) or ""
        suffix = service.rsplit("${AWS::Region}.", 1)[-1]
        kind = p.get("VpcEndpointType", "Gateway")
        found.add((suffix, kind))
        if kind == "Interface" and (p.get("PrivateDnsEnabled") is not True
                                    or p.get("SecurityGroupIds") != [{"Fn::GetAtt": ["EndpointSecurityGroup", "GroupId"]}]):
            problems.append(f"{name}: interface endpoints need private DNS and EndpointSecurityGroup")
        if kind == "Gateway" and not p.get("RouteTableIds"):
            problems.append(f"{name}: gateway endpoint attached to no route table")
        for st in (p.get("PolicyDocument") or {}).get("Statement", [{"Action": "*"}]):
            if any("*" in a for a in as_list(st.get("Action"))):
                problems.append(f"{name}: endpoint policy must name its actions (found {st.get('Action')})")
    for expected in (("ecr.api", "Interface"), ("ecr.dkr", "Interface"), ("logs", "Interface"), ("s3", "Gateway")):
        if expected not in found:
            problems.append(f"VPC endpoint {expected[0]} ({expected[1]}) missing")
    problems.extend(check_runner_pool(res, found, listen_port))
    return problems


def check_runner_pool(res: dict[str, Any], endpoints: set[tuple[str, str]], listen_port: str | None) -> list[str]:
    """With a runner pool: the service runs the runner task definition privately, and ExecuteFunction sits in the
    private subnets behind its own group, wired to the service and port, with the endpoints it then needs.
    Without one: nothing of it exists and ExecuteFunction stays outside the VPC."""
    problems: list[str] = []
    service = res.get("RunnerPoolService")
    fn = res.get("ExecuteFunction", {}).get("Properties", {})
    env = fn.get("Environment", {}).get("Variables", {})
    if service is None:
        for name in ("ExecuteFunctionSecurityGroup", "RunnerPoolIngressFromExecuteFunction"):
            if name in res:
                problems.append(f"{name} only with a runner pool")
        if "VpcConfig" in fn or "FARGATE_POOL_SERVICE" in env:
            problems.append("ExecuteFunction: VpcConfig and FARGATE_POOL_SERVICE only with a runner pool")
        return problems
    p = service["Properties"]
    network = p.get("NetworkConfiguration", {}).get("AwsvpcConfiguration", {})
    if (p.get("Cluster"), p.get("TaskDefinition"), p.get("LaunchType")) != (
            {"Ref": "RunnerCluster"}, {"Ref": "RunnerTaskDefinition"}, "FARGATE"):
        problems.append("RunnerPoolService: the runner task definition on Fargate in RunnerCluster")
    if network.get("AssignPublicIp") != "DISABLED" or network.get("Subnets") != [
            {"Ref": "PrivateSubnetA"}, {"Ref": "PrivateSubnetB"}] or network.get("SecurityGroups") != [
            {"Fn::GetAtt": ["RunnerSecurityGroup", "GroupId"]}]:
        problems.append("RunnerPoolService: private subnets, no public IP, RunnerSecurityGroup only")
    if p.get("EnableExecuteCommand") is True:
        problems.append("RunnerPoolService: no ECS Exec")
    if env.get("FARGATE_POOL_SERVICE") != {"Fn::GetAtt": ["RunnerPoolService", "Name"]} \
            or listen_port is None or str(env.get("FARGATE_POOL_PORT")) != listen_port:
        problems.append(f"ExecuteFunction: FARGATE_POOL_SERVICE must name RunnerPoolService and FARGATE_POOL_PORT "
                        f"be the runner's listen port ({listen_port}), found {env.get('FARGATE_POOL_SERVICE')!r}, "
                        f"{env.get('FARGATE_POOL_PORT')!r}")
    vpc = fn.get("VpcConfig") or {}
    if vpc.get("SubnetIds") != [{"Ref": "PrivateSubnetA"}, {"Ref": "PrivateSubnetB"}] or vpc.get(
            "SecurityGroupIds") != [{"Fn::GetAtt": ["ExecuteFunctionSecurityGroup", "GroupId"]}]:
        problems.append("ExecuteFunction: with a runner pool, in the private subnets behind ExecuteFunctionSecurityGroup")
    group = res.get("ExecuteFunctionSecurityGroup", {}).get("Properties", {})
    if group.get("SecurityGroupIngress"):
        problems.append("ExecuteFunctionSecurityGroup must have no ingress")
    for rule in group.get("SecurityGroupEgress", []):
        to_runner = rule.get("DestinationSecurityGroupId") == {"Fn::GetAtt": ["RunnerSecurityGroup", "GroupId"]}
        port = str(listen_port) if to_runner else "443"
        if rule.get("IpProtocol") != "tcp" or (str(rule.get("FromPort")), str(rule.get("ToPort"))) != (port, port) \
                or not ({"DestinationSecurityGroupId", "DestinationPrefixListId"} & set(rule)):
            problems.append(f"ExecuteFunctionSecurityGroup: egress only to the runner port and to the endpoints and "
                            f"DynamoDB on 443, found {rule}")
    for expected in (("ecs", "Interface"), ("lambda", "Interface"), ("dynamodb", "Gateway")):
        if expected not in endpoints:
            problems.append(f"VPC endpoint {expected[0]} ({expected[1]}) missing: ExecuteFunction is in the VPC")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--template", default="template.yaml")
    ap.add_argument("--quiet", action="store_true", help="print nothing on success")
    ap.add_argument("--output", help="write the translated template (default parameters) as JSON here")
    ap.add_argument("--asl-template", help="write a plain CloudFormation template holding the state machine "
                                           "definitions (JSON) here, for cfn-lint's definition rule E3601")
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
    if args.asl_template and not failures:
        # cfn-lint validates Definition objects of AWS::StepFunctions::StateMachine (not SAM's
        # StateMachine, nor a DefinitionUri file): the same definitions, as that resource type.
        asl: dict[str, Any] = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {}}
        for name, resource in inline_definitions(template)["Resources"].items():
            if resource.get("Type") == "AWS::Serverless::StateMachine":
                props = resource["Properties"]
                asl["Resources"][name] = {"Type": "AWS::StepFunctions::StateMachine", "Properties": {
                    "RoleArn": "arn:aws:iam::123456789012:role/placeholder",
                    "StateMachineType": props.get("Type", "STANDARD"),
                    "Definition": props["Definition"],
                    "DefinitionSubstitutions": {k: "1" for k in props.get("DefinitionSubstitutions", {})},
                }}
        with open(args.asl_template, "w", encoding="utf-8") as f:
            json.dump(asl, f, indent=1)
    resources = 0
    for params in param_sets:
        label = ",".join(f"{k}={v}" for k, v in params.items()) or "defaults"
        values = parameter_values(template, params)
        evaluator = Evaluator(template, values)
        try:
            refused = parameter_problems(template, params) + evaluator.rule_failures(template.get("Rules", {}))
        except TemplateError as e:
            refused = [f"cannot evaluate the Rules: {e}"]
        if refused:
            failures.extend(f"[{label}] CloudFormation would refuse this parameter set: {r}" for r in refused)
            continue
        try:
            cfn = translate(template, params)
        except InvalidDocumentException as e:
            failures.extend(f"[{label}] translate: {c.message}" for c in e.causes)
            continue
        except Exception as e:  # translator bugs surface as arbitrary exceptions
            failures.append(f"[{label}] translate: {type(e).__name__}: {e}")
            continue
        try:
            effective = evaluator.effective(cfn)
        except TemplateError as e:
            failures.append(f"[{label}] cannot evaluate the translated template: {e}")
            continue
        failures.extend(f"[{label}] {p}" for p in check_output(effective, values))
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
