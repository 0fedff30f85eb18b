import assert from "node:assert/strict";
import { CA1_PEM, CA2_PEM } from "./_trust_fixtures.ts";
import {
  type CaTrustOptions,
  createCaTrust,
  detectLinuxTrustFamily,
  type LinuxTrustFamily,
  parseLinuxTrustFamily,
} from "./ca_trust.ts";
import { COMMAND_NOT_FOUND } from "./command_runner.ts";
import { createMemoryFiles, type MemoryFiles } from "./memory_files.ts";
import { createRecordingRunner, type Responder } from "./recording_runner.ts";

const CA = "/home/ada/.halton-meter/ca.pem";
const ROOTS = "-----BEGIN CERTIFICATE-----\nQUJD\n-----END CERTIFICATE-----\n";
const DEB_FILE = "/usr/local/share/ca-certificates/halton-meter-ca.crt";
const DEB_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";
const FED_FILE = "/etc/pki/ca-trust/source/anchors/halton-meter-ca.pem";
const FED_BUNDLE = "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem";
const NSS = "/home/ada/.pki/nssdb";
const NSS_L = `certutil -d sql:${NSS} -L -n Halton Meter CA -a`;

/** A fake Linux machine whose refresh tools rebuild the bundle from the drop-in file. */
function linux(family: LinuxTrustFamily, opts: {
  isRoot?: boolean;
  sudo?: boolean;
  nss?: boolean;
  respond?: Responder;
} = {}) {
  const files = createMemoryFiles({ [CA]: CA1_PEM, [DEB_BUNDLE]: ROOTS, [FED_BUNDLE]: ROOTS });
  if (opts.nss) files.dirs.add(NSS);
  let nssPem: string | null = null;
  const rebuild = (bundle: string, dropIn: string) => {
    const ours = files.files.get(dropIn);
    files.files.set(bundle, ROOTS + (typeof ours === "string" ? ours : ""));
  };
  const runner = createRecordingRunner((cmd, args) => {
    const custom = opts.respond?.(cmd, args);
    if (custom) return custom;
    const argv = cmd === "sudo" ? args.slice(1) : [cmd, ...args];
    if (cmd === "sudo" && args.join(" ") === "-n true") return { code: opts.sudo ? 0 : 1 };
    if (argv[0] === "install") files.files.set(argv[5], files.files.get(argv[4]) ?? "");
    if (argv[0] === "rm") files.files.delete(argv[2]);
    if (argv[0] === "update-ca-certificates") rebuild(DEB_BUNDLE, DEB_FILE);
    if (argv[0] === "update-ca-trust") rebuild(FED_BUNDLE, FED_FILE);
    if (argv[0] === "trust") {
      const store = argv[2] === "--store";
      files.files.set(DEB_BUNDLE, ROOTS + (store ? files.files.get(argv[3]) : ""));
    }
    if (argv[0] === "certutil") {
      const op = argv[3];
      if (op === "-L") {
        return nssPem === null ? { code: 255, stderr: "could not find" } : { stdout: nssPem };
      }
      if (op === "-A") nssPem = String(files.files.get(argv[argv.length - 1]));
      if (op === "-D") nssPem = null;
    }
    return undefined;
  });
  const options: CaTrustOptions = {
    os: "linux",
    runner,
    files,
    userHome: "/home/ada",
    isRoot: opts.isRoot ?? true,
    nonInteractive: false,
    linuxFamily: family,
  };
  return { files, runner, trust: createCaTrust(options) };
}

const outcomes = (r: { steps: { outcome: string }[] }) => r.steps.map((s) => s.outcome);
const rotate = (files: MemoryFiles) => files.files.set(CA, CA2_PEM);

Deno.test("ca_trust debian as root: install, re-install, rotate, remove", async () => {
  const { files, runner, trust } = linux("debian");
  assert.equal(
    trust.describe(),
    `debian: /usr/local/share/ca-certificates + update-ca-certificates; NSS: certutil -d sql:${NSS}`,
  );
  assert.equal(await trust.state(CA), "untrusted");
  const report = await trust.install(CA);
  assert.deepEqual(report.steps[0], {
    action: "trust CA (update-ca-certificates)",
    outcome: "done",
    detail: `${DEB_FILE}; update-ca-certificates`,
  });
  assert.deepEqual(report.steps[1], {
    action: `trust CA (NSS ${NSS})`,
    outcome: "skipped",
    detail: `no NSS database at ${NSS}`,
  });
  assert.deepEqual(files.ops, [
    { op: "mkdir", path: "/usr/local/share/ca-certificates" },
    { op: "write", path: DEB_FILE, mode: 0o644 },
  ]);
  assert.deepEqual(runner.lines(), ["update-ca-certificates"]);
  assert.equal(await trust.state(CA), "trusted");

  assert.deepEqual(outcomes(await trust.install(CA)), ["skipped", "skipped"]);
  assert.deepEqual(runner.lines(), ["update-ca-certificates"]);

  rotate(files);
  assert.equal(await trust.state(CA), "untrusted");
  assert.deepEqual(outcomes(await trust.install(CA)), ["done", "skipped"]);
  assert.equal(files.files.get(DEB_FILE), CA2_PEM);
  // The old file name is reused, but its subject hash link must be rebuilt: --fresh.
  assert.deepEqual(runner.lines().slice(1), ["update-ca-certificates --fresh"]);

  const removed = await trust.remove(CA);
  assert.deepEqual(outcomes(removed), ["done", "skipped"]);
  assert.equal(files.files.has(DEB_FILE), false);
  assert.equal(files.files.get(DEB_BUNDLE), ROOTS);
  assert.deepEqual(runner.lines().slice(2), ["update-ca-certificates --fresh"]);
  assert.deepEqual(outcomes(await trust.remove(CA)), ["skipped", "skipped"]);
  assert.equal(runner.calls.length, 3);
});

Deno.test("ca_trust debian as a user: sudo -n when it needs no password", async () => {
  const { runner, trust } = linux("debian", { isRoot: false, sudo: true });
  assert.ok((await trust.install(CA)).ok);
  await trust.remove(CA);
  assert.deepEqual(runner.lines(), [
    "sudo -n true",
    `sudo -n install -D -m 0644 ${CA} ${DEB_FILE}`,
    "sudo -n update-ca-certificates",
    `sudo -n rm -f ${DEB_FILE}`,
    "sudo -n update-ca-certificates --fresh",
  ]);
});

Deno.test("ca_trust debian as a user without sudo: manual steps with the exact lines", async () => {
  const { files, runner, trust } = linux("debian", { isRoot: false, sudo: false });
  const report = await trust.install(CA);
  assert.equal(report.ok, true);
  assert.equal(report.steps[0].outcome, "manual");
  assert.equal(
    report.steps[0].command,
    `sudo install -D -m 0644 ${CA} ${DEB_FILE} && sudo update-ca-certificates`,
  );
  assert.deepEqual(runner.lines(), ["sudo -n true"]);
  files.files.set(DEB_FILE, CA1_PEM);
  const removed = await trust.remove(CA);
  assert.equal(
    removed.steps[0].command,
    `sudo rm -f ${DEB_FILE} && sudo update-ca-certificates --fresh`,
  );
  assert.deepEqual(runner.lines(), ["sudo -n true"]); // probed once per CaTrust
});

Deno.test("ca_trust debian refusals: the tool fails, or succeeds without taking the CA", async () => {
  const failing = linux("debian", {
    respond: (cmd) =>
      cmd === "update-ca-certificates" ? { code: 1, stderr: "E: hook failed\n" } : undefined,
  });
  const report = await failing.trust.install(CA);
  assert.equal(report.ok, false);
  assert.deepEqual(report.steps[0], {
    action: "trust CA (update-ca-certificates)",
    outcome: "failed",
    detail: "update-ca-certificates exited 1: E: hook failed",
    command: `sudo install -D -m 0644 ${CA} ${DEB_FILE} && sudo update-ca-certificates`,
  });
  const ignoring = linux("debian", {
    respond: (cmd) => cmd === "update-ca-certificates" ? {} : undefined,
  });
  const ignored = await ignoring.trust.install(CA);
  assert.equal(ignored.ok, false);
  assert.match(ignored.steps[0].detail, /ca-certificates\.crt does not contain the CA/);
});

Deno.test("ca_trust fedora as root: anchors + update-ca-trust extract", async () => {
  const { files, runner, trust } = linux("fedora");
  assert.deepEqual(outcomes(await trust.install(CA)), ["done", "skipped"]);
  assert.equal(files.files.get(FED_FILE), CA1_PEM);
  assert.equal(await trust.state(CA), "trusted");
  assert.deepEqual(outcomes(await trust.install(CA)), ["skipped", "skipped"]);
  assert.deepEqual(outcomes(await trust.remove(CA)), ["done", "skipped"]);
  assert.equal(files.files.get(FED_BUNDLE), ROOTS);
  assert.deepEqual(runner.lines(), ["update-ca-trust extract", "update-ca-trust extract"]);
});

Deno.test("ca_trust p11kit via sudo: trust anchor --store / --remove", async () => {
  const { runner, trust } = linux("p11kit", { isRoot: false, sudo: true });
  assert.deepEqual(outcomes(await trust.install(CA)), ["done", "skipped"]);
  assert.equal(await trust.state(CA), "trusted");
  assert.deepEqual(outcomes(await trust.install(CA)), ["skipped", "skipped"]);
  assert.deepEqual(outcomes(await trust.remove(CA)), ["done", "skipped"]);
  assert.deepEqual(outcomes(await trust.remove(CA)), ["skipped", "skipped"]);
  assert.deepEqual(runner.lines(), [
    "sudo -n true",
    `sudo -n trust anchor --store ${CA}`,
    `sudo -n trust anchor --remove ${CA}`,
  ]);
});

Deno.test("ca_trust NSS: add, idempotent, rotate (delete then add), remove", async () => {
  const { files, runner, trust } = linux("debian", { nss: true });
  const add = `certutil -d sql:${NSS} -A -t C,, -n Halton Meter CA -i ${CA}`;
  assert.deepEqual(outcomes(await trust.install(CA)), ["done", "done"]);
  assert.equal(await trust.state(CA), "trusted");
  assert.deepEqual(outcomes(await trust.install(CA)), ["skipped", "skipped"]);
  rotate(files);
  await trust.install(CA);
  await trust.remove(CA);
  assert.deepEqual(runner.lines().filter((l) => l.startsWith("certutil")), [
    NSS_L,
    add,
    NSS_L, // state
    NSS_L, // re-install: present, same
    NSS_L, // rotated: old one present
    NSS_L, // delete loop
    `certutil -d sql:${NSS} -D -n Halton Meter CA`,
    NSS_L,
    add,
    NSS_L, // remove
    NSS_L,
    `certutil -d sql:${NSS} -D -n Halton Meter CA`,
    NSS_L,
  ]);
});

Deno.test("ca_trust NSS: certutil missing is a skipped step with the package to install", async () => {
  const { trust } = linux("debian", {
    nss: true,
    respond: (cmd) => cmd === "certutil" ? { code: COMMAND_NOT_FOUND } : undefined,
  });
  const report = await trust.install(CA);
  assert.deepEqual(outcomes(report), ["done", "skipped"]);
  assert.match(report.steps[1].detail, /install libnss3-tools/);
  assert.equal(await trust.state(CA), "trusted"); // NSS does not apply
});

Deno.test("ca_trust refusals: unsupported family or OS, missing or malformed CA", async () => {
  const none = linux("unsupported");
  const report = await none.trust.install(CA);
  assert.equal(report.ok, false);
  assert.match(report.steps[0].detail, /install the ca-certificates package/);
  assert.equal(await none.trust.state(CA), "unknown");
  // Nothing could have been added, so removing is a skip, not a failed uninstall.
  const removed = await none.trust.remove(CA);
  assert.equal(removed.ok, true);
  assert.equal(removed.steps[0].outcome, "skipped");
  assert.match(removed.steps[0].detail, /^nothing was added: no supported system trust tool/);

  const bsd = createCaTrust({
    os: "freebsd",
    runner: createRecordingRunner(),
    files: createMemoryFiles(),
    userHome: "/home/ada",
    isRoot: true,
    nonInteractive: true,
  });
  assert.match((await bsd.install(CA)).steps[0].detail, /no trust store support for OS "freebsd"/);

  const { files, trust } = linux("debian");
  files.files.delete(CA);
  const missing = await trust.install(CA);
  assert.deepEqual(missing.steps, [{
    action: "trust CA",
    outcome: "failed",
    detail: `Cannot read the CA at ${CA}: run halton-meter init to create it`,
  }]);
  assert.equal(await trust.state(CA), "unknown");
  files.files.set(CA, "garbage");
  assert.match(
    (await trust.install(CA)).steps[0].detail,
    /expected exactly one PEM certificate, found 0/,
  );
});

const OS_RELEASE: Record<string, string> = {
  debian: 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n',
  ubuntu: "NAME=Ubuntu\nID=ubuntu\nID_LIKE=debian\n",
  fedora: 'NAME="Fedora Linux"\nID=fedora\n',
  rocky: 'ID="rocky"\nID_LIKE="rhel centos fedora"\n',
  arch: 'NAME="Arch Linux"\nID=arch\n',
  suse: 'ID="opensuse-tumbleweed"\nID_LIKE="opensuse suse"\n',
  odd: "ID=somethingnew\n",
};

Deno.test("parseLinuxTrustFamily: distribution first, then the tools present", () => {
  const all = new Set(["update-ca-certificates", "update-ca-trust", "trust"]);
  const cases: [string | null, string[], LinuxTrustFamily][] = [
    [OS_RELEASE.debian, [...all], "debian"],
    [OS_RELEASE.ubuntu, ["update-ca-certificates"], "debian"],
    [OS_RELEASE.fedora, [...all], "fedora"],
    [OS_RELEASE.rocky, ["update-ca-trust", "trust"], "fedora"],
    [OS_RELEASE.arch, [...all], "p11kit"],
    // SUSE's update-ca-certificates reads other directories than Debian's: never use it.
    [OS_RELEASE.suse, ["update-ca-certificates", "trust"], "p11kit"],
    [OS_RELEASE.suse, ["update-ca-certificates"], "unsupported"],
    [OS_RELEASE.odd, ["trust"], "p11kit"],
    [OS_RELEASE.odd, ["update-ca-trust", "trust"], "fedora"],
    [null, ["update-ca-certificates"], "debian"],
    [OS_RELEASE.debian, [], "unsupported"],
  ];
  for (const [text, tools, want] of cases) {
    assert.equal(parseLinuxTrustFamily(text, new Set(tools)), want, `${text} ${tools}`);
  }
});

Deno.test("detectLinuxTrustFamily reads os-release and finds tools in sbin", async () => {
  const files = createMemoryFiles({
    "/etc/os-release": OS_RELEASE.ubuntu,
    "/usr/sbin/update-ca-certificates": "",
  });
  assert.equal(await detectLinuxTrustFamily({ files }), "debian");
  const fedora = createMemoryFiles({
    "/usr/lib/os-release": OS_RELEASE.fedora,
    "/usr/bin/update-ca-trust": "",
  });
  assert.equal(await detectLinuxTrustFamily({ files: fedora }), "fedora");
});

Deno.test("ca_trust p11kit: state reads the first extracted bundle that exists (openSUSE)", async () => {
  const files = createMemoryFiles({ [CA]: CA1_PEM, "/etc/ssl/ca-bundle.pem": ROOTS + CA1_PEM });
  const trust = createCaTrust({
    os: "linux",
    runner: createRecordingRunner(),
    files,
    userHome: "/home/ada",
    isRoot: true,
    nonInteractive: true,
    linuxFamily: "p11kit",
  });
  assert.equal(await trust.state(CA), "trusted");
  const report = await trust.install(CA);
  assert.equal(report.steps[0].detail, "already in /etc/ssl/ca-bundle.pem");
});
