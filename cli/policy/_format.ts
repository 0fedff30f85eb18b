/** How the policy commands show times, spans and money. */
import { formatInt, formatSpan, formatUsd } from "../../daemon/policy/mod.ts";

export { formatInt, formatSpan, formatUsd };

/** `2026-12-07 00:00` in the given zone (local when absent), and how far away. */
export function when(ms: number | null, now: number, timeZone?: string | null): string {
  if (ms === null) return "-";
  const d = new Date(ms);
  const f = new Intl.DateTimeFormat("sv-SE", {
    timeZone: timeZone ?? undefined,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
  const text = f.format(d).replace(",", "");
  const delta = ms - now;
  return delta >= 0 ? `${text} (in ${formatSpan(delta)})` : `${text} (${formatSpan(-delta)} ago)`;
}

export function useColour(): boolean {
  return !Deno.env.get("NO_COLOR") && Deno.stdout.isTerminal();
}

export function tableStyle() {
  return useColour() ? { head: ["cyan"] } : { head: [], border: [] };
}
