# Shared by the scripts: repository root, a JDK that can target Java 21, and the build. Source it; do not run it.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE_DIR="${XDG_RUNTIME_DIR:-/tmp}/interaction-sandbox"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# A JDK of version 21 or newer: JAVA_HOME if it qualifies, else the newest under the usual Debian location.
# The major version comes from the JDK's release file (starting a JVM to ask costs a tenth of a second).
java_major() {
  local major
  major="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null)"
  [ -n "$major" ] || major="$("$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java.specification.version = //p')"
  echo "$major"
}
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

# The local invoker's JVM options: the serial collector (a small heap, one busy thread); only the quick JIT compiler
# (C1), which leaves the CPU to the first request and measured no slower than C1+C2 over hundreds of requests (the
# JVM's share of a request is small); the JVM's own messages and warnings on stderr, never on stdout, which carries
# the answers.
LOCAL_JAVA_OPTS=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:+DisplayVMOutputToStderr
                 -Xlog:disable -Xlog:all=warning,cds=error:stderr)

# The class cache of the local invoker: the classes its requests load, already parsed and linked, so that a run
# starts without doing that again. JDK 25 and newer: an AOT cache (JEP 483/514, also initialised objects and method
# profiles), recorded by a run that finds none (scripts/local-invoke); JDK 21 to 24: an AppCDS archive, which the
# JVM records at the exit of a run that finds none. Prints its path: under target/ (never committed), named by
# what it depends on: the JDK, the options, the jars' names and the content of the project's own jars (local.jar,
# sandbox-*.jar; the others are released artifacts, fixed under their versioned names). The content matters: the
# JDK 25 JVM does not notice a jar changed under the same name and runs the cache's stale classes.
local_class_cache() {
  local key extension=jsa
  [ "$(java_major "$JAVA_HOME")" -ge 25 ] && extension=aot
  key="$( { readlink -f "$JAVA_HOME"; cat "$JAVA_HOME/release" 2>/dev/null; printf '%s\n' "${LOCAL_JAVA_OPTS[@]}";
            ls "$LOCAL_TARGET/lib"; cat "$LOCAL_TARGET/local.jar" "$LOCAL_TARGET"/lib/sandbox-*.jar; } \
          | sha1sum | cut -c1-16)"
  echo "$LOCAL_TARGET/class-cache/local-$key.$extension"
}

# The JVM options of the local invoker that uses the class cache $1, one a line.
local_java_options() {
  printf '%s\n' "${LOCAL_JAVA_OPTS[@]}"
  case "$1" in
    *.aot) echo "-XX:AOTCache=$1" ;;
    *.jsa) echo "-XX:SharedArchiveFile=$1"; echo "-XX:+AutoCreateSharedArchive" ;;
  esac
}
