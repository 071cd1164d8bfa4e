# Helpers of runner-image/build-local. Source it; do not run it.

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'build-local: error: %s\n' "$*" >&2; exit 1; }
now_ms() { date +%s%3N; }
timing() { printf '    %-10s %6d ms\n' "$1" "$(( $(now_ms) - $2 ))" >&2; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

ensure_debootstrap() {
  command -v debootstrap >/dev/null 2>&1 && return 0
  command -v apt-get >/dev/null 2>&1 || die "debootstrap is missing and apt-get is not available"
  say "installing debootstrap"
  as_root apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq debootstrap >/dev/null
}

# The first Debian archive URI in this machine's apt sources (deb822 *.sources first, then sources.list),
# skipping the security archive (debootstrap needs the main archive).
debian_mirror() {
  local uri=""
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    uri="$(awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) print $i }' "$f" \
      | grep -v -e 'security' | grep -E '/debian/?$' | head -n 1 || true)"
    [ -n "$uri" ] && break
  done
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri="$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^(https?|file):/) { print $i; break } }' \
      /etc/apt/sources.list | grep -v -e 'security' | head -n 1 || true)"
  fi
  echo "$uri"
}

# Removes what a one-shot runner never needs (package caches, documentation, locales, logs) from a root file system.
trim_rootfs() {
  local root="$1"
  as_root rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
    "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/* \
    "$root"/var/log/* "$root"/var/cache/debconf/*-old "$root"/tmp/*
}
