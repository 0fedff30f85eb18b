#!/usr/bin/env bash
# The whole test suite: installs what it needs (pinned Deno from npm, Debian tools the
# tests use), runs `deno test`, and ends with a plain "N passed, N failed" line.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=ensure_deno.sh
. "$root/scripts/ensure_deno.sh"

# tool:Debian package — the tests use each for real: certutil (NSS trust store), gsettings
# (GNOME system proxy, keyfile backend), zsh and fish (fresh login shells see the env),
# chromium (the dashboard in a real browser, driven by puppeteer-core, which Deno fetches from
# npm as the test imports it; it never downloads a browser of its own), prometheus (scrapes the
# daemon's /metrics in tests/export_prometheus_test.ts), tmux (a real terminal for `watch`);
# install.sh runs under dash and bash with curl or wget, as nobody (setpriv), and is held to
# shellcheck.
need=()
for pair in curl:curl openssl:openssl update-ca-certificates:ca-certificates \
  certutil:libnss3-tools gsettings:libglib2.0-bin zsh:zsh fish:fish chromium:chromium \
  prometheus:prometheus tmux:tmux wget:wget dash:dash shellcheck:shellcheck \
  setpriv:util-linux; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test: installing ${need[*]} with apt-get" >&2
    apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null
  else
    echo "test: missing ${need[*]}; install them and re-run" >&2
    exit 1
  fi
fi

# The real LLM CLIs (Claude Code, Codex, Gemini CLI) some black-box tests drive; best effort.
"$root/scripts/ensure_clis.sh"
# The dashboard's npm pieces, pinned: Chart.js into .tools/dashboard (the generated-assets check)
# and puppeteer-core into Deno's cache (the browser test); a failure shows in those tests.
"$DENO" run --quiet --allow-read --allow-write --allow-run=npm --allow-env \
  scripts/build_dashboard_assets.ts --check >/dev/null 2>&1 || true
"$DENO" cache --quiet tests/dashboard_browser_test.ts >/dev/null 2>&1 || true

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# -A: black-box tests read /proc/<pid> of the processes they start, which needs all access.
NO_COLOR=1 "$DENO" test -A \
  "$@" 2>&1 | tee "$log"
code=${PIPESTATUS[0]}
summary="$(grep -E '^(ok|FAILED) \| [0-9]+ passed' "$log" | tail -n1)"
passed="$(sed -nE 's/.*\| ([0-9]+) passed.*/\1/p' <<<"$summary")"
failed="$(sed -nE 's/.*\| ([0-9]+) failed.*/\1/p' <<<"$summary")"
if [ -z "$passed" ]; then
  echo "test: deno test printed no summary (exit $code)" >&2
  echo "0 passed, 1 failed"
  exit "${code/#0/1}"
fi
echo "${passed} passed, ${failed:-0} failed"
exit "$code"
