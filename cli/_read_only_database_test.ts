import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { openReadOnlyDatabase } from "./_read_only_database.ts";
import { withTempHome } from "../tests/_support/temp_home.ts";

const names = (dir: string) => [...Deno.readDirSync(dir)].map((e) => e.name).sort();

function checkpointedDb(path: string): void {
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode=WAL; CREATE TABLE t(v TEXT); INSERT INTO t VALUES ('a'), ('b');");
  db.close(); // the last connection checkpoints and deletes -wal/-shm
}

Deno.test("read-only database: a checkpointed WAL database is read through a private link, nothing left beside it", () =>
  withTempHome("hm-ro-db-", (home) => {
    const path = `${home}/db.sqlite`;
    checkpointedDb(path);
    assert.deepEqual(names(home), ["db.sqlite"]);
    {
      using ro = openReadOnlyDatabase(path);
      assert.equal(ro.via, "link");
      assert.deepEqual({ ...ro.db.prepare("SELECT count(*) AS n FROM t").get() }, { n: 2 });
      assert.throws(() => ro.db.exec("INSERT INTO t VALUES ('c')"), /readonly/);
    }
    assert.deepEqual(names(home), ["db.sqlite"]);
    return Promise.resolve();
  }));

Deno.test("read-only database: beside a live -wal it opens the file itself and sees uncheckpointed rows", () =>
  withTempHome("hm-ro-db-", (home) => {
    const path = `${home}/db.sqlite`;
    const writer = new DatabaseSync(path);
    try {
      writer.exec("PRAGMA journal_mode=WAL; PRAGMA wal_autocheckpoint=0; CREATE TABLE t(v TEXT);");
      writer.exec("INSERT INTO t VALUES ('in the wal')");
      using ro = openReadOnlyDatabase(path);
      assert.equal(ro.via, "wal");
      assert.deepEqual({ ...ro.db.prepare("SELECT v FROM t").get() }, { v: "in the wal" });
    } finally {
      writer.close();
    }
    return Promise.resolve();
  }));

Deno.test("read-only database: a missing file throws and is not created", () =>
  withTempHome("hm-ro-db-", (home) => {
    assert.throws(() => openReadOnlyDatabase(`${home}/db.sqlite`));
    assert.deepEqual(names(home), []);
    return Promise.resolve();
  }));
