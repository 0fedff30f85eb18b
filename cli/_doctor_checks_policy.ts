/**
 * Doctor's policy layer: is policy.json valid, and is it being enforced (daemon running,
 * budget totals readable, evaluations not failing)? A broken file is FAIL with the fix; the
 * daemon keeps the last good policy meanwhile, so calls are never failed by it.
 */
import { homePaths } from "../core/mod.ts";
import { loadPolicy } from "../daemon/policy/mod.ts";
import { shellQuote } from "../setup/mod.ts";
import { check, type DoctorCheck } from "./doctor_check.ts";
import type { PolicyRow } from "./status.ts";

export function policyChecks(home: string, row: PolicyRow): DoctorCheck[] {
  const path = homePaths(home).policy;
  const loaded = loadPolicy(path);
  const out: DoctorCheck[] = [];
  if (!loaded.ok) {
    out.push(check(
      "policy.file",
      "FAIL",
      `${loaded.message}; the daemon keeps the last good policy until it is fixed`,
      `\${EDITOR:-vi} ${shellQuote(path)} && halton-meter policy check   # docs/POLICY.md`,
    ));
  } else if (!loaded.exists) {
    out.push(check("policy.file", "PASS", `no ${path}: every call is allowed`));
  } else {
    const p = loaded.policy;
    out.push(check(
      "policy.file",
      "PASS",
      `valid: ${p.rules?.length ?? 0} rule(s), ${p.budgets?.length ?? 0} budget(s), ${
        p.quota?.length ?? 0
      } quota rule(s)`,
    ));
  }
  if (!loaded.ok || !loaded.exists) {
    if (
      !loaded.ok && row.enforced && row.state === "invalid" &&
      row.rules + row.budgets + row.quota === 0
    ) {
      out.push(check("policy.enforced", "WARN", "no policy is in force: the file was never valid"));
    }
    return out;
  }
  if (row.state === "unknown") {
    out.push(check("policy.enforced", "WARN", row.detail, "halton-meter status"));
  } else if (!row.enforced) {
    out.push(check(
      "policy.enforced",
      "WARN",
      "not enforced: the daemon is not running (calls pass unmetered through the edge)",
      "halton-meter start",
    ));
  } else if (row.error && row.state !== "invalid") {
    out.push(check(
      "policy.enforced",
      "FAIL",
      `budgets are not enforced: ${row.error}`,
      "halton-meter doctor --json   # see the database checks; the daemon retries every 30 s",
    ));
  } else if (/evaluation error/.test(row.detail)) {
    out.push(check(
      "policy.enforced",
      "WARN",
      `${row.detail} (see the daemon log)`,
      `tail -n 50 ${shellQuote(`${homePaths(home).logs}/daemon.log`)}`,
    ));
  } else if (row.budgets_over > 0) {
    out.push(check(
      "policy.enforced",
      "WARN",
      `enforced; ${row.budgets_over} budget(s) over their cap: matching calls are blocked or warned`,
      "halton-meter budget",
    ));
  } else {
    out.push(check("policy.enforced", "PASS", `enforced by the daemon: ${row.detail}`));
  }
  return out;
}
