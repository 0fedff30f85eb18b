import assert from "node:assert/strict";
import { COMMAND_NOT_FOUND, createCommandRunner } from "./command_runner.ts";
import { createFileDeps } from "./file_deps.ts";

Deno.test("createCommandRunner captures exit code, stdout, stderr, env and stdin", async () => {
  const runner = createCommandRunner();
  const result = await runner.run(
    "sh",
    ["-c", 'echo "out $HM_X"; cat; echo err >&2; exit 3'],
    { env: { HM_X: "x y" }, stdin: "from stdin\n" },
  );
  assert.deepEqual(result, { code: 3, stdout: "out x y\nfrom stdin\n", stderr: "err\n" });
});

Deno.test("createCommandRunner reports a missing program as code 127", async () => {
  const result = await createCommandRunner().run("halton-meter-no-such-program", []);
  assert.equal(result.code, COMMAND_NOT_FOUND);
  assert.match(result.stderr, /halton-meter-no-such-program: command not found/);
});

Deno.test("createFileDeps reads, writes with a mode, removes idempotently", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hm-files-" });
  try {
    const files = createFileDeps();
    await files.mkdir(`${dir}/a/b`);
    await files.mkdir(`${dir}/a/b`);
    assert.equal(await files.readTextFile(`${dir}/a/b/x`), null);
    assert.equal(await files.exists(`${dir}/a/b/x`), false);
    await files.writeFile(`${dir}/a/b/x`, "text", { mode: 0o600 });
    await files.writeFile(`${dir}/a/b/y`, new Uint8Array([0xff, 0xfe]));
    assert.equal(await files.readTextFile(`${dir}/a/b/x`), "text");
    assert.equal((await Deno.stat(`${dir}/a/b/x`)).mode! & 0o777, 0o600);
    assert.deepEqual([...await Deno.readFile(`${dir}/a/b/y`)], [0xff, 0xfe]);
    assert.equal(await files.exists(`${dir}/a/b/y`), true);
    await files.removeFile(`${dir}/a/b/x`);
    await files.removeFile(`${dir}/a/b/x`);
    assert.equal(await files.exists(`${dir}/a/b/x`), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
