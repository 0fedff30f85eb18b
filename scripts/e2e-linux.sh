#!/usr/bin/env bash
# Linux end-to-end: a clone to metered traffic with `init --apps`, and back to an untouched
# machine with `uninstall`.
#
# Sandboxed: HOME, HALTON_METER_HOME, PATH (a python3 whose certifi bundle is a copy) and
# PYENV_ROOT. Real: `init --apps --supervisor direct`, the machine's trust store through
# `update-ca-certificates` (the one thing this changes on the machine: it is fingerprinted
# before, restored from a backup if anything fails, and must be byte-identical after
# uninstall), a fresh login shell, curl with no flags. The provider is a local fake reached
# through `upstream.resolve`; its certificate is minted from Halton Meter's own CA after
# init, so both the metered path and the passthrough path verify. Loopback traffic only.
#
# Needs root, update-ca-certificates, curl, openssl, python3. Exit 0 = passed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DENO="${DENO:-$(command -v deno || echo "$ROOT/.tools/node_modules/.bin/deno")}"
export DENO_DIR="${DENO_DIR:-${HOME:-/root}/.cache/deno}"
PY=/usr/bin/python3
STEP=0

say() { printf 'e2e-linux: %s\n' "$*"; }
step() {
  STEP=$((STEP + 1))
  printf '\ne2e-linux [%d] (%ds) %s\n' "$STEP" "$SECONDS" "$*"
}
die() {
  printf 'e2e-linux: FAILED: %s\n' "$*" >&2
  exit 1
}

[[ "$(id -u)" == 0 ]] || { say "needs root: it runs the real update-ca-certificates"; exit 2; }

# One run at a time on this machine: two runs (other checkouts, other engineers) interleave
# their snapshots, inits and restores of the same trust store, fail each other, and the later
# restore puts back the other run's CA. flock -o: the roles this run starts do not inherit
# the lock. Waits up to 10 minutes for a run in progress.
LOCK=/run/lock/halton-meter-e2e-linux.lock
if [[ "${HM_E2E_LOCKED:-}" != 1 ]]; then
  code=0
  HM_E2E_LOCKED=1 flock -o -E 75 -w 600 "$LOCK" bash "$0" "$@" || code=$?
  [[ "$code" != 75 ]] || say "another e2e-linux run held $LOCK for 10 minutes"
  exit "$code"
fi
for tool in update-ca-certificates curl openssl "$PY" "$DENO"; do
  command -v "$tool" >/dev/null || { say "needs $tool"; exit 2; }
done

SBX="$(mktemp -d /tmp/hm-e2e.XXXXXX)"
H="$SBX/home"
HMH="$H/.halton-meter"
BK="$SBX/backup"
SITE="$SBX/site"
COPY="$SITE/certifi/cacert.pem"
mkdir -p "$H" "$HMH" "$BK" "$SITE/certifi" "$SBX/bin" "$SBX/pyenv"
PROVIDER_PID=""


# The real certifi bundles of this machine's interpreters: guarded, never touched.
REAL_CERTIFI=()
for py in python3 "$PY" "${HOME:-/root}"/.pyenv/versions/*/bin/python; do
  b="$("$py" -c 'import certifi, os; print(os.path.realpath(certifi.where()))' 2>/dev/null || true)"
  # A distribution's certifi that is the system bundle is covered by the trust store checks.
  case "$b" in /etc/ssl/* | /usr/local/share/ca-certificates/* | "") continue ;; esac
  [[ -f "$b" && " ${REAL_CERTIFI[*]:-} " != *" $b "* ]] && REAL_CERTIFI+=("$b")
done

TRUST_DIRS=(/usr/local/share/ca-certificates /etc/ssl/certs)

JAVA_KS=/etc/ssl/certs/java/cacerts

# The Java keystore's entries without their creation dates: update-ca-certificates' Java
# hook rebuilds the keystore on every `--fresh` run (the only way it removes a local CA),
# stamping each entry anew, so its bytes can never come back; its certificates can.
java_entries() {
  keytool -list -rfc -keystore "$JAVA_KS" -storepass changeit 2>/dev/null |
    grep -v '^Creation date' | LC_ALL=C sort | sha256sum | cut -d' ' -f1
}

# Everything uninstall must leave as it was: trust store (symlinks, modes, bytes), the
# certifi copy, and the sandboxed HOME (rc files) minus the state dir. `fingerprint raw` is the
# trust store alone, every byte (what the backup restores); `fingerprint` compares the Java
# keystore by entries.
fingerprint() {
  {
    for d in "${TRUST_DIRS[@]}" /var/lib/ca-certificates-java; do
      [[ -d "$d" ]] || continue
      find "$d" -printf '%p %y %m %l\n'
      if [[ "${1:-}" == raw || ! -f "$JAVA_KS" ]]; then
        find "$d" -type f -exec sha256sum {} +
      else
        find "$d" -type f ! -path "$JAVA_KS" -exec sha256sum {} +
        echo "java-keystore-entries $(java_entries)"
      fi
    done
    sha256sum /etc/ca-certificates.conf
    if [[ "${1:-}" != raw ]]; then
      sha256sum "$COPY"
      find "$H" -path "$HMH" -prune -o -printf '%p %y %m %l\n'
      find "$H" -path "$HMH" -prune -o -type f -exec sha256sum {} +
    fi
  } | LC_ALL=C sort -u
}

# The real certifi bundles are not ours to snapshot (other tools on this machine may update
# them while this runs): they must simply never carry our block or our CA.
untouched_real_certifi() {
  local body
  body="$(sed -n 2p "$HMH/ca/halton-meter-ca.pem")"
  for b in "${REAL_CERTIFI[@]}"; do
    ! grep -q 'halton-meter' "$b" || die "the real certifi bundle $b was patched"
    ! grep -qF "$body" "$b" || die "the real certifi bundle $b holds our CA"
  done
}

restore_trust() {
  say "restoring the trust store from $BK"
  for d in "${TRUST_DIRS[@]}"; do
    local name
    name="$(echo "$d" | tr / _)"
    rm -rf "$d.hm-e2e-old"
    mv "$d" "$d.hm-e2e-old"
    cp -a "$BK/$name" "$d"
    rm -rf "$d.hm-e2e-old"
  done
  cp -a "$BK/ca-certificates.conf" /etc/ca-certificates.conf
}

cleanup() {
  local code=$?
  set +e
  # Only processes this script started: the fake provider and the roles in our own state dir.
  [[ -n "$PROVIDER_PID" ]] && kill "$PROVIDER_PID" 2>/dev/null
  for role in watchdog daemon userenv edge; do
    [[ -f "$HMH/run/$role.pid" ]] && kill -9 "$(cat "$HMH/run/$role.pid")" 2>/dev/null
  done
  # The trust store goes back to the backup in every case (the baseline step normalised it),
  # and must then match what this script found, byte for byte.
  if [[ -f "$SBX/orig.txt" ]]; then
    diff -q "$SBX/orig.txt" <(fingerprint raw) >/dev/null || restore_trust
    if ! diff -q "$SBX/orig.txt" <(fingerprint raw) >/dev/null; then
      say "WARNING: the machine still differs from the snapshot in $SBX/orig.txt"
      code=1
    fi
  fi
  if [[ "$code" != 0 ]]; then
    for log in "$HMH"/logs/*.log "$SBX"/*.out; do
      [[ -s "$log" ]] && { echo "--- $log (tail)"; tail -n 15 "$log"; }
    done
  fi
  [[ "$code" == 0 ]] && rm -rf "$SBX"
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

hm() { timeout 120 env -i HOME="$H" HALTON_METER_HOME="$HMH" PATH="$SBX/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  PYENV_ROOT="$SBX/pyenv" SHELL=/bin/bash DENO_DIR="$DENO_DIR" NO_COLOR=1 HALTON_METER_SYSTEM_PROXY=none \
  "$DENO" run --quiet -A "$ROOT/main.ts" "$@"; }

# A fresh login shell of the sandboxed user: only what its startup files export.
login() { timeout 60 env -i HOME="$H" USER=root LOGNAME=root TERM=dumb SHELL=/bin/bash \
  PATH=/usr/bin:/bin bash -lic "$1" 2>>"$SBX/login.out"; }

free_port() { "$PY" -S -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port_of() { "$PY" -S -c "import json; print(json.load(open('$HMH/effective-ports.json'))['$1'])"; }
rows() {
  curl -sS --noproxy '*' -H "Authorization: Bearer $(cat "$HMH/api-token")" \
    "http://127.0.0.1:$(port_of api)/v1/calls?provider=anthropic&limit=100" |
    "$PY" -S -c 'import json,sys; print(len(json.load(sys.stdin)["calls"]))'
}
wait_rows() { # expected count
  for _ in $(seq 1 50); do
    [[ "$(rows 2>/dev/null || echo x)" == "$1" ]] && return 0
    sleep 0.2
  done
  die "expected $1 metered row(s), found $(rows 2>/dev/null || echo '?')"
}
provider_hits() { grep -c '^hit' "$SBX/provider.out" || true; }

step "sandbox $SBX; snapshot and back up the trust store"
cp -a /etc/ca-certificates.conf "$BK/"
for d in "${TRUST_DIRS[@]}"; do cp -a "$d" "$BK/$(echo "$d" | tr / _)"; done
# A certifi of our own whose bundle is a copy of the system roots; -S keeps this machine's
# site hooks away from it, and no bytecode lands beside it.
printf 'import os\ndef where():\n    return os.path.join(os.path.dirname(__file__), "cacert.pem")\n' \
  >"$SITE/certifi/__init__.py"
cp /etc/ssl/certs/ca-certificates.crt "$COPY"
for name in python3 python; do
  printf '#!/bin/sh\nPYTHONDONTWRITEBYTECODE=1 PYTHONPATH=%s exec %s -S "$@"\n' "$SITE" "$PY" >"$SBX/bin/$name"
  chmod +x "$SBX/bin/$name"
done
printf "# the user's own bashrc\nalias ll='ls -l'\n" >"$H/.bashrc"
PROVIDER_PORT="$(free_port)"
cat >"$HMH/config.json" <<EOF
{
  "ports": { "edge": 0, "internal": 0, "api": 0 },
  "upstream": {
    "resolve": { "api.anthropic.com:443": "127.0.0.1:$PROVIDER_PORT" },
    "ca_file": "$HMH/ca/halton-meter-ca.pem"
  }
}
EOF
fingerprint raw >"$SBX/orig.txt"
# This machine's store may not be a fixed point of update-ca-certificates (a regular file
# where the tool keeps a symlink, a Java keystore without the local CAs). Normalising it
# first makes the comparison measure only what init and uninstall did; the backup above
# puts the original back at the end.
update-ca-certificates >"$SBX/normalise.out" 2>&1 || die "update-ca-certificates failed: $(tail -3 "$SBX/normalise.out")"
fingerprint >"$SBX/before.txt"
say "$(wc -l <"$SBX/before.txt") entries fingerprinted; real certifi bundles guarded: ${REAL_CERTIFI[*]:-none}"

step "init --apps --supervisor direct (real update-ca-certificates)"
t0=$SECONDS
hm init --apps --supervisor direct | tee "$SBX/init.out"
say "init took $((SECONDS - t0)) s"
grep -q 'self-test passed' "$SBX/init.out" || die "init's self-test did not pass"
CA="$HMH/ca/halton-meter-ca.pem"
grep -qF "$(sed -n 2p "$CA")" /etc/ssl/certs/ca-certificates.crt || die "the CA is not in /etc/ssl/certs/ca-certificates.crt"
grep -q '^# halton-meter CA appended by halton-meter init$' "$COPY" || die "the certifi copy was not patched"
untouched_real_certifi
EDGE="$(port_of edge)"

step "fake provider for api.anthropic.com with a leaf minted from Halton Meter's CA"
openssl req -new -newkey rsa:2048 -nodes -subj "/CN=api.anthropic.com" \
  -keyout "$SBX/leaf.key" -out "$SBX/leaf.csr" 2>/dev/null
printf 'subjectAltName=DNS:api.anthropic.com\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$SBX/leaf.ext"
openssl x509 -req -in "$SBX/leaf.csr" -CA "$CA" -CAkey "$HMH/ca/halton-meter-ca-key.pem" \
  -set_serial "0x$(openssl rand -hex 8)" -days 2 -sha256 -extfile "$SBX/leaf.ext" \
  -out "$SBX/leaf.pem" 2>/dev/null
cat >"$SBX/provider.ts" <<'EOF'
const [cert, key, port] = Deno.args;
Deno.serve({
  hostname: "127.0.0.1",
  port: Number(port),
  cert: Deno.readTextFileSync(cert),
  key: Deno.readTextFileSync(key),
  onListen: () => console.log("ready"),
}, async (req) => {
  await req.text();
  console.log(`hit ${req.method} ${new URL(req.url).pathname}`);
  return Response.json({
    id: "msg_e2e",
    type: "message",
    role: "assistant",
    model: "claude-sonnet-4-20250514",
    content: [{ type: "text", text: "ok" }],
    stop_reason: "end_turn",
    usage: { input_tokens: 12, output_tokens: 3 },
  }, { headers: { "request-id": "req_e2e" } });
});
EOF
"$DENO" run --quiet --allow-net --allow-read "$SBX/provider.ts" "$SBX/leaf.pem" "$SBX/leaf.key" \
  "$PROVIDER_PORT" >"$SBX/provider.out" 2>&1 &
PROVIDER_PID=$!
for _ in $(seq 1 50); do grep -q ready "$SBX/provider.out" && break; sleep 0.2; done
grep -q ready "$SBX/provider.out" || die "the fake provider did not start"

step "a fresh login shell picks up the environment"
got="$(login 'echo "$HTTPS_PROXY|$CURL_CA_BUNDLE|$NODE_USE_ENV_PROXY"')"
[[ "$got" == "http://127.0.0.1:$EDGE|$HMH/ca/ca-bundle.pem|1" ]] || die "login shell environment: $got"
say "HTTPS_PROXY=http://127.0.0.1:$EDGE in a new login shell"

cat >"$SBX/call.sh" <<'EOF'
curl -sS -f https://api.anthropic.com/v1/messages \
  -H 'content-type: application/json' -H 'x-api-key: sk-ant-e2e-not-a-key' \
  -H 'anthropic-version: 2023-06-01' \
  -d '{"model":"claude-sonnet-4-20250514","max_tokens":8,"messages":[{"role":"user","content":"hi"}]}'
EOF
call() { login "sh $SBX/call.sh" | grep -q '"msg_e2e"' || die "curl through the login environment failed ($1)"; }

step "curl https://api.anthropic.com/v1/messages with no flags: metered"
call metered
wait_rows 1
say "1 row; provider hits: $(provider_hits)"

step "stop: the same curl still succeeds through the edge (passthrough) and lands no row"
hm stop | tee "$SBX/stop.out"
grep -q 'edge still running' "$SBX/stop.out" || die "stop did not leave the edge running"
call passthrough
[[ "$(provider_hits)" == 2 ]] || die "the passthrough call did not reach the provider"

step "start: rows again"
hm start
wait_rows 1
call "metered again"
wait_rows 2
say "2 rows; provider hits: $(provider_hits)"

step "uninstall: trust store, bundles and rc files byte-identical"
kill "$PROVIDER_PID" && PROVIDER_PID=""
hm uninstall | tee "$SBX/uninstall.out"
for role in edge daemon watchdog; do
  [[ ! -f "$HMH/run/$role.pid" ]] || die "$role pid file left behind"
done
untouched_real_certifi
if ! diff -u "$SBX/before.txt" <(fingerprint) >"$SBX/diff.out"; then
  head -40 "$SBX/diff.out"
  die "the machine differs from before init (diff above)"
fi

say "PASSED in ${SECONDS}s: metered, passthrough after stop, metered after start, identical after uninstall (Java keystore by entries)"
