import assert from "node:assert/strict";
import { withTempHome } from "../tests/_support/temp_home.ts";
import { spoolCheck, storeCheck } from "./_doctor_checks_store.ts";
import type { HttpProbe } from "./_probes.ts";
import { storeRow } from "./_store_row.ts";

function health(store: unknown, status = 200): HttpProbe {
  const text = JSON.stringify({ status: "ok", store });
  return { kind: "answered", status, text: `HTTP/1.1 ${status} X\r\n\r\n${text}` };
}

const DEGRADED = {
  state: "degraded",
  queued: 3,
  spooled: 1200,
  dropped: 0,
  memoryOnly: 3,
  memoryCap: 50000,
  spoolBytes: 1_400_000,
  spoolFileBytes: 16 << 20,
  spoolReserveBytes: 16 << 20,
};

Deno.test("storeRow: ok, degraded with its cause and counts, unknown when not answered", () => {
  const ok = storeRow(health({ state: "ok", queued: 0, spooled: 0, dropped: 0, memoryOnly: 0 }));
  assert.equal(ok.state, "ok");
  assert.equal(ok.detail, "writing rows to the database");
  assert.equal(ok.cause, null);

  const full = storeRow(health({
    ...DEGRADED,
    cause: "disk_full",
    reason: "database or disk is full",
  }));
  assert.deepEqual({ ...full, detail: undefined }, {
    state: "degraded",
    detail: undefined,
    cause: "disk_full",
    reason: "database or disk is full",
    queued: 3,
    spooled: 1200,
    memory_only: 3,
    dropped: 0,
    last_error: null,
  });
  assert.equal(
    full.detail,
    "disk full: database or disk is full; 1200 rows in the spool, 3 only in memory (cap 50000); none dropped; see halton-meter doctor",
  );

  for (const probe of [null, { kind: "refused" } as const, health(undefined), health({}, 500)]) {
    const r = storeRow(probe);
    assert.equal(r.state, "unknown", JSON.stringify(probe));
    assert.equal(r.spooled, null);
  }
});

Deno.test("daemon.store: each cause gets its verdict and remedy; dropped rows warn", () =>
  withTempHome("hm-doctor-store-", (home) => {
    const judge = (store: unknown) => storeCheck(home, storeRow(health(store)), 18765);
    const degraded = (cause: string | undefined, reason: string) =>
      judge({ ...DEGRADED, cause, reason });

    assert.equal(judge({ state: "ok", spooled: 0, dropped: 0 }).status, "PASS");
    const dropped = judge({ state: "ok", spooled: 0, dropped: 4, lastError: "spool full" });
    assert.equal(dropped.status, "WARN");
    assert.match(dropped.detail, /4 rows were dropped .*spool full/);

    const full = degraded("disk_full", "database or disk is full");
    assert.equal(full.status, "FAIL");
    assert.match(full.detail, /disk full.*1200 rows in the spool, 3 only in memory/);
    assert.match(full.next ?? "", /^df -h /);

    const ro = degraded("read_only", `${home}/db.sqlite-shm cannot be written (EPERM)`);
    assert.equal(ro.status, "FAIL");
    assert.match(ro.next ?? "", /chattr -i .*db\.sqlite-shm/);

    const corrupt = degraded("corrupt", "file is not a database (SQLITE_NOTADB)");
    assert.equal(corrupt.status, "FAIL");
    assert.match(corrupt.next ?? "", /halton-meter stop && mv .*db\.sqlite .*\.corrupt/);

    const locked = degraded("locked", "database is locked (SQLITE_BUSY)");
    assert.equal(locked.status, "WARN");
    assert.match(locked.next ?? "", /^fuser -v /);

    // An older daemon reports no cause: a warning that points at the log.
    assert.equal(degraded(undefined, "database is locked").status, "WARN");

    const silent = storeCheck(home, storeRow(health(undefined)), 18765);
    assert.equal(silent.status, "WARN");
    assert.match(silent.next ?? "", /curl -s http:\/\/127\.0\.0\.1:18765\/health/);
    return Promise.resolve();
  }));

Deno.test("database.spool: the daemon's count while it runs, the file's rows (not its reserve) when not", () =>
  withTempHome("hm-doctor-spool-", async (home) => {
    // Two rows, then the reserve: blank lines that are no rows.
    await Deno.writeTextFile(`${home}/spool.jsonl`, '{"id":"a"}\n{"id":"b"}\n' + "\n".repeat(4096));
    const down = spoolCheck(home, undefined);
    assert.equal(down.status, "WARN");
    assert.match(down.detail, /^2 rows \(22 bytes\) wait in .*when it starts/);

    const running = (store: unknown) => spoolCheck(home, storeRow(health(store)));
    assert.equal(running({ state: "ok", spooled: 0, memoryOnly: 0 }).status, "PASS");
    const waiting = running({ ...DEGRADED, cause: "locked", reason: "database is locked" });
    assert.equal(waiting.status, "WARN");
    assert.match(waiting.detail, /^1200 rows wait in .* and 3 in the daemon's memory/);

    await Deno.writeTextFile(`${home}/spool.jsonl`, "\n".repeat(4096));
    assert.equal(spoolCheck(home, undefined).status, "PASS");
  }));
