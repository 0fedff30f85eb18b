import assert from "node:assert/strict";
import { assertDbFilesWritable, DbFilesUnwritableError } from "./_db_files.ts";
import { tempPaths } from "./_test_helpers.ts";

const STORE = new URL("./open_store.ts", import.meta.url).href;
const RECORD = new URL("./_test_record.ts", import.meta.url).href;

async function chattr(flag: "+i" | "-i", files: string[]): Promise<{ ok: boolean; text: string }> {
  const out = await new Deno.Command("chattr", { args: [flag, ...files], stderr: "piped" })
    .output()
    .catch((err) => ({ success: false, stderr: new TextEncoder().encode(String(err)) }));
  return { ok: out.success, text: new TextDecoder().decode(out.stderr).trim() };
}

/** Why `chattr +i` cannot be used in `dir` (not Linux, not root, tmpfs/overlay), or null. */
async function chattrUnusable(dir: string): Promise<string | null> {
  if (Deno.build.os !== "linux") return "chattr is Linux only";
  const probe = `${dir}/chattr-probe`;
  await Deno.writeTextFile(probe, "");
  const r = await chattr("+i", [probe]);
  await chattr("-i", [probe]);
  await Deno.remove(probe);
  return r.ok ? null : `chattr +i refused in ${dir}: ${r.text}`;
}

Deno.test("assertDbFilesWritable: missing side files are fine; an immutable one throws with its code", async () => {
  const t = await tempPaths();
  const files = [t.path, `${t.path}-wal`, `${t.path}-shm`];
  try {
    assertDbFilesWritable(t.path); // nothing exists yet: SQLite will create them
    for (const f of files) await Deno.writeTextFile(f, "");
    assertDbFilesWritable(t.path);
    const unusable = await chattrUnusable(t.dir);
    if (unusable) {
      console.log(`immutable case skipped: ${unusable}`);
      return;
    }
    assert.ok((await chattr("+i", [files[2]])).ok);
    const error = (() => {
      try {
        assertDbFilesWritable(t.path);
      } catch (e) {
        return e;
      }
    })();
    assert.ok(error instanceof DbFilesUnwritableError);
    assert.equal(error.code, "EPERM");
    assert.match(error.message, /db\.sqlite-shm cannot be written .*chattr -i/);
  } finally {
    await chattr("-i", files);
    await t.cleanup();
  }
});

// In a child process: without the check, the failed write degrades the store, which closes
// its writer; as the last connection it checkpoints on close, writes the -shm mapping, and
// the kernel answers with SIGBUS (the child dies with code 135). Nothing reads before the
// chattr, so the writer is the only connection, as in a daemon that serves no API reads.
const CHILD = `
  import { openStore } from "${STORE}";
  import { makeRecord } from "${RECORD}";
  const [path, spoolPath] = Deno.args;
  const chattr = (flag) => new Deno.Command("chattr", {
    args: [flag, path, path + "-wal", path + "-shm"],
  }).outputSync();
  const store = openStore({ path, spoolPath, spoolReserveBytes: 65536 });
  for (let i = 0; i < 5; i++) store.enqueue(makeRecord({ id: "before-" + i }));
  await store.flush();
  console.log(JSON.stringify(store.state().queued));
  chattr("+i");
  try {
    for (let i = 0; i < 5; i++) store.enqueue(makeRecord({ id: "during-" + i }));
    await store.flush();
    const s = store.state();
    let read;
    try { store.listCalls(); read = "read"; } catch (e) { read = e.name; }
    console.log(JSON.stringify({ state: s.state, cause: s.cause, spooled: s.spooled, read }));
  } finally {
    chattr("-i");
  }
  await store.flush();
  console.log(JSON.stringify({ state: store.state().state, rows: store.listCalls().calls.length }));
  await store.close();
`;

Deno.test("openStore: database files turned immutable (chattr +i) degrade the store instead of a SIGBUS", async () => {
  const t = await tempPaths();
  const files = [t.path, `${t.path}-wal`, `${t.path}-shm`];
  try {
    const unusable = await chattrUnusable(t.dir);
    if (unusable) {
      console.log(`skipped: ${unusable}`);
      return;
    }
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--quiet", "--ext=js", CHILD, t.path, t.spoolPath],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    assert.equal(
      out.code,
      0,
      `child died (${out.code}):\n${text}${new TextDecoder().decode(out.stderr)}`,
    );
    const [before, during, after] = text.trim().split("\n").map((l) => JSON.parse(l));
    assert.equal(before, 0);
    assert.deepEqual(during, {
      state: "degraded",
      cause: "read_only",
      spooled: 5,
      read: "StoreUnavailableError",
    });
    assert.deepEqual(after, { state: "ok", rows: 10 });
  } finally {
    await chattr("-i", files);
    await t.cleanup();
  }
});
