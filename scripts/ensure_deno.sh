#!/usr/bin/env bash
# Sourced by ./halton-meter and scripts/test.sh: sets DENO to the project's pinned Deno,
# installing it from npm into .tools/ (ignored by git) when no matching deno is on PATH.
DENO_VERSION="2.9.6"
_hm_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_hm_version_of() { "$1" --version 2>/dev/null | head -n1 | awk '{print $2}'; }
if command -v deno >/dev/null 2>&1 && [ "$(_hm_version_of deno)" = "$DENO_VERSION" ]; then
  DENO="$(command -v deno)"
elif [ -x "$_hm_root/.tools/node_modules/.bin/deno" ] &&
  [ "$(_hm_version_of "$_hm_root/.tools/node_modules/.bin/deno")" = "$DENO_VERSION" ]; then
  DENO="$_hm_root/.tools/node_modules/.bin/deno"
else
  if ! command -v npm >/dev/null 2>&1; then
    echo "halton-meter: Deno $DENO_VERSION is needed and npm is not available to install it;" \
      "install Node.js/npm or put deno $DENO_VERSION on PATH" >&2
    exit 1
  fi
  echo "halton-meter: installing Deno $DENO_VERSION from npm into $_hm_root/.tools ..." >&2
  mkdir -p "$_hm_root/.tools"
  [ -f "$_hm_root/.tools/package.json" ] || echo '{"private":true}' >"$_hm_root/.tools/package.json"
  if ! npm install --prefix "$_hm_root/.tools" --no-save --no-audit --no-fund --loglevel=error \
    "deno@$DENO_VERSION" >&2; then
    echo "halton-meter: npm install deno@$DENO_VERSION failed (see above)" >&2
    exit 1
  fi
  DENO="$_hm_root/.tools/node_modules/.bin/deno"
  if [ "$(_hm_version_of "$DENO")" != "$DENO_VERSION" ]; then
    echo "halton-meter: installed Deno does not run: $DENO" >&2
    exit 1
  fi
fi
export DENO
export PATH="$(dirname "$DENO"):$PATH"
