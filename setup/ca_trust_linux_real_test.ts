/**
 * Real `update-ca-certificates` and `certutil` runs in a sandbox: every directory the
 * Debian tool touches is redirected with its own flags, and the NSS database lives in a
 * temporary HOME. Proves install reaches the generated bundle and NSS, rotation replaces
 * the CA, and remove restores the bundle and the certs directory byte for byte.
 */
import assert from "node:assert/strict";
import { makeLeaf, makeTestCa } from "./_test_openssl.ts";
import { createCaTrust, DEBIAN_CA_FILE, NSS_NICKNAME } from "./ca_trust.ts";
import { createCommandRunner } from "./command_runner.ts";
import { createFileDeps } from "./file_deps.ts";
import { makeDebianTrustStore, MOZILLA_CERTS } from "../tests/_support/debian_trust_store.ts";

async function has(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

async function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  const o = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const d = new TextDecoder();
  return { code: o.code, out: d.decode(o.stdout) + d.decode(o.stderr) };
}

/** Every entry of the certs directory: symlink targets and file bytes. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const e of Deno.readDir(dir)) {
    const p = `${dir}/${e.name}`;
    out[e.name] = e.isSymlink ? `-> ${await Deno.readLink(p)}` : await Deno.readTextFile(p);
  }
  return out;
}

const onPath = async (tool: string) => (await run("sh", ["-c", `command -v ${tool}`])).code === 0;
// Every path is sandboxed, so this needs no root: only the tool and some real roots.
const canRun = await onPath("update-ca-certificates") && await has(MOZILLA_CERTS);
const canNss = await onPath("certutil");

Deno.test({
  name: "ca_trust: real update-ca-certificates and certutil in a sandbox",
  ignore: !canRun,
  async fn(t) {
    const root = await Deno.makeTempDir({ prefix: "halton-trust-" });
    try {
      // A space in the local directory, as real admins' paths can have.
      const store = await makeDebianTrustStore(root, { local: `${root}/local dir` });
      const d = { ...store, home: `${root}/home` };
      await Deno.mkdir(d.home);
      const { args, bundle } = store;
      const before = await Deno.readFile(bundle);
      const beforeDir = await snapshot(d.etc);

      const ca1 = await makeTestCa(root, "Halton Test CA one");
      const ca2 = await makeTestCa(root, "Halton Test CA two");
      const leaf = await makeLeaf(root, ca2, "api.example.test");
      const nssDb = `${d.home}/.pki/nssdb`;
      if (canNss) {
        await Deno.mkdir(nssDb, { recursive: true });
        const made = await run("certutil", ["-N", "-d", `sql:${nssDb}`, "--empty-password"]);
        assert.equal(made.code, 0, made.out);
      }
      const trust = createCaTrust({
        os: "linux",
        runner: createCommandRunner(),
        files: createFileDeps(),
        userHome: d.home,
        isRoot: true,
        nonInteractive: true,
        linuxFamily: "debian",
        paths: { debianLocalDir: d.local, debianBundle: bundle, debianArgs: args },
      });
      const nssList = () => run("certutil", ["-d", `sql:${nssDb}`, "-L"]);

      await t.step("install adds the CA to the generated bundle and NSS", async () => {
        assert.equal(await trust.state(ca1.certPath), "untrusted");
        const report = await trust.install(ca1.certPath);
        assert.ok(report.ok, JSON.stringify(report));
        assert.deepEqual(
          report.steps.map((s) => s.outcome),
          canNss ? ["done", "done"] : ["done", "skipped"],
        );
        assert.equal(await Deno.readTextFile(`${d.local}/${DEBIAN_CA_FILE}`), ca1.pem);
        const text = await Deno.readTextFile(bundle);
        assert.ok(text.includes(ca1.pem.trim()), "bundle lacks the CA");
        assert.equal(await trust.state(ca1.certPath), "trusted");
        if (canNss) assert.match((await nssList()).out, new RegExp(`${NSS_NICKNAME}\\s+C,,`));
      });

      await t.step("install again changes nothing", async () => {
        const bytes = await Deno.readFile(bundle);
        const report = await trust.install(ca1.certPath);
        assert.deepEqual(report.steps.map((s) => s.outcome), ["skipped", "skipped"]);
        assert.deepEqual(await Deno.readFile(bundle), bytes);
      });

      await t.step("a rotated CA replaces the old one everywhere", async () => {
        assert.equal(await trust.state(ca2.certPath), "untrusted");
        const report = await trust.install(ca2.certPath);
        assert.ok(report.ok, JSON.stringify(report));
        const text = await Deno.readTextFile(bundle);
        assert.ok(text.includes(ca2.pem.trim()) && !text.includes(ca1.pem.trim()));
        assert.equal(await trust.state(ca2.certPath), "trusted");
        assert.equal(await trust.state(ca1.certPath), "untrusted");
        // The regenerated bundle is what OpenSSL clients load: it now vouches for our leaf.
        const verified = await run("openssl", ["verify", "-CAfile", bundle, leaf.certPath]);
        assert.equal(verified.code, 0, verified.out);
        if (canNss) {
          const pem = await run("certutil", ["-d", `sql:${nssDb}`, "-L", "-n", NSS_NICKNAME, "-a"]);
          assert.equal(pem.out.replaceAll("\r\n", "\n").trim(), ca2.pem.trim());
        }
      });

      await t.step("remove restores the bundle and certs directory byte for byte", async () => {
        const report = await trust.remove(ca2.certPath);
        assert.ok(report.ok, JSON.stringify(report));
        assert.deepEqual(await Deno.readFile(bundle), before);
        assert.deepEqual(await snapshot(d.etc), beforeDir);
        assert.equal(await has(`${d.local}/${DEBIAN_CA_FILE}`), false);
        assert.equal(await trust.state(ca2.certPath), "untrusted");
        if (canNss) assert.doesNotMatch((await nssList()).out, new RegExp(NSS_NICKNAME));
        const again = await trust.remove(ca2.certPath);
        assert.deepEqual(again.steps.map((s) => s.outcome), ["skipped", "skipped"]);
      });
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});
