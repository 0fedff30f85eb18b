import assert from "node:assert/strict";
import {
  parseDuration,
  parseOpenAiLimits,
  parseUnifiedLimits,
  QuotaBook,
  type QuotaWindow,
} from "./quota_book.ts";

const NOW = Date.parse("2026-03-11T12:00:00Z");
const MIN = 60_000;
const HOUR = 60 * MIN;
/** Resets as Anthropic sends them: epoch seconds. */
const R5H = Math.floor((NOW + 2 * HOUR) / 1000);
const R7D = Math.floor((NOW + 3 * 24 * HOUR) / 1000);

/** A Claude Max response's rate-limit snapshot (names lower-case, as recorded). */
function unified(u5h: number, u7d: number, over: Record<string, string> = {}) {
  return {
    "anthropic-ratelimit-unified-status": "allowed",
    "anthropic-ratelimit-unified-reset": String(R5H),
    "anthropic-ratelimit-unified-representative-claim": "five_hour",
    "anthropic-ratelimit-unified-fallback-percentage": "0.5",
    "anthropic-ratelimit-unified-overage-status": "rejected",
    "anthropic-ratelimit-unified-overage-disabled-reason": "org_level_disabled",
    "anthropic-ratelimit-unified-overage-reset": String(R7D),
    "anthropic-ratelimit-unified-5h-status": "allowed",
    "anthropic-ratelimit-unified-5h-reset": String(R5H),
    "anthropic-ratelimit-unified-5h-utilization": String(u5h),
    "anthropic-ratelimit-unified-7d-status": "allowed",
    "anthropic-ratelimit-unified-7d-reset": String(R7D),
    "anthropic-ratelimit-unified-7d-utilization": String(u7d),
    "anthropic-ratelimit-unified-7d_opus-status": "allowed_warning",
    "anthropic-ratelimit-unified-7d_opus-reset": String(R7D),
    "anthropic-ratelimit-unified-7d_opus-utilization": "0.91",
    "retry-after": "12",
    ...over,
  };
}

function win(list: QuotaWindow[], name: string): QuotaWindow | undefined {
  return list.find((w) => w.name === name);
}

Deno.test("parseUnifiedLimits: windows, resets in epoch seconds, status and claim", () => {
  const u = parseUnifiedLimits(unified(0.42, 0.17));
  assert.ok(u);
  assert.equal(u.status, "allowed");
  assert.equal(u.representativeClaim, "five_hour");
  assert.deepEqual(u.windows.map((w) => w.name), ["5h", "7d", "7d_opus"]);
  assert.deepEqual(win(u.windows, "5h"), {
    name: "5h",
    utilization: 0.42,
    resetsAt: R5H * 1000,
    status: "allowed",
  });
  assert.deepEqual(win(u.windows, "7d"), {
    name: "7d",
    utilization: 0.17,
    resetsAt: R7D * 1000,
    status: "allowed",
  });
  assert.deepEqual(win(u.windows, "7d_opus"), {
    name: "7d_opus",
    utilization: 0.91,
    resetsAt: R7D * 1000,
    status: "allowed_warning",
  });
  // overage-*, fallback-*, the overall reset and the claim are not windows.
  assert.equal(win(u.windows, "overage"), undefined);
  assert.equal(win(u.windows, "fallback"), undefined);
});

Deno.test("parseUnifiedLimits: partial, odd and absent values", () => {
  // Only a status: still unified traffic, with no windows.
  assert.deepEqual(parseUnifiedLimits({ "anthropic-ratelimit-unified-status": "rejected" }), {
    status: "rejected",
    representativeClaim: null,
    windows: [],
  });
  const odd = parseUnifiedLimits({
    "anthropic-ratelimit-unified-5h-utilization": "not a number",
    "anthropic-ratelimit-unified-5h-reset": "2026-03-11T14:00:00Z", // ISO instead of seconds
    "anthropic-ratelimit-unified-7d-utilization": "1.02", // over
    "anthropic-ratelimit-unified-7d-reset": String(NOW + HOUR), // already ms
    "anthropic-ratelimit-unified-7d-status": " ",
    "anthropic-ratelimit-unified-1h-utilization": "",
  });
  assert.ok(odd);
  assert.deepEqual(win(odd.windows, "5h"), {
    name: "5h",
    utilization: null,
    resetsAt: Date.parse("2026-03-11T14:00:00Z"),
    status: null,
  });
  assert.deepEqual(win(odd.windows, "7d"), {
    name: "7d",
    utilization: 1.02,
    resetsAt: NOW + HOUR,
    status: null,
  });
  assert.equal(win(odd.windows, "1h")?.utilization, null);
  // No unified header at all.
  assert.equal(
    parseUnifiedLimits({
      "anthropic-ratelimit-requests-limit": "50",
      "anthropic-ratelimit-requests-remaining": "49",
      "anthropic-ratelimit-tokens-reset": "2026-03-11T12:01:00Z",
    }),
    null,
  );
  assert.equal(parseUnifiedLimits({}), null);
});

Deno.test("parseDuration: Go-style durations as OpenAI sends them", () => {
  assert.equal(parseDuration("1s"), 1000);
  assert.equal(parseDuration("6m0s"), 360_000);
  assert.equal(parseDuration("20ms"), 20);
  assert.equal(parseDuration("1h2m3.5s"), 3_723_500);
  assert.equal(parseDuration("0.5s"), 500);
  assert.equal(parseDuration("7.66s"), 7660);
  assert.equal(parseDuration("2m30.123s"), 150_123);
  assert.equal(parseDuration(" 59s "), 59_000);
  assert.equal(parseDuration(""), null);
  assert.equal(parseDuration("soon"), null);
  assert.equal(parseDuration("5"), null);
  assert.equal(parseDuration("1d"), null);
  assert.equal(parseDuration("-1s"), null);
});

Deno.test("parseOpenAiLimits: limits, remaining and resets relative to the response", () => {
  const seenAt = NOW;
  const limits = parseOpenAiLimits({
    "x-ratelimit-limit-requests": "10000",
    "x-ratelimit-remaining-requests": "9999",
    "x-ratelimit-reset-requests": "6m0s",
    "x-ratelimit-limit-tokens": "30000000",
    "x-ratelimit-remaining-tokens": "29998500",
    "x-ratelimit-reset-tokens": "20ms",
  }, seenAt);
  assert.deepEqual(limits, {
    requests: { limit: 10000, remaining: 9999, resetsAt: seenAt + 360_000 },
    tokens: { limit: 30_000_000, remaining: 29_998_500, resetsAt: seenAt + 20 },
  });
  // Tokens only (Groq sends both; some compatibles send one), an unreadable reset.
  assert.deepEqual(
    parseOpenAiLimits({
      "x-ratelimit-remaining-tokens": "100",
      "x-ratelimit-reset-tokens": "whenever",
    }, seenAt),
    { requests: null, tokens: { limit: null, remaining: 100, resetsAt: null } },
  );
  assert.equal(parseOpenAiLimits({ "x-ratelimit-reset-requests": "1s" }, seenAt), null);
  assert.equal(parseOpenAiLimits({ "retry-after": "3" }, seenAt), null);
});

Deno.test("QuotaBook: keeps the latest snapshot per account", () => {
  const book = new QuotaBook();
  book.update("a1b2c3d4", "anthropic", NOW, unified(0.4, 0.1));
  book.update("a1b2c3d4", "anthropic", NOW + MIN, unified(0.45, 0.11));
  book.update("ffff0000", "anthropic", NOW + 2 * MIN, unified(0.9, 0.5));
  book.update(null, "anthropic", NOW, unified(0.2, 0.2));
  assert.equal(book.window("a1b2c3d4", "5h", NOW + MIN)?.utilization, 0.45);
  assert.equal(book.window("ffff0000", "5h", NOW + MIN)?.utilization, 0.9);
  assert.equal(book.window(null, "5h", NOW)?.utilization, 0.2);
  assert.equal(book.get(null)?.account, QuotaBook.NO_KEY);
  assert.deepEqual(book.accounts().map((a) => a.account), ["ffff0000", "a1b2c3d4", "(no key)"]);
  assert.equal(book.window("a1b2c3d4", "1h", NOW), null, "a window never reported");
  assert.equal(book.window("00000000", "5h", NOW), null, "an account never seen");
  // Snapshots with nothing to read change nothing.
  book.update("a1b2c3d4", "anthropic", NOW + 5 * MIN, null);
  book.update("a1b2c3d4", "anthropic", NOW + 5 * MIN, { "retry-after": "1" });
  assert.equal(book.get("a1b2c3d4")?.seenAt, NOW + MIN);
});

Deno.test("QuotaBook: OpenAI-style limits are kept per account, with no windows", () => {
  const book = new QuotaBook();
  book.update("0a0a0a0a", "openai", NOW, {
    "x-ratelimit-limit-requests": "500",
    "x-ratelimit-remaining-requests": "499",
    "x-ratelimit-reset-requests": "120ms",
  });
  const a = book.get("0a0a0a0a");
  assert.equal(a?.provider, "openai");
  assert.equal(a?.unified, null);
  assert.deepEqual(a?.openai?.requests, { limit: 500, remaining: 499, resetsAt: NOW + 120 });
  assert.equal(book.window("0a0a0a0a", "5h", NOW), null);
});

Deno.test("QuotaBook: a window whose reset passed is empty until a new response says otherwise", () => {
  const book = new QuotaBook();
  book.update("a1b2c3d4", "anthropic", NOW, unified(0.99, 0.5));
  const before = book.window("a1b2c3d4", "5h", R5H * 1000 - 1);
  assert.equal(before?.utilization, 0.99);
  const after = book.window("a1b2c3d4", "5h", R5H * 1000);
  assert.deepEqual(after, { name: "5h", utilization: 0, resetsAt: R5H * 1000, status: "reset" });
  // The stored snapshot itself is unchanged.
  assert.equal(book.get("a1b2c3d4")?.unified?.windows[0].utilization, 0.99);
  // The 7d window has not reset yet.
  assert.equal(book.window("a1b2c3d4", "7d", R5H * 1000)?.utilization, 0.5);
});

Deno.test("QuotaBook: burn rate per hour from the samples of one window", () => {
  const book = new QuotaBook();
  book.update("a", "anthropic", NOW, unified(0.1, 0.1));
  assert.equal(book.burnPerHour("a", "5h"), null, "one sample");
  book.update("a", "anthropic", NOW + 30_000, unified(0.2, 0.1));
  assert.equal(book.burnPerHour("a", "5h"), null, "samples less than a minute apart");
  book.update("a", "anthropic", NOW + 30 * MIN, unified(0.25, 0.12));
  // 0.1 → 0.25 in half an hour: 0.3 per hour.
  assert.ok(Math.abs((book.burnPerHour("a", "5h") ?? 0) - 0.3) < 1e-12);
  assert.ok(Math.abs((book.burnPerHour("a", "7d") ?? 0) - 0.04) < 1e-12);
  assert.equal(book.burnPerHour("a", "1h"), null);
  assert.equal(book.burnPerHour("nobody", "5h"), null);
});

Deno.test("QuotaBook: a new reset starts a new sample history; drift of a second does not", () => {
  const book = new QuotaBook();
  book.update("a", "anthropic", NOW, unified(0.5, 0.1));
  // The reset drifts by a second between responses: the same window.
  book.update(
    "a",
    "anthropic",
    NOW + 10 * MIN,
    unified(0.6, 0.1, { "anthropic-ratelimit-unified-5h-reset": String(R5H + 1) }),
  );
  assert.ok(Math.abs((book.burnPerHour("a", "5h") ?? 0) - 0.6) < 1e-9);
  assert.equal(book.get("a")?.samples.get("5h")?.length, 2);
  // Five hours later: a new window (reset much later), utilization back near zero.
  const next = String(R5H + 5 * 3600);
  book.update(
    "a",
    "anthropic",
    NOW + 3 * HOUR,
    unified(0.02, 0.2, { "anthropic-ratelimit-unified-5h-reset": next }),
  );
  assert.equal(book.get("a")?.samples.get("5h")?.length, 1, "history starts over");
  assert.equal(book.burnPerHour("a", "5h"), null, "no negative burn across windows");
  book.update(
    "a",
    "anthropic",
    NOW + 4 * HOUR,
    unified(0.12, 0.2, { "anthropic-ratelimit-unified-5h-reset": next }),
  );
  assert.ok(Math.abs((book.burnPerHour("a", "5h") ?? 0) - 0.1) < 1e-9);
  // The 7d window kept one history throughout.
  assert.equal(book.get("a")?.samples.get("7d")?.length, 4);
});

Deno.test("QuotaBook: a late, older response adds its sample but not its snapshot", () => {
  const book = new QuotaBook();
  book.update("a", "anthropic", NOW, unified(0.3, 0.1));
  book.update("a", "anthropic", NOW + 20 * MIN, unified(0.5, 0.1));
  // A long stream that started earlier is recorded now, with what it saw back then.
  book.update("a", "anthropic", NOW + 10 * MIN, unified(0.4, 0.1));
  assert.equal(book.get("a")?.seenAt, NOW + 20 * MIN);
  assert.equal(book.window("a", "5h", NOW + 20 * MIN)?.utilization, 0.5, "the latest stays");
  const samples = book.get("a")?.samples.get("5h") ?? [];
  assert.deepEqual(samples.map((s) => s.utilization), [0.3, 0.4, 0.5], "in time order");
  // A late response from the previous window (reset long before) is dropped.
  const newer = String(R5H + 5 * 3600);
  book.update(
    "b",
    "anthropic",
    NOW + 3 * HOUR,
    unified(0.05, 0.1, { "anthropic-ratelimit-unified-5h-reset": newer }),
  );
  book.update("b", "anthropic", NOW + HOUR, unified(0.9, 0.1));
  assert.deepEqual(book.get("b")?.samples.get("5h")?.map((s) => s.utilization), [0.05]);
  assert.equal(book.window("b", "5h", NOW + 3 * HOUR)?.utilization, 0.05);
});

Deno.test("QuotaBook: sample history is bounded", () => {
  const book = new QuotaBook();
  for (let i = 0; i < 1000; i++) {
    book.update("a", "anthropic", NOW + i * 1000, unified(i / 1000, 0.1));
  }
  const samples = book.get("a")?.samples.get("5h") ?? [];
  assert.equal(samples.length, 240);
  assert.equal(samples[samples.length - 1].utilization, 0.999);
});
