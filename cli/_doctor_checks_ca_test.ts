import assert from "node:assert/strict";
import { ensureCa, writeCaBundle } from "../daemon/certs/mod.ts";
import { createFileDeps } from "../setup/mod.ts";
import { recoverCaCertificate } from "./_ca_recovery.ts";
import { caChecks } from "./_doctor_checks_ca.ts";
import type { DoctorCheck } from "./doctor_check.ts";

const DAY = 86_400_000;
const byId = (checks: DoctorCheck[]) => Object.fromEntries(checks.map((c) => [c.id, c]));

async function freshHome(): Promise<string> {
  const home = await Deno.makeTempDir({ prefix: "hm-doctor-ca-" });
  await ensureCa(home);
  await writeCaBundle(home, "");
  return home;
}

Deno.test("a fresh CA passes every ca and bundle check and is handed to the trust checks", async () => {
  const home = await freshHome();
  try {
    const r = caChecks(home, { now: Date.now(), os: "linux" });
    assert.deepEqual(
      r.checks.map((c) => `${c.id}=${c.status}`),
      [
        "ca.files=PASS",
        "ca.permissions=PASS",
        "ca.certificate=PASS",
        "ca.expiry=PASS",
        "ca.key-match=PASS",
        "bundle.ca-bundle=PASS",
      ],
    );
    assert.ok(r.ca);
    assert.match(r.ca.certPem, /BEGIN CERTIFICATE/);
    assert.ok(r.checks.every((c) => c.next === undefined));
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("missing CA files: FAIL with init as next, nothing to hand on", async () => {
  const home = await Deno.makeTempDir({ prefix: "hm-doctor-ca-" });
  try {
    let r = caChecks(home, { now: Date.now(), os: "linux" });
    assert.equal(byId(r.checks)["ca.files"].status, "FAIL");
    assert.equal(byId(r.checks)["ca.files"].next, "halton-meter init");
    assert.equal(r.ca, null);
    await ensureCa(home);
    await Deno.remove(`${home}/ca/halton-meter-ca-key.pem`);
    r = caChecks(home, { now: Date.now(), os: "linux" });
    assert.equal(byId(r.checks)["ca.files"].status, "FAIL");
    assert.match(byId(r.checks)["ca.files"].detail, /halton-meter-ca-key\.pem is missing/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("a lost certificate: init in the install's mode restores a copy that belongs to the key; without one, the key is set aside", async () => {
  const home = await freshHome();
  try {
    const ca = await ensureCa(home);
    await Deno.remove(ca.certPath);
    const files = createFileDeps();
    const found = await recoverCaCertificate(home, { files });
    assert.equal(found.kind, "found", "the combined bundle holds it");
    let c = byId(
      caChecks(home, {
        now: Date.now(),
        os: "linux",
        initCommand: "halton-meter init --apps",
        recovery: found,
      })
        .checks,
    )["ca.files"];
    assert.equal(c.status, "FAIL");
    assert.match(c.detail, /a copy that belongs to the key is in .*ca-bundle\.pem/);
    assert.equal(c.next, `halton-meter init --apps  # restores it from ${ca.bundlePath}`);

    await Deno.remove(ca.bundlePath);
    const none = await recoverCaCertificate(home, { files });
    c = byId(
      caChecks(home, {
        now: Date.now(),
        os: "linux",
        initCommand: "halton-meter init --full",
        recovery: none,
      })
        .checks,
    )["ca.files"];
    assert.match(
      c.detail,
      /no copy of it in .*: the key alone can neither be trusted nor untrusted/,
    );
    assert.equal(
      c.next,
      `mv ${ca.keyPath} ${ca.keyPath}.orphaned && halton-meter init --full  # a new CA is created and trusted`,
    );
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("a world-readable key is FAIL with the chmod to paste; a loose dir alone is WARN", async () => {
  const home = await freshHome();
  try {
    await Deno.chmod(`${home}/ca/halton-meter-ca-key.pem`, 0o644);
    let c = byId(caChecks(home, { now: Date.now(), os: "linux" }).checks)["ca.permissions"];
    assert.equal(c.status, "FAIL");
    assert.match(c.detail, /mode 0644/);
    assert.equal(
      c.next,
      `chmod 600 ${home}/ca/halton-meter-ca-key.pem && chmod 700 ${home}/ca`,
    );
    await Deno.chmod(`${home}/ca/halton-meter-ca-key.pem`, 0o600);
    await Deno.chmod(`${home}/ca`, 0o755);
    c = byId(caChecks(home, { now: Date.now(), os: "linux" }).checks)["ca.permissions"];
    assert.equal(c.status, "WARN");
    assert.equal(c.next, `chmod 700 ${home}/ca`);
    c = byId(caChecks(home, { now: Date.now(), os: "windows" }).checks)["ca.permissions"];
    assert.equal(c.status, "SKIP");
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("expiry: PASS, WARN under 30 days, FAIL once expired or not yet valid", async () => {
  const home = await freshHome();
  try {
    const cert = await Deno.readTextFile(`${home}/ca/halton-meter-ca.pem`);
    const { X509Certificate } = await import("node:crypto");
    const notAfter = Date.parse(new X509Certificate(cert).validTo);
    const expiry = (now: number) => byId(caChecks(home, { now, os: "linux" }).checks)["ca.expiry"];
    assert.equal(expiry(notAfter - 60 * DAY).status, "PASS");
    const soon = expiry(notAfter - 10 * DAY);
    assert.equal(soon.status, "WARN");
    assert.match(soon.detail, /in 10 days/);
    assert.equal(expiry(notAfter + DAY).status, "FAIL");
    assert.match(expiry(Date.now() - 30 * DAY).detail, /clock is behind/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("a key from another CA is a mismatch; garbage is a parse failure", async () => {
  const home = await freshHome();
  const other = await freshHome();
  try {
    await Deno.copyFile(
      `${other}/ca/halton-meter-ca-key.pem`,
      `${home}/ca/halton-meter-ca-key.pem`,
    );
    let r = caChecks(home, { now: Date.now(), os: "linux" });
    assert.equal(byId(r.checks)["ca.key-match"].status, "FAIL");
    assert.match(byId(r.checks)["ca.key-match"].detail, /does not match the key/);
    assert.equal(r.ca, null);
    await Deno.writeTextFile(`${home}/ca/halton-meter-ca.pem`, "not a certificate\n");
    r = caChecks(home, { now: Date.now(), os: "linux" });
    assert.equal(byId(r.checks)["ca.certificate"].status, "FAIL");
    assert.equal(byId(r.checks)["ca.expiry"].status, "SKIP");
  } finally {
    await Deno.remove(home, { recursive: true });
    await Deno.remove(other, { recursive: true });
  }
});

Deno.test("bundle: missing or without our CA is FAIL, older than the CA is WARN", async () => {
  const home = await freshHome();
  const bundle = `${home}/ca/ca-bundle.pem`;
  const bundleCheck = () =>
    byId(caChecks(home, { now: Date.now(), os: "linux" }).checks)["bundle.ca-bundle"];
  try {
    await Deno.writeTextFile(bundle, "# only system roots\n");
    assert.equal(bundleCheck().status, "FAIL");
    assert.match(bundleCheck().detail, /does not contain the current CA/);
    await writeCaBundle(home, "");
    await Deno.utime(bundle, new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000));
    assert.equal(bundleCheck().status, "WARN");
    assert.match(bundleCheck().next ?? "", /halton-meter stop && halton-meter start/);
    await Deno.remove(bundle);
    assert.equal(bundleCheck().status, "FAIL");
    // The CA found in the bundle by certificate, not by text: re-wrapped lines still match.
    await writeCaBundle(home, "");
    const wrapped = (await Deno.readTextFile(bundle)).replace(
      /-----BEGIN CERTIFICATE-----\n([\s\S]*?)-----END CERTIFICATE-----/,
      (_, b64: string) =>
        `-----BEGIN CERTIFICATE-----\n${
          b64.replace(/\s+/g, "").replace(/(.{76})/g, "$1\n")
        }\n-----END CERTIFICATE-----`,
    );
    await Deno.writeTextFile(bundle, wrapped);
    assert.equal(bundleCheck().status, "PASS");
    // A CA file without a certificate in it is not "found" in every bundle.
    await Deno.writeTextFile(`${home}/ca/halton-meter-ca.pem`, "");
    await Deno.utime(bundle, new Date(), new Date());
    assert.equal(bundleCheck().status, "SKIP");
    assert.match(bundleCheck().detail, /holds no PEM certificate/);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
