/**
 * A real interpreter with a private copy of certifi: discovery asks it for
 * `certifi.where()`, the patch makes Python's `ssl` accept a server certificate signed by
 * our CA, and unpatching restores the bundle byte for byte. The `sudo` lines printed for
 * unwritable bundles are run through sh (with a pass-through `sudo`) to prove they work.
 */
import assert from "node:assert/strict";
import { makeLeaf, makeTestCa } from "./_test_openssl.ts";
import { sudoPatchLine, sudoRemoveBlockLine } from "./_certifi_commands.ts";
import { addCertifiBlock, removeCertifiBlock } from "./certifi_block.ts";
import { createCertifiPatcher } from "./certifi_patcher.ts";
import { createCommandRunner } from "./command_runner.ts";
import { createFileDeps } from "./file_deps.ts";

async function run(cmd: string, args: string[], env?: Record<string, string>) {
  const o = await new Deno.Command(cmd, { args, env, stdout: "piped", stderr: "piped" }).output();
  const d = new TextDecoder();
  return { code: o.code, stdout: d.decode(o.stdout), stderr: d.decode(o.stderr) };
}

const located = await run("python3", [
  "-c",
  "import certifi, os, sys; print(sys.executable); print(os.path.dirname(certifi.__file__))",
]).catch(() => null);
const [realPython, certifiDir] = located?.code === 0 ? located.stdout.trim().split("\n") : [];

/** A TLS handshake in memory: the client trusts only `bundle`. Prints OK or the error. */
const HANDSHAKE = `
import ssl, sys
bundle, cert, key = sys.argv[1:4]
server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
server.load_cert_chain(cert, key)
client = ssl.create_default_context(cafile=bundle)
bios = [ssl.MemoryBIO() for _ in range(4)]
c = client.wrap_bio(bios[0], bios[1], server_hostname="api.example.test")
s = server.wrap_bio(bios[2], bios[3], server_side=True)
done = set()
try:
    for _ in range(20):
        for name, end in (("c", c), ("s", s)):
            if name in done:
                continue
            try:
                end.do_handshake()
                done.add(name)
            except ssl.SSLWantReadError:
                pass
        bios[2].write(bios[1].read())
        bios[0].write(bios[3].read())
        if done == {"c", "s"}:
            print("OK")
            sys.exit(0)
    print("no handshake")
except ssl.SSLError as err:
    print(type(err).__name__, err)
sys.exit(1)
`;

Deno.test({
  name: "certifi_patcher: real interpreter, real ssl handshake, byte-identical unpatch",
  ignore: realPython === undefined,
  async fn(t) {
    const root = await Deno.makeTempDir({ prefix: "halton-certifi-" });
    try {
      const site = `${root}/site packages`; // a space, as real paths can have
      const bin = `${root}/bin`;
      await Deno.mkdir(`${site}/certifi`, { recursive: true });
      await Deno.mkdir(bin);
      for await (const e of Deno.readDir(certifiDir)) {
        if (e.isFile) await Deno.copyFile(`${certifiDir}/${e.name}`, `${site}/certifi/${e.name}`);
      }
      const bundle = `${site}/certifi/cacert.pem`;
      const original = await Deno.readFile(bundle);
      // python3: the real interpreter seeing our certifi copy first. python: no site
      // packages at all, so no certifi.
      await Deno.writeTextFile(
        `${bin}/python3`,
        `#!/bin/sh\nPYTHONPATH='${site}' exec '${realPython}' "$@"\n`,
        { mode: 0o755 },
      );
      await Deno.writeTextFile(`${bin}/python`, `#!/bin/sh\nexec '${realPython}' -S -I "$@"\n`, {
        mode: 0o755,
      });
      const ca = await makeTestCa(root, "Halton Certifi Test CA");
      const leaf = await makeLeaf(root, ca, "api.example.test");
      const handshake = () =>
        run(realPython, ["-c", HANDSHAKE, bundle, leaf.certPath, leaf.keyPath]);
      const patcher = createCertifiPatcher({
        runner: createCommandRunner(),
        files: createFileDeps(),
        env: { PATH: bin, HOME: `${root}/home` },
        isRoot: false,
      });

      await t.step(
        "discover finds the copy, dedupes, and reports the one without certifi",
        async () => {
          // Another path to the same install (as a venv or version symlink would be).
          await Deno.symlink(`${bin}/python3`, `${root}/py-link`);
          const targets = await patcher.discover([`${root}/py-link`, `${bin}/python3`]);
          assert.equal(targets.length, 2, JSON.stringify(targets));
          assert.deepEqual(targets[0], { python: `${bin}/python3`, bundle });
          assert.equal(targets[1].python, `${bin}/python`);
          assert.equal(targets[1].bundle, null);
          assert.match(targets[1].error ?? "", /No module named 'certifi'/);
        },
      );

      await t.step("patch makes Python ssl trust the CA; unpatch restores the bytes", async () => {
        const refused = await handshake();
        assert.match(refused.stdout, /CERTIFICATE_VERIFY_FAILED/);
        assert.equal(await patcher.state(bundle, ca.pem), "unpatched");
        const report = await patcher.patch([bundle, bundle], ca.pem);
        assert.deepEqual(report.steps.map((s) => s.outcome), ["done"]);
        assert.equal(await patcher.state(bundle, ca.pem), "patched");
        const accepted = await handshake();
        assert.equal(accepted.stdout.trim(), "OK", accepted.stdout + accepted.stderr);
        const again = await patcher.patch([bundle], ca.pem);
        assert.deepEqual(again.steps.map((s) => s.outcome), ["skipped"]);
        const undone = await patcher.unpatch([bundle]);
        assert.deepEqual(undone.steps.map((s) => s.outcome), ["done"]);
        assert.deepEqual(await Deno.readFile(bundle), original);
        assert.match((await handshake()).stdout, /CERTIFICATE_VERIFY_FAILED/);
      });

      await t.step("the printed sudo lines do what patch and unpatch do", async () => {
        await Deno.writeTextFile(`${bin}/sudo`, `#!/bin/sh\nexec "$@"\n`, { mode: 0o755 });
        const sh = (line: string) =>
          run("sh", ["-c", line], { PATH: `${bin}:${Deno.env.get("PATH") ?? ""}` });
        const text = new TextDecoder().decode(original);
        const other = await makeTestCa(root, "Halton Old CA");
        for (const start of [text, addCertifiBlock(text, other.pem), text.trimEnd()]) {
          await Deno.writeTextFile(bundle, start);
          const patched = await sh(sudoPatchLine(bundle, start, ca.pem));
          assert.equal(patched.code, 0, patched.stderr);
          assert.equal(await Deno.readTextFile(bundle), addCertifiBlock(start, ca.pem));
          const removed = await sh(sudoRemoveBlockLine(bundle));
          assert.equal(removed.code, 0, removed.stderr);
          const expected = removeCertifiBlock(addCertifiBlock(start, ca.pem));
          // awk ends every line: only a bundle that had no final newline differs, by one.
          const got = await Deno.readTextFile(bundle);
          assert.equal(got, expected.endsWith("\n") ? expected : expected + "\n");
        }
      });
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});
