"""Prints handler responses (one JSON line each, as scripts/local-invoke writes them) readably.

Usage: summarize.py LABEL... < responses.jsonl   (one label per response line, in order)
"""
import json
import sys


def describe(response):
    if "statusCode" in response:
        status = response["statusCode"]
        body = json.loads(response.get("body") or "{}")
    else:
        status, body = "-", response
    if "error" in body:
        field = f" (field {body['field']})" if body.get("field") else ""
        return f"HTTP {status} {body['error']}{field}: {body.get('message', '')}"
    line = (f"HTTP {status} {body.get('status')} outcome={body.get('outcome')} mode={body.get('mode') or '-'} "
            f"{body.get('durationMs')} ms")
    if body.get("fallbackReason"):
        line += f"\n      fallback: {body['fallbackReason']}"
    for finding in body.get("findings", []):
        if finding.get("blocking"):
            line += f"\n      finding {finding['ruleId']} at {finding['line']}:{finding['column']}: {finding['message']}"
    if body.get("exception"):
        exc = body["exception"]
        line += f"\n      exception {exc.get('type')} line {exc.get('line')}: {exc.get('message')}"
    if body.get("detail"):
        line += f"\n      detail: {body['detail']}"
    out = body.get("stdout", "").strip()
    if out:
        shown = out if len(out) <= 300 else out[:300] + " …"
        line += "\n      stdout: " + shown.replace("\n", "\n              ")
    if body.get("isolation"):
        line += "\n      isolation: " + ", ".join(body["isolation"])
    return line


def main():
    labels = sys.argv[1:]
    for index, raw in enumerate(sys.stdin):
        raw = raw.strip()
        if not raw:
            continue
        label = labels[index] if index < len(labels) else f"#{index + 1}"
        try:
            print(f"{label}: {describe(json.loads(raw))}")
        except (ValueError, KeyError, TypeError) as error:
            print(f"{label}: unreadable response ({error}): {raw[:200]}")


if __name__ == "__main__":
    main()
