/**
 * The calls store: `daemon.store` judges what the running daemon reports in `/health` (the
 * same `StoreRow` status shows), with a remedy per cause; `database.spool` counts rows waiting
 * in the spool file, from the daemon while it runs (the file then also holds rows just
 * journaled) and from the file itself while it does not.
 */
import { homePaths } from "../core/mod.ts";
import { shellQuote } from "../setup/mod.ts";
import { readText } from "./_probes.ts";
import { storeCauseLabel, type StoreRow } from "./_store_row.ts";
import { check, type DoctorCheck } from "./doctor_check.ts";

/** What to type for each cause; `null` cause (an older daemon) gets the log. */
function remedy(home: string, cause: string | null): { status: "WARN" | "FAIL"; next: string } {
  const p = homePaths(home);
  const db = shellQuote(p.db);
  const log = `tail -n 20 ${shellQuote(`${p.logs}/daemon.log`)}`;
  switch (cause) {
    case "disk_full":
      return {
        status: "FAIL",
        next: `df -h ${
          shellQuote(home)
        }  # free space there: rows wait in the spool reserve, then in memory, and are written once it frees`,
      };
    case "read_only":
      return {
        status: "FAIL",
        next:
          `lsattr ${db}*; chattr -i ${db} ${db}-wal ${db}-shm  # or remount the filesystem read-write`,
      };
    case "corrupt":
      return {
        status: "FAIL",
        next: `halton-meter stop && mv ${db} ${
          shellQuote(`${p.db}.corrupt`)
        } && halton-meter start  # a new database is created and the spooled rows go into it`,
      };
    case "locked":
      return {
        status: "WARN",
        next:
          `fuser -v ${db}  # the process holding the write lock; rows wait in the spool meanwhile`,
      };
    case null:
      return { status: "WARN", next: `${log}  # then check database.integrity below` };
    default:
      return { status: "FAIL", next: `${log}  # then check database.integrity below` };
  }
}

/** `daemon.store`: PASS while rows reach the database; else the cause and its remedy. */
export function storeCheck(home: string, row: StoreRow, apiPort: number): DoctorCheck {
  const p = homePaths(home);
  if (row.state === "unknown") {
    return check(
      "daemon.store",
      "WARN",
      `${row.detail} on 127.0.0.1:${apiPort}`,
      `curl -s http://127.0.0.1:${apiPort}/health`,
    );
  }
  if (row.state === "ok") {
    if (row.dropped) {
      return check(
        "daemon.store",
        "WARN",
        `writing to ${p.db}, but ${row.dropped} rows were dropped since the daemon started (${
          row.last_error ?? "see the log"
        })`,
        `tail -n 20 ${shellQuote(`${p.logs}/daemon.log`)}`,
      );
    }
    return check("daemon.store", "PASS", `writing to ${p.db}; ${row.spooled ?? 0} spooled`);
  }
  const { status, next } = remedy(home, row.cause);
  return check(
    "daemon.store",
    status,
    `store degraded (${storeCauseLabel(row.cause)}): ${row.reason ?? "no reason given"}; ${
      row.spooled ?? 0
    } rows in the spool, ${row.memory_only ?? 0} only in memory, ${row.dropped ?? 0} dropped`,
    next,
  );
}

/** Non-blank lines of the spool file and their bytes (its reserve is blank lines). */
function spoolContent(path: string): { rows: number; bytes: number } {
  const text = readText(path) ?? "";
  let rows = 0;
  let bytes = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    rows++;
    bytes += line.length + 1;
  }
  return { rows, bytes };
}

/** `database.spool`: rows waiting for the database. */
export function spoolCheck(home: string, row: StoreRow | undefined): DoctorCheck {
  const p = homePaths(home);
  const log = `tail -n 20 ${shellQuote(`${p.logs}/daemon.log`)}`;
  if (row !== undefined && row.state !== "unknown") {
    const waiting = row.spooled ?? 0;
    const held = row.memory_only ?? 0;
    if (waiting === 0 && held === 0) {
      return check("database.spool", "PASS", "no rows waiting for the database");
    }
    return check(
      "database.spool",
      "WARN",
      `${waiting} rows wait in ${p.spool} and ${held} in the daemon's memory: the database refused writes; they are written once it accepts them`,
      log,
    );
  }
  const { rows, bytes } = spoolContent(p.spool);
  if (rows === 0) return check("database.spool", "PASS", "spool empty");
  return check(
    "database.spool",
    "WARN",
    `${rows} rows (${bytes} bytes) wait in ${p.spool}: the daemon writes them to the database when it starts`,
    log,
  );
}
