import assert from "node:assert/strict";
import { denoStateFileFs, ensureStateFile } from "./ensure_state_file.ts";

Deno.test("ensureStateFile writes once, then leaves a current file alone; no temporary file stays", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hm-state-file-" });
  try {
    const sub = `${dir}/node`;
    assert.equal(await ensureStateFile(sub, "a.txt", "one\n"), "written");
    assert.equal(await Deno.readTextFile(`${sub}/a.txt`), "one\n");
    assert.equal(await ensureStateFile(sub, "a.txt", "one\n"), "current");
    assert.equal(await ensureStateFile(sub, "a.txt", "two\n"), "written");
    assert.equal(await Deno.readTextFile(`${sub}/a.txt`), "two\n");
    assert.deepEqual([...Deno.readDirSync(sub)].map((e) => e.name), ["a.txt"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ensureStateFile: concurrent writers never expose a partial file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hm-state-file-" });
  try {
    const big = "x".repeat(1 << 20);
    await ensureStateFile(dir, "p.cjs", "old");
    const seen = new Set<number>();
    let reading = true;
    const reader = (async () => {
      while (reading) {
        seen.add((await Deno.readTextFile(`${dir}/p.cjs`)).length);
        await new Promise((r) => setTimeout(r, 0));
      }
    })();
    await Promise.all(Array.from({ length: 4 }, () => ensureStateFile(dir, "p.cjs", big)));
    reading = false;
    await reader;
    for (const length of seen) assert.ok(length === 3 || length === big.length, `${length}`);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["p.cjs"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ensureStateFile says which path it could not write, and cleans its temporary file", async () => {
  const removed: string[] = [];
  const err = await ensureStateFile("/hm/node", "p.cjs", "text", {
    fs: {
      ...denoStateFileFs,
      readTextFile: () => Promise.resolve(null),
      mkdir: () => Promise.resolve(),
      writeTextFile: () => Promise.resolve(),
      rename: () => Promise.reject(new Error("read-only file system")),
      remove: (path) => {
        removed.push(path);
        return Promise.resolve();
      },
    },
  }).then(() => null, (e: Error) => e);
  assert.match(String(err?.message), /^Cannot write \/hm\/node\/p\.cjs: read-only file system$/);
  assert.equal(removed.length, 1);
  assert.match(removed[0], /^\/hm\/node\/\.p\.cjs\.[0-9a-f-]+\.tmp$/);
});
