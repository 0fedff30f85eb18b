import assert from "node:assert/strict";
import { isTimeZone, localTime, parseSpan, resolveTimeZone } from "./parse_span.ts";

// Wednesday 2026-03-11 15:20 in New York (EDT since 03-08), 19:20 UTC.
const NOW = Date.UTC(2026, 2, 11, 19, 20);
const NY = "America/New_York";

function span(since?: string, until?: string, tz = NY) {
  const r = parseSpan({ since, until }, NOW, tz);
  if (!r.ok) throw new Error(r.message);
  return [
    localTime(r.span.since, tz),
    r.span.until === null ? null : localTime(r.span.until, tz),
  ];
}

Deno.test("parseSpan: named periods are cut in the zone; alone in --since they are that period", () => {
  assert.deepEqual(span(), ["2026-03-11 00:00", null]);
  assert.deepEqual(span("today"), ["2026-03-11 00:00", null]);
  assert.deepEqual(span("yesterday"), ["2026-03-10 00:00", "2026-03-11 00:00"]);
  assert.deepEqual(span("this-week"), ["2026-03-09 00:00", null]);
  assert.deepEqual(span("last-week"), ["2026-03-02 00:00", "2026-03-09 00:00"]);
  assert.deepEqual(span("this-month"), ["2026-03-01 00:00", null]);
  assert.deepEqual(span("last-month"), ["2026-02-01 00:00", "2026-03-01 00:00"]);
  assert.deepEqual(span("last-month", "now"), ["2026-02-01 00:00", "2026-03-11 15:20"]);
  // The same instant is another day in Tokyo.
  assert.deepEqual(span("today", undefined, "Asia/Tokyo"), ["2026-03-12 00:00", null]);
});

Deno.test("parseSpan: --until ends at the end of a date, month or period, else at the instant", () => {
  assert.deepEqual(span("2026-03-01", "2026-03-07"), ["2026-03-01 00:00", "2026-03-08 00:00"]);
  assert.deepEqual(span("2026-02", "2026-02"), ["2026-02-01 00:00", "2026-03-01 00:00"]);
  assert.deepEqual(span("2026-03-01", "yesterday"), ["2026-03-01 00:00", "2026-03-11 00:00"]);
  assert.deepEqual(span("2026-03-10T09:30", "2026-03-10T10:00:30"), [
    "2026-03-10 09:30",
    "2026-03-10 10:00",
  ]);
  // A date alone in --since runs to now.
  assert.deepEqual(span("2026-03-01"), ["2026-03-01 00:00", null]);
});

Deno.test("parseSpan: spans back from now, and date-times with an offset", () => {
  const at = (since: string) => {
    const r = parseSpan({ since }, NOW, NY);
    assert.ok(r.ok);
    return r.span.since;
  };
  assert.equal(at("30m"), NOW - 30 * 60_000);
  assert.equal(at("12h"), NOW - 12 * 3_600_000);
  assert.equal(at("7d"), NOW - 7 * 86_400_000);
  assert.equal(at("2w"), NOW - 14 * 86_400_000);
  assert.equal(at("2026-03-10T09:30:00Z"), Date.UTC(2026, 2, 10, 9, 30));
  assert.equal(at("2026-03-10T09:30+02:00"), Date.UTC(2026, 2, 10, 7, 30));
  assert.equal(at("2026-03-10T09:30:00.250"), Date.UTC(2026, 2, 10, 13, 30, 0, 250));
});

Deno.test("parseSpan: a day across a DST change is 23 hours long", () => {
  const r = parseSpan({ since: "2026-03-08", until: "2026-03-08" }, NOW, NY);
  assert.ok(r.ok);
  assert.equal(r.span.until! - r.span.since, 23 * 3_600_000);
});

Deno.test("parseSpan: what it cannot read is explained, with what it can", () => {
  for (const bad of ["yesterdayish", "2026-02-30", "2026-13", "7y", "2026-03-10T25:00"]) {
    const r = parseSpan({ since: bad }, NOW, NY);
    assert.ok(!r.ok, bad);
    assert.match(r.message, new RegExp(`cannot read --since "${bad}": use today, yesterday`));
  }
  const order = parseSpan({ since: "today", until: "yesterday" }, NOW, NY);
  assert.ok(!order.ok);
  assert.match(order.message, /not after --since "today"/);
  assert.ok(isTimeZone("Europe/Paris"));
  assert.ok(!isTimeZone("Mars/Olympus"));
});

Deno.test("resolveTimeZone: the named zone, the machine's by default, else the --tz message", () => {
  assert.deepEqual(resolveTimeZone("Europe/Paris"), { ok: true, timeZone: "Europe/Paris" });
  assert.equal(resolveTimeZone(undefined).ok, true);
  assert.deepEqual(resolveTimeZone("Mars/Olympus"), {
    ok: false,
    message: `--tz "Mars/Olympus" is not a time zone: use an IANA name such as Europe/Paris or UTC`,
  });
});
