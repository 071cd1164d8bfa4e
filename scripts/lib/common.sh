# Shared by the scripts: repository root, a JDK that can target Java 21, and the build. Source it; do not run it.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE_DIR="${XDG_RUNTIME_DIR:-/tmp}/interaction-sandbox"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# A JDK of version 21 or newer: JAVA_HOME if it qualifies, else the newest under the usual Debian location.
java_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }
find_jdk() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ] && [ "$(java_major "$JAVA_HOME")" -ge 21 ] 2>/dev/null; then
    echo "$JAVA_HOME"; return 0
  fi
  local best="" best_major=0 dir major
  for dir in /usr/lib/jvm/*; do
    [ -x "$dir/bin/javac" ] || continue
    major="$(java_major "$dir")"
    if [ -n "$major" ] && [ "$major" -ge 21 ] 2>/dev/null && [ "$major" -gt "$best_major" ]; then
      best="$dir"; best_major="$major"
    fi
  done
  [ -n "$best" ] || die "no JDK 21 or newer found (set JAVA_HOME); the build targets Java 21 bytecode"
  echo "$best"
}

# Debian packages the scripts need, installed only when missing (as root, or through sudo).
ensure_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  say "installing ${missing[*]}"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# moto's server is the local AWS-compatible endpoint; install it where the machine lacks it.
ensure_moto() {
  python3 -c 'import moto.server, boto3, yaml' 2>/dev/null && return 0
  say "installing moto[server] and boto3 for the local AWS endpoint"
  python3 -m pip install --quiet 'moto[server]' boto3 pyyaml
}

# cfn-lint and the SAM translator validate template.yaml in the tests.
ensure_template_tools() {
  python3 -c 'import cfnlint, samtranslator' 2>/dev/null && return 0
  say "installing cfn-lint and aws-sam-translator"
  python3 -m pip install --quiet cfn-lint aws-sam-translator
}

export JAVA_HOME="${JAVA_HOME_OVERRIDE:-$(find_jdk)}"
export PATH="$JAVA_HOME/bin:$PATH"
LOCAL_TARGET="$REPO_ROOT/functions/local/target"

# Builds the function jars unless they are newer than every source file.
build_if_stale() {
  local stamp="$LOCAL_TARGET/local.jar"
  if [ -f "$stamp" ] && [ -z "$(find "$REPO_ROOT/functions" "$REPO_ROOT/runner-image/runner" "$REPO_ROOT/pom.xml" \
        -newer "$stamp" -type f \( -name '*.java' -o -name '*.py' -o -name 'pom.xml' \) -not -path '*/target/*' -print -quit)" ]; then
    return 0
  fi
  say "building the function (mvn package)"
  (cd "$REPO_ROOT" && mvn -q -B -DskipTests install) >&2
}

local_classpath() { echo "$LOCAL_TARGET/local.jar:$LOCAL_TARGET/lib/*"; }
