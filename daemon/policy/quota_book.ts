/**
 * Subscription and rate-limit windows as the providers last reported them, per account (the
 * API-key or OAuth-token fingerprint). Anthropic subscription traffic carries
 * `anthropic-ratelimit-unified-*` headers: an overall `status`, and per window (`5h`, `7d`,
 * per-model windows such as `7d_opus`) `-utilization` (a fraction), `-reset` (epoch seconds)
 * and `-status`. OpenAI-style `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` give
 * remaining counts. Utilization samples within one window (same reset) give a burn rate.
 */

export interface QuotaWindow {
  name: string;
  /** Fraction used, 0..1 (can exceed 1 when over); null when not reported. */
  utilization: number | null;
  /** Epoch ms when the window resets; null when not reported. */
  resetsAt: number | null;
  status: string | null;
}

export interface UnifiedLimits {
  status: string | null;
  representativeClaim: string | null;
  windows: QuotaWindow[];
}

export interface CountLimit {
  limit: number | null;
  remaining: number | null;
  /** Epoch ms. */
  resetsAt: number | null;
}

export interface OpenAiLimits {
  requests: CountLimit | null;
  tokens: CountLimit | null;
}

const UNIFIED = "anthropic-ratelimit-unified-";
const WINDOW_FIELD = /^([a-z0-9_]+)-(utilization|reset|status)$/;

function num(v: string | undefined): number | null {
  if (v === undefined || v.trim() === "") return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** Epoch seconds (the documented form) or an ISO date; ms out. */
function resetTime(v: string | undefined): number | null {
  if (v === undefined) return null;
  const n = num(v);
  if (n !== null) return n > 1e12 ? n : n * 1000;
  const t = Date.parse(v);
  return Number.isFinite(t) ? t : null;
}

/** The unified subscription windows in a rate-limit snapshot; null when it has none. */
export function parseUnifiedLimits(headers: Record<string, string>): UnifiedLimits | null {
  const windows = new Map<string, QuotaWindow>();
  let status: string | null = null;
  let claim: string | null = null;
  let any = false;
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith(UNIFIED)) continue;
    any = true;
    const rest = name.slice(UNIFIED.length);
    if (rest === "status") status = value.trim() || null;
    else if (rest === "representative-claim") claim = value.trim() || null;
    const m = WINDOW_FIELD.exec(rest);
    if (!m || m[1] === "overage" || m[1] === "fallback") continue;
    const w = windows.get(m[1]) ??
      { name: m[1], utilization: null, resetsAt: null, status: null };
    if (m[2] === "utilization") w.utilization = num(value);
    else if (m[2] === "reset") w.resetsAt = resetTime(value);
    else w.status = value.trim() || null;
    windows.set(m[1], w);
  }
  if (!any) return null;
  return {
    status,
    representativeClaim: claim,
    windows: [...windows.values()].sort((a, b) => a.name.localeCompare(b.name)),
  };
}

/** `1s`, `6m0s`, `20ms`, `1h2m3.5s` → ms. */
export function parseDuration(text: string): number | null {
  const t = text.trim();
  if (t === "") return null;
  let ms = 0;
  let rest = t;
  const re = /^(\d+(?:\.\d+)?)(ms|h|m|s)/;
  while (rest.length) {
    const m = re.exec(rest);
    if (!m) return null;
    const n = Number(m[1]);
    ms += m[2] === "h" ? n * 3_600_000 : m[2] === "m" ? n * 60_000 : m[2] === "s" ? n * 1000 : n;
    rest = rest.slice(m[0].length);
  }
  return ms;
}

/** OpenAI-style request/token limits; null when the snapshot has none. */
export function parseOpenAiLimits(
  headers: Record<string, string>,
  seenAt: number,
): OpenAiLimits | null {
  const one = (kind: "requests" | "tokens"): CountLimit | null => {
    const limit = num(headers[`x-ratelimit-limit-${kind}`]);
    const remaining = num(headers[`x-ratelimit-remaining-${kind}`]);
    const reset = headers[`x-ratelimit-reset-${kind}`];
    const d = reset === undefined ? null : parseDuration(reset);
    if (limit === null && remaining === null) return null;
    return { limit, remaining, resetsAt: d === null ? null : seenAt + d };
  };
  const requests = one("requests");
  const tokens = one("tokens");
  return requests || tokens ? { requests, tokens } : null;
}

interface Sample {
  at: number;
  utilization: number;
  resetsAt: number | null;
}

export interface AccountQuota {
  account: string;
  provider: string;
  seenAt: number;
  unified: UnifiedLimits | null;
  openai: OpenAiLimits | null;
  /** Utilization samples per window name, all within the window's current reset. */
  samples: Map<string, Sample[]>;
}

const MAX_SAMPLES = 240;

/** Latest windows per account, fed from each recorded call's rate-limit snapshot. */
export class QuotaBook {
  #accounts = new Map<string, AccountQuota>();

  /** Accounts with no key fingerprint share this name. */
  static readonly NO_KEY = "(no key)";

  update(
    account: string | null,
    provider: string,
    seenAt: number,
    headers: Record<string, string> | null,
  ): void {
    if (headers === null) return;
    const unified = parseUnifiedLimits(headers);
    const openai = unified ? null : parseOpenAiLimits(headers, seenAt);
    if (!unified && !openai) return;
    const name = account ?? QuotaBook.NO_KEY;
    let entry = this.#accounts.get(name);
    if (entry && entry.seenAt > seenAt) {
      // An older response arriving late: keep its sample, not its snapshot.
      if (unified) this.#sample(entry, unified, seenAt);
      return;
    }
    entry ??= { account: name, provider, seenAt, unified: null, openai: null, samples: new Map() };
    entry.provider = provider;
    entry.seenAt = seenAt;
    if (unified) {
      entry.unified = unified;
      this.#sample(entry, unified, seenAt);
    }
    if (openai) entry.openai = openai;
    this.#accounts.set(name, entry);
  }

  #sample(entry: AccountQuota, unified: UnifiedLimits, at: number): void {
    for (const w of unified.windows) {
      if (w.utilization === null) continue;
      let list = entry.samples.get(w.name) ?? [];
      const last = list[list.length - 1];
      if (last && w.resetsAt !== null && last.resetsAt !== null) {
        // Resets drift by a second or two between responses; a later one is a new window,
        // whose history starts over; an earlier one is a late response from the old window.
        if (w.resetsAt > last.resetsAt + 120_000) list = [];
        else if (w.resetsAt < last.resetsAt - 120_000) continue;
      }
      list.push({ at, utilization: w.utilization, resetsAt: w.resetsAt });
      list.sort((a, b) => a.at - b.at);
      if (list.length > MAX_SAMPLES) list = list.slice(list.length - MAX_SAMPLES);
      entry.samples.set(w.name, list);
    }
  }

  get(account: string | null): AccountQuota | undefined {
    return this.#accounts.get(account ?? QuotaBook.NO_KEY);
  }

  accounts(): AccountQuota[] {
    return [...this.#accounts.values()].sort((a, b) => b.seenAt - a.seenAt);
  }

  /** A window as it stands now: a window whose reset has passed is empty again. */
  window(account: string | null, name: string, now: number): QuotaWindow | null {
    const w = this.get(account)?.unified?.windows.find((x) => x.name === name);
    if (!w) return null;
    if (w.resetsAt !== null && w.resetsAt <= now) {
      return { ...w, utilization: 0, status: "reset" };
    }
    return w;
  }

  /** Utilization per hour over the window's samples; null with fewer than two a minute apart. */
  burnPerHour(account: string | null, name: string): number | null {
    const list = this.get(account)?.samples.get(name);
    if (!list || list.length < 2) return null;
    const first = list[0];
    const last = list[list.length - 1];
    if (last.at - first.at < 60_000) return null;
    return ((last.utilization - first.utilization) / (last.at - first.at)) * 3_600_000;
  }
}
