import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { DbFilesUnwritableError } from "./_db_files.ts";
import { storeCause } from "./_store_cause.ts";
import { tempPaths } from "./_test_helpers.ts";

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

Deno.test("storeCause: a real SQLITE_FULL, from a statement (errcode) and from exec (message only)", () => {
  const db = new DatabaseSync(":memory:");
  try {
    db.exec("CREATE TABLE t(x); PRAGMA max_page_count = 3");
    const insert = db.prepare("INSERT INTO t VALUES (?)");
    const fromStatement = thrown(() => {
      for (let i = 0; i < 100; i++) insert.run("x".repeat(1000));
    });
    assert.equal((fromStatement as { errcode?: number }).errcode, 13);
    assert.equal(storeCause(fromStatement), "disk_full");
    const fromExec = thrown(() => db.exec("INSERT INTO t VALUES (randomblob(100000))"));
    assert.equal((fromExec as { errcode?: number }).errcode, undefined, "exec gives no errcode");
    assert.equal(storeCause(fromExec), "disk_full");
  } finally {
    db.close();
  }
});

Deno.test("storeCause: locked, not a database, read-only, wrapped in a cause chain", async () => {
  const t = await tempPaths();
  const a = new DatabaseSync(t.path);
  const b = new DatabaseSync(t.path, { timeout: 0 });
  try {
    a.exec("CREATE TABLE t(x); BEGIN EXCLUSIVE");
    const busy = thrown(() => b.exec("BEGIN IMMEDIATE"));
    assert.equal(storeCause(new Error("Cannot open", { cause: busy })), "locked");
    a.exec("ROLLBACK");
    await Deno.writeTextFile(`${t.dir}/junk.sqlite`, "not sqlite ".repeat(500));
    const junk = new DatabaseSync(`${t.dir}/junk.sqlite`);
    try {
      assert.equal(storeCause(thrown(() => junk.exec("PRAGMA journal_mode = WAL"))), "corrupt");
    } finally {
      junk.close();
    }
    const ro = new DatabaseSync(t.path, { readOnly: true });
    try {
      assert.equal(storeCause(thrown(() => ro.exec("INSERT INTO t VALUES (1)"))), "read_only");
    } finally {
      ro.close();
    }
  } finally {
    a.close();
    b.close();
    await t.cleanup();
  }
});

Deno.test("storeCause: OS errors by code; anything else is io_error", () => {
  const os = (code: string) => Object.assign(new Error(code), { code });
  assert.equal(storeCause(os("ENOSPC")), "disk_full");
  assert.equal(storeCause(os("EROFS")), "read_only");
  assert.equal(storeCause(new DbFilesUnwritableError("shm", "EPERM")), "read_only");
  assert.equal(storeCause(os("EIO")), "io_error");
  assert.equal(storeCause("a string"), "io_error");
});
