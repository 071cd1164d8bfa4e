#!/usr/bin/env python3
"""Translate template.yaml with the AWS SAM translator and check the result.

Usage: sam_translate.py [--template FILE] [--output FILE] [--quiet] [--params A=1,B=2 ...]

Translates once with the template's defaults and once per --params set given
(see scripts/validate-template),
then runs structural checks on the generated CloudFormation that neither
cfn-lint nor the translator make (auth on every method, body validation,
least-privilege roles, literal table properties for scripts/local-stack, and
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


def check_source(template: dict[str, Any]) -> list[str]:
    problems = check_state_machines(template)
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
            for key in ("Environment", "EnvironmentFiles", "Secrets", "Links", "VolumesFrom", "DockerSecurityOptions"):
                if c.get(key):
                    problems.append(f"{where}: {key} must not be set (the job arrives in the RunTask overrides)")
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
        if actions & {"ecs:RunTask", "ecs:DescribeTasks", "ecs:StopTask"}:
            if condition_value(st, "ArnEquals", "ecs:cluster") != cluster:
                problems.append(f"ExecuteFunctionRole {sid}: ECS actions need the condition ecs:cluster = RunnerCluster")
        if "ecs:RunTask" in actions and (actions != {"ecs:RunTask"} or family is None
                                         or sub_string(st.get("Resource")) != run_task_arn):
            problems.append(f"ExecuteFunctionRole {sid}: ecs:RunTask must stand alone on {run_task_arn}")
        if actions & {"ecs:DescribeTasks", "ecs:StopTask"} and (
                not actions <= {"ecs:DescribeTasks", "ecs:StopTask"} or sub_string(st.get("Resource")) != task_arn):
            problems.append(f"ExecuteFunctionRole {sid}: DescribeTasks/StopTask only on {task_arn}")
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
    if runner_sg is None:
        problems.append("RunnerSecurityGroup missing")
    else:
        if runner_sg["Properties"].get("SecurityGroupIngress") or any(
                r["Properties"].get("GroupId") == runner_sg_id for r in of_type("AWS::EC2::SecurityGroupIngress").values()):
            problems.append("RunnerSecurityGroup must have no ingress")
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
                p.get("SourceSecurityGroupId") != runner_sg_id or (p.get("FromPort"), p.get("ToPort")) != (443, 443)):
            problems.append(f"{name}: the endpoints admit tcp/443 from RunnerSecurityGroup only")
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
