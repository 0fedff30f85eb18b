/**
 * `halton-meter quota [--json]` — the subscription windows and rate limits providers last
 * reported, per account (API-key or OAuth-token fingerprint): Anthropic's unified 5-hour and
 * weekly windows (utilization, status, reset, burn, projected exhaustion), and OpenAI-style
 * remaining requests and tokens.
 */
import Table from "cli-table3";
import type { AccountQuotaStatus } from "../../daemon/policy/mod.ts";
import { type PolicyViewDeps, readPolicyView } from "./_policy_view.ts";
import { formatInt, formatSpan, tableStyle, when } from "./_format.ts";

export interface QuotaOptions {
  home: string;
  json: boolean;
  deps?: PolicyViewDeps;
  print: (line: string) => void;
}

const pct = (u: number | null) => (u === null ? "-" : `${Math.round(u * 1000) / 10}%`);

function rows(a: AccountQuotaStatus, now: number): string[][] {
  const out: string[][] = [];
  for (const w of a.windows) {
    const projected = w.projection === "exceeded"
      ? "at 100%"
      : w.projection === "after_reset"
      ? "not before reset"
      : w.projection === "before_reset" && w.projected_exhaustion_at !== null
      ? `100% in ${formatSpan(w.projected_exhaustion_at - now)}`
      : "-";
    out.push([
      a.account,
      w.name,
      pct(w.utilization),
      w.status ?? a.status ?? "-",
      when(w.resets_at, now),
      w.burn_per_hour === null ? "-" : `${pct(w.burn_per_hour)}/h`,
      projected,
    ]);
  }
  for (const [name, c] of [["requests", a.requests], ["tokens", a.tokens]] as const) {
    if (!c) continue;
    out.push([
      a.account,
      name,
      c.limit !== null && c.remaining !== null
        ? `${formatInt(c.limit - c.remaining)} of ${formatInt(c.limit)} used`
        : `${c.remaining ?? "?"} left`,
      "-",
      when(c.resets_at, now),
      "-",
      "-",
    ]);
  }
  return out;
}

export async function runQuota(opts: QuotaOptions): Promise<number> {
  const view = await readPolicyView(opts.home, opts.deps);
  const now = (opts.deps?.now ?? Date.now)();
  if (opts.json) {
    opts.print(JSON.stringify({ source: view.source, accounts: view.quota }, null, 2));
    return 0;
  }
  if (view.quota.length === 0) {
    opts.print(
      "No subscription or rate-limit windows seen yet (they come with provider responses).",
    );
    return 0;
  }
  const table = new Table({
    head: ["account", "window", "used", "status", "resets", "burn", "at this rate"],
    style: tableStyle(),
  });
  for (const a of view.quota) for (const r of rows(a, now)) table.push(r);
  opts.print(table.toString());
  return 0;
}
