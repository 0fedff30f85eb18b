import assert from "node:assert/strict";
import { writeFileAtomic } from "./write_file_atomic.ts";

async function inTemp(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "hm-atomic-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const names = async (dir: string) =>
  (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();

Deno.test("writeFileAtomic: replaces by rename, keeps the old mode unless given one, no temp left", () =>
  inTemp(async (dir) => {
    const p = `${dir}/f`;
    assert.equal(await writeFileAtomic(p, "one\n", { mode: 0o640 }), true);
    assert.equal((await Deno.stat(p)).mode! & 0o777, 0o640);
    const ino = (await Deno.stat(p)).ino;
    assert.equal(await writeFileAtomic(p, new Uint8Array([0, 255])), true);
    assert.deepEqual(await Deno.readFile(p), new Uint8Array([0, 255]));
    assert.equal((await Deno.stat(p)).mode! & 0o777, 0o640, "the replaced file's mode kept");
    assert.notEqual((await Deno.stat(p)).ino, ino, "a new inode: renamed, not rewritten");
    await writeFileAtomic(p, "two\n", { mode: 0o600 });
    assert.equal((await Deno.stat(p)).mode! & 0o777, 0o600);
    assert.deepEqual(await names(dir), ["f"]);
  }));

Deno.test("writeFileAtomic: noClobber never replaces an existing file", () =>
  inTemp(async (dir) => {
    const p = `${dir}/key.pem`;
    assert.equal(await writeFileAtomic(p, "first", { mode: 0o600, noClobber: true }), true);
    assert.equal(await writeFileAtomic(p, "second", { mode: 0o600, noClobber: true }), false);
    assert.equal(await Deno.readTextFile(p), "first");
    assert.deepEqual(await names(dir), ["key.pem"]);
  }));

Deno.test("writeFileAtomic: a missing directory is an error, and nothing is written", async () => {
  await inTemp(async (dir) => {
    await assert.rejects(writeFileAtomic(`${dir}/nope/f`, "x"), Deno.errors.NotFound);
    assert.deepEqual(await names(dir), []);
  });
});
