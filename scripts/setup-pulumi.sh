#!/usr/bin/env bash
# Provide the pinned Pulumi CLI, its Python language host and the shims the CLI runs for
# Python dynamic providers and policy packs, in a cache outside the repo. Prints the bin dir.
#
# Order: a `pulumi` on PATH of the pinned version is used as it is; else a cached build; else
# build from the release's Go modules (no Pulumi binary can be downloaded here).
set -euo pipefail

version="${PULUMI_VERSION:?PULUMI_VERSION must be set (the Makefile reads it from pyproject.toml)}"
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${AIDC_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/aidc}"
bin="$cache/pulumi-$version/bin"
log="$cache/pulumi-$version/build.log"

say() { echo "setup-pulumi: $*" >&2; }

have_matching() {
  # $1: a pulumi binary; true when it reports the pinned version.
  [ -x "$1" ] && [ "$("$1" version 2>/dev/null)" = "v$version" ]
}

write_shims() {
  # Tiny executables the CLI looks up on PATH. They run Python from the project's virtualenv
  # when the language host names one, so providers see the same packages as the program.
  cat >"$bin/pulumi-resource-pulumi-python" <<'SH'
#!/bin/sh
py="python3"
for venv in "${PULUMI_RUNTIME_VIRTUALENV:-}" "${VIRTUAL_ENV:-}"; do
  if [ -n "$venv" ] && [ -x "$venv/bin/python" ]; then py="$venv/bin/python"; break; fi
done
exec "$py" -u -m pulumi.dynamic "$@"
SH
  cat >"$bin/pulumi-analyzer-policy-python" <<'SH'
#!/bin/sh
py="python3"
for venv in "${PULUMI_RUNTIME_VIRTUALENV:-}" "${VIRTUAL_ENV:-}"; do
  if [ -n "$venv" ] && [ -x "$venv/bin/python" ]; then py="$venv/bin/python"; break; fi
done
exec "$py" -u -m pulumi.policy "$1" "$2"
SH
  # The policy pack declares runtime "aidc-python" so the CLI starts it through this shim:
  # for runtime "python" it would ask the language host instead, and the host we can build
  # here (see tools/pulumi/language-python) predates the request field that names the pack.
  cp "$bin/pulumi-analyzer-policy-python" "$bin/pulumi-analyzer-policy-aidc-python"
  chmod 0755 "$bin/pulumi-resource-pulumi-python" "$bin/pulumi-analyzer-policy-python" \
    "$bin/pulumi-analyzer-policy-aidc-python"
}

build() {
  command -v go >/dev/null 2>&1 || {
    say "no pulumi v$version on PATH and no Go toolchain to build it."
    say "install Go >= 1.26 (Debian: apt-get install golang-1.26 or from go.dev) or put"
    say "pulumi v$version on PATH (https://www.pulumi.com/docs/install/), then run make setup again."
    exit 1
  }
  mkdir -p "$bin"
  local ldflags="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version"
  say "building the Pulumi CLI v$version from its Go modules (first time only; log: $log)"
  (
    cd "$root/tools/pulumi/cli"
    go build -trimpath -tags osusergo -ldflags "$ldflags" -o "$bin/" \
      github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
    cd "$root/tools/pulumi/language-python"
    host_version="$(awk '/github.com\/pulumi\/pulumi\/sdk\/v3 /{print $2}' go.mod)"
    go build -trimpath -tags osusergo \
      -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$host_version" \
      -o "$bin/" github.com/pulumi/pulumi/sdk/v3/python/cmd/pulumi-language-python
    # The exec shim the language host runs comes from the pinned SDK's own module.
    go mod download -json "github.com/pulumi/pulumi/sdk/v3@v$version" >"$cache/sdk.json"
    sdk_dir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' "$cache/sdk.json")"
    install -m 0755 "$sdk_dir/python/cmd/pulumi-language-python-exec" "$bin/"
  ) >"$log" 2>&1 || { say "build failed; last lines of $log:"; tail -n 20 "$log" >&2; exit 1; }
}

mkdir -p "$(dirname "$log")"
if on_path="$(command -v pulumi 2>/dev/null)" && have_matching "$on_path" \
   && [ "$(dirname "$on_path")" != "$bin" ]; then
  # The release on PATH carries its own language host; the shims still go in our cache.
  say "using $on_path (v$version)"
elif have_matching "$bin/pulumi" && [ -x "$bin/pulumi-language-python" ] \
   && [ -x "$bin/pulumi-language-python-exec" ]; then
  say "using cached $bin/pulumi (v$version)"
else
  build
fi
mkdir -p "$bin"
write_shims
echo "$bin"
