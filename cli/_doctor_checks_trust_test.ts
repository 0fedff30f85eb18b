import assert from "node:assert/strict";
import { ensureCa } from "../daemon/certs/mod.ts";
import {
  type CaTrust,
  type CertifiPatcher,
  type CommandRunner,
  createCommandRunner,
  createRecordingRunner,
} from "../setup/mod.ts";
import type { UsableCa } from "./_doctor_checks_ca.ts";
import { trustChecks } from "./_doctor_checks_trust.ts";
import { HANDSHAKE_NAME, trustHandshake } from "./_trust_handshake.ts";
import { withTempHome } from "../tests/_support/temp_home.ts";

function withCa(fn: (ca: UsableCa) => Promise<void>): Promise<void> {
  return withTempHome("hm-doctor-trust-", async (home) => {
    const ca = await ensureCa(home);
    await fn({ ...ca, created: false });
  });
}

/** The real runner, with our CA handed to the client: what a machine that trusts it sees. */
function trustingRunner(ca: UsableCa): CommandRunner {
  const real = createCommandRunner();
  return {
    run(cmd, args, opts) {
      if (args.includes("curl")) {
        args = [...args.slice(0, -1), "--cacert", ca.certPath, args.at(-1)!];
      }
      if (args.includes("s_client")) args = [...args, "-CAfile", ca.certPath];
      return real.run(cmd, args, opts);
    },
  };
}

/** Pretends curl is not installed so the openssl fallback runs. */
function withoutCurl(inner: CommandRunner): CommandRunner {
  return {
    run: (cmd, args, opts) =>
      inner.run(cmd, args.map((a) => (a === "curl" ? "curl-not-installed-here" : a)), opts),
  };
}

Deno.test("real handshake: curl with the default store rejects a fresh CA, accepts it once trusted", () =>
  withCa(async (ca) => {
    const untrusted = await trustHandshake(ca, { runner: createCommandRunner(), os: "linux" });
    assert.equal(untrusted.kind, "rejected");
    assert.match(untrusted.kind === "rejected" ? untrusted.detail : "", /curl \(exit 60\)/);
    // Our own bundle in SSL_CERT_FILE / CURL_CA_BUNDLE (apps mode sets them) must not count.
    const real = createCommandRunner();
    const apps: CommandRunner = {
      run: (cmd, args, opts) =>
        real.run(cmd, args, {
          ...opts,
          env: { SSL_CERT_FILE: ca.certPath, CURL_CA_BUNDLE: ca.certPath, SSL_CERT_DIR: ca.dir },
        }),
    };
    assert.equal((await trustHandshake(ca, { runner: apps, os: "linux" })).kind, "rejected");
    const trusted = await trustHandshake(ca, { runner: trustingRunner(ca), os: "linux" });
    assert.deepEqual([trusted.kind, trusted.kind === "verified" && trusted.tool], [
      "verified",
      "curl",
    ]);
  }));

Deno.test("real handshake: openssl s_client when curl is missing, both ways", () =>
  withCa(async (ca) => {
    const rejected = await trustHandshake(ca, {
      runner: withoutCurl(createCommandRunner()),
      os: "linux",
    });
    assert.equal(rejected.kind, "rejected");
    const verified = await trustHandshake(ca, {
      runner: withoutCurl(trustingRunner(ca)),
      os: "linux",
    });
    assert.equal(verified.kind, "verified");
  }));

Deno.test("the client runs without trust overrides or proxies, and checks the test name", () =>
  withCa(async (ca) => {
    const runner = createRecordingRunner(() => ({ code: 60, stderr: "curl: (60) SSL problem\n" }));
    const r = await trustHandshake(ca, { runner, os: "linux" });
    assert.equal(r.kind, "rejected");
    const [call] = runner.calls;
    assert.equal(call.cmd, "env");
    for (const v of ["SSL_CERT_FILE", "SSL_CERT_DIR", "CURL_CA_BUNDLE", "HTTPS_PROXY"]) {
      assert.ok(call.args.join(" ").includes(`-u ${v}`), v);
    }
    assert.ok(!call.args.some((a) => /cacert|capath|--insecure|^-k$/.test(a)));
    assert.match(call.args.at(-1)!, new RegExp(`^https://${HANDSHAKE_NAME}:\\d+/$`));
    const none = createRecordingRunner(() => ({ code: 127 }));
    assert.equal((await trustHandshake(ca, { runner: none, os: "linux" })).kind, "unavailable");
  }));

Deno.test("trust checks: handshake verdicts, optional CaTrust and CertifiPatcher", () =>
  withCa(async (ca) => {
    const verified = () =>
      Promise.resolve({ kind: "verified" as const, tool: "curl", detail: "ok" });
    let out = await trustChecks(ca, { trustHandshake: verified });
    assert.deepEqual(out.map((c) => `${c.id}=${c.status}`), [
      "trust.handshake=PASS",
      "trust.store=SKIP",
      "certifi.bundles=SKIP",
    ]);
    out = await trustChecks(ca, {
      trustHandshake: () => Promise.resolve({ kind: "rejected", tool: "curl", detail: "no" }),
    });
    assert.equal(out[0].status, "FAIL");
    assert.match(out[0].next ?? "", /^halton-meter init/);
    out = await trustChecks(null, { trustHandshake: verified });
    assert.equal(out[0].status, "SKIP");

    const asked: string[] = [];
    const caTrust: CaTrust = {
      describe: () => "debian: /usr/local/share/ca-certificates + update-ca-certificates",
      install: () => Promise.reject(new Error("doctor must not install")),
      remove: () => Promise.reject(new Error("doctor must not remove")),
      state: (p) => (asked.push(p), Promise.resolve("untrusted")),
    };
    const states: Record<string, "patched" | "stale" | "unpatched" | "missing"> = {
      "/a/cacert.pem": "patched",
      "/b/cacert.pem": "stale",
      "/c/cacert.pem": "unpatched",
    };
    const certifi: CertifiPatcher = {
      discover: (extra) =>
        Promise.resolve([
          { python: "/usr/bin/python3", bundle: "/a/cacert.pem" },
          { python: "/opt/py/bin/python3", bundle: "/b/cacert.pem" },
          { python: extra[0], bundle: "/c/cacert.pem" },
          { python: "/usr/bin/python2", bundle: null, error: "No module named certifi" },
        ]),
      patch: () => Promise.reject(new Error("doctor must not patch")),
      unpatch: () => Promise.reject(new Error("doctor must not unpatch")),
      state: (bundle, pem) => {
        assert.equal(pem, ca.certPem);
        return Promise.resolve(states[bundle]);
      },
    };
    out = await trustChecks(ca, {
      trustHandshake: verified,
      caTrust,
      certifi,
      pythons: ["/x/bin/python"],
    });
    assert.deepEqual(asked, [ca.certPath]);
    assert.deepEqual(out.map((c) => `${c.id}=${c.status}`), [
      "trust.handshake=PASS",
      "trust.store=FAIL",
      "certifi./usr/bin/python3=PASS",
      "certifi./opt/py/bin/python3=FAIL",
      "certifi./x/bin/python=FAIL",
      "certifi./usr/bin/python2=SKIP",
    ]);
    assert.equal(out[4].next, "halton-meter init --python /x/bin/python");

    // On an apps or full install the fixes keep the mode: plain init would switch to env-only.
    out = await trustChecks(ca, {
      trustHandshake: () => Promise.resolve({ kind: "rejected", tool: "curl", detail: "no" }),
      caTrust,
      certifi,
      pythons: ["/x/bin/python"],
      initCommand: "halton-meter init --apps",
    });
    assert.match(out[0].next ?? "", /^halton-meter init --apps {2}# trusts the CA/);
    assert.match(out[1].next ?? "", /^halton-meter init --apps {2}# trusts the CA/);
    assert.equal(out[4].next, "halton-meter init --apps --python /x/bin/python");
  }));

Deno.test("macOS: when curl's own store rejects, the keychain's verdict on the served leaf decides", () =>
  withCa(async (ca) => {
    let keychainCode = 0;
    const runner = createRecordingRunner((cmd) =>
      cmd === "security" ? { code: keychainCode } : { code: 60, stderr: "curl: (60) SSL\n" }
    );
    const ok = await trustHandshake(ca, { runner, os: "darwin" });
    assert.deepEqual([ok.kind, ok.kind !== "unavailable" && ok.tool], ["verified", "security"]);
    const call = runner.calls[1];
    assert.deepEqual([call.cmd, ...call.args.filter((a) => !a.endsWith(".pem"))], [
      "security",
      "verify-cert",
      "-c",
      "-p",
      "ssl",
      "-s",
      HANDSHAKE_NAME,
    ]);
    assert.ok(!call.args.includes("-r"), "-r would trust any self-signed certificate");
    keychainCode = 1;
    assert.equal((await trustHandshake(ca, { runner, os: "darwin" })).kind, "rejected");
  }));
