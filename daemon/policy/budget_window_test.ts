import assert from "node:assert/strict";
import {
  type BudgetWindow,
  formatInZone,
  formatSpan,
  parseWindow,
  wallTime,
  windowBounds,
  zonedToEpoch,
} from "./budget_window.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (text: string) => Date.parse(text);

function bounds(unit: "day" | "week" | "month", timeZone: string, now: string) {
  const b = windowBounds(parseWindow(unit, timeZone), iso(now));
  return { start: new Date(b.start).toISOString(), end: new Date(b.end).toISOString() };
}

Deno.test("parseWindow: calendar units keep the zone; rolling spans in m/h/d", () => {
  assert.deepEqual(parseWindow("week", "Asia/Tokyo"), {
    kind: "calendar",
    unit: "week",
    timeZone: "Asia/Tokyo",
    label: "week",
  });
  assert.deepEqual(parseWindow("30m", "UTC"), { kind: "rolling", ms: 30 * 60_000, label: "30m" });
  assert.deepEqual(parseWindow("5h", "UTC"), { kind: "rolling", ms: 5 * HOUR, label: "5h" });
  assert.deepEqual(parseWindow("7d", "UTC"), { kind: "rolling", ms: 7 * DAY, label: "7d" });
  assert.throws(() => parseWindow("0d", "UTC"), /Cannot parse budget window "0d"/);
  assert.throws(() => parseWindow("year", "UTC"), /Cannot parse budget window/);
});

Deno.test("windowBounds: UTC day, week from Monday, month", () => {
  // 2026-03-11 is a Wednesday.
  assert.deepEqual(bounds("day", "UTC", "2026-03-11T13:45:00Z"), {
    start: "2026-03-11T00:00:00.000Z",
    end: "2026-03-12T00:00:00.000Z",
  });
  assert.deepEqual(bounds("week", "UTC", "2026-03-11T13:45:00Z"), {
    start: "2026-03-09T00:00:00.000Z",
    end: "2026-03-16T00:00:00.000Z",
  });
  assert.deepEqual(bounds("month", "UTC", "2026-03-11T13:45:00Z"), {
    start: "2026-03-01T00:00:00.000Z",
    end: "2026-04-01T00:00:00.000Z",
  });
  // Monday itself starts the week; Sunday still belongs to the week before.
  assert.equal(bounds("week", "UTC", "2026-03-09T00:00:00Z").start, "2026-03-09T00:00:00.000Z");
  assert.equal(bounds("week", "UTC", "2026-03-15T23:59:59.999Z").start, "2026-03-09T00:00:00.000Z");
  assert.equal(bounds("week", "UTC", "2026-03-16T00:00:00Z").start, "2026-03-16T00:00:00.000Z");
  // The end is exclusive: the reset instant belongs to the next window.
  assert.equal(bounds("day", "UTC", "2026-03-12T00:00:00Z").start, "2026-03-12T00:00:00.000Z");
  // February in a leap year and not.
  assert.equal(bounds("month", "UTC", "2028-02-29T12:00:00Z").end, "2028-03-01T00:00:00.000Z");
  assert.equal(bounds("month", "UTC", "2026-02-28T12:00:00Z").end, "2026-03-01T00:00:00.000Z");
});

Deno.test("windowBounds: Asia/Tokyo cuts at local midnight (15:00 UTC the day before)", () => {
  // 2026-03-10T15:30Z is 2026-03-11 00:30 in Tokyo.
  assert.deepEqual(bounds("day", "Asia/Tokyo", "2026-03-10T15:30:00Z"), {
    start: "2026-03-10T15:00:00.000Z",
    end: "2026-03-11T15:00:00.000Z",
  });
  // 2026-03-10T14:59Z is still Tuesday 10 March in Tokyo.
  assert.deepEqual(bounds("day", "Asia/Tokyo", "2026-03-10T14:59:00Z"), {
    start: "2026-03-09T15:00:00.000Z",
    end: "2026-03-10T15:00:00.000Z",
  });
  // Sunday 2026-03-15 20:00Z is Monday 16 March 05:00 in Tokyo: a new week there.
  assert.deepEqual(bounds("week", "Asia/Tokyo", "2026-03-15T20:00:00Z"), {
    start: "2026-03-15T15:00:00.000Z",
    end: "2026-03-22T15:00:00.000Z",
  });
  // 2026-03-31T16:00Z is already 1 April in Tokyo.
  assert.deepEqual(bounds("month", "Asia/Tokyo", "2026-03-31T16:00:00Z"), {
    start: "2026-03-31T15:00:00.000Z",
    end: "2026-04-30T15:00:00.000Z",
  });
});

Deno.test("windowBounds: America/New_York DST days are 23 h and 25 h long", () => {
  const spring = bounds("day", "America/New_York", "2026-03-08T12:00:00Z");
  assert.deepEqual(spring, {
    start: "2026-03-08T05:00:00.000Z", // 00:00 EST
    end: "2026-03-09T04:00:00.000Z", // 00:00 EDT
  });
  assert.equal(iso(spring.end) - iso(spring.start), 23 * HOUR);
  // Just before and just after the jump (07:00Z) the day is the same.
  assert.deepEqual(bounds("day", "America/New_York", "2026-03-08T06:59:59Z"), spring);
  assert.deepEqual(bounds("day", "America/New_York", "2026-03-08T07:00:00Z"), spring);

  const fall = bounds("day", "America/New_York", "2026-11-01T12:00:00Z");
  assert.deepEqual(fall, {
    start: "2026-11-01T04:00:00.000Z", // 00:00 EDT
    end: "2026-11-02T05:00:00.000Z", // 00:00 EST
  });
  assert.equal(iso(fall.end) - iso(fall.start), 25 * HOUR);
  // Both readings of 01:30 (05:30Z EDT, 06:30Z EST) are in the same day.
  assert.deepEqual(bounds("day", "America/New_York", "2026-11-01T05:30:00Z"), fall);
  assert.deepEqual(bounds("day", "America/New_York", "2026-11-01T06:30:00Z"), fall);

  // The week holding the spring change is 7 days minus an hour; the month holding the
  // autumn one is 30 days plus an hour.
  const week = bounds("week", "America/New_York", "2026-03-08T12:00:00Z");
  assert.deepEqual(week, { start: "2026-03-02T05:00:00.000Z", end: "2026-03-09T04:00:00.000Z" });
  const nov = bounds("month", "America/New_York", "2026-11-15T12:00:00Z");
  assert.deepEqual(nov, { start: "2026-11-01T04:00:00.000Z", end: "2026-12-01T05:00:00.000Z" });
  assert.equal(iso(nov.end) - iso(nov.start), 30 * DAY + HOUR);
});

Deno.test("windowBounds: Europe/Paris month end across the October change; Dec → Jan", () => {
  // 2026-10-31 23:30 in Paris (CET, +1) is 22:30Z: still October, which began in CEST (+2).
  assert.deepEqual(bounds("month", "Europe/Paris", "2026-10-31T22:30:00Z"), {
    start: "2026-09-30T22:00:00.000Z",
    end: "2026-10-31T23:00:00.000Z",
  });
  // 23:00Z is 1 November 00:00 in Paris: the next month.
  assert.deepEqual(bounds("month", "Europe/Paris", "2026-10-31T23:00:00Z"), {
    start: "2026-10-31T23:00:00.000Z",
    end: "2026-11-30T23:00:00.000Z",
  });
  assert.deepEqual(bounds("month", "Europe/Paris", "2026-12-31T22:59:59Z"), {
    start: "2026-11-30T23:00:00.000Z",
    end: "2026-12-31T23:00:00.000Z",
  });
  assert.deepEqual(bounds("month", "Europe/Paris", "2026-12-31T23:00:00Z"), {
    start: "2026-12-31T23:00:00.000Z",
    end: "2027-01-31T23:00:00.000Z",
  });
  // A week across the year end: Monday 2026-12-28 to Monday 2027-01-04.
  assert.deepEqual(bounds("week", "UTC", "2027-01-01T08:00:00Z"), {
    start: "2026-12-28T00:00:00.000Z",
    end: "2027-01-04T00:00:00.000Z",
  });
  assert.deepEqual(bounds("day", "UTC", "2026-12-31T23:59:59.999Z"), {
    start: "2026-12-31T00:00:00.000Z",
    end: "2027-01-01T00:00:00.000Z",
  });
});

Deno.test("windowBounds: every calendar window holds now, in several zones, all year", () => {
  const zones = ["UTC", "Asia/Tokyo", "America/New_York", "Europe/Paris", "Australia/Lord_Howe"];
  const units = ["day", "week", "month"] as const;
  for (const tz of zones) {
    for (const unit of units) {
      const w = parseWindow(unit, tz);
      for (
        let now = iso("2026-01-01T00:00:00Z");
        now < iso("2027-01-01T00:00:00Z");
        now += 7 * HOUR + 13 * 60_000
      ) {
        const b = windowBounds(w, now);
        assert.ok(b.start <= now && now < b.end, `${tz} ${unit} at ${new Date(now).toISOString()}`);
        const s = wallTime(b.start, tz);
        assert.equal(s.h * 60 + s.mi, 0, `${tz} ${unit} starts at local midnight`);
        if (unit === "month") assert.equal(s.d, 1);
        if (unit === "week") {
          assert.equal(new Date(Date.UTC(s.y, s.mo - 1, s.d)).getUTCDay(), 1, "a Monday");
        }
        // The next window starts where this one ends.
        assert.equal(windowBounds(w, b.end).start, b.end);
      }
    }
  }
});

Deno.test("zonedToEpoch: plain times, a DST gap, and an overlap", () => {
  assert.equal(zonedToEpoch(2026, 3, 11, 9, 30, "UTC"), iso("2026-03-11T09:30:00Z"));
  assert.equal(zonedToEpoch(2026, 3, 11, 9, 30, "Asia/Tokyo"), iso("2026-03-11T00:30:00Z"));
  assert.equal(zonedToEpoch(2026, 1, 1, 0, 0, "Asia/Kolkata"), iso("2025-12-31T18:30:00Z"));
  // 02:30 on 2026-03-08 does not exist in New York (01:59 EST is followed by 03:00 EDT): it is
  // read as 03:30 EDT, after the jump, never as a time before it.
  const gap = zonedToEpoch(2026, 3, 8, 2, 30, "America/New_York");
  assert.equal(gap, iso("2026-03-08T07:30:00Z"));
  assert.ok(gap >= iso("2026-03-08T07:00:00Z"));
  // 02:00 itself is the jump.
  assert.equal(zonedToEpoch(2026, 3, 8, 2, 0, "America/New_York"), iso("2026-03-08T07:00:00Z"));
  // Around the gap, times read normally.
  assert.equal(zonedToEpoch(2026, 3, 8, 1, 59, "America/New_York"), iso("2026-03-08T06:59:00Z"));
  assert.equal(zonedToEpoch(2026, 3, 8, 3, 0, "America/New_York"), iso("2026-03-08T07:00:00Z"));
  // 01:30 on 2026-11-01 happens twice (EDT then EST); the earlier instant is taken.
  assert.equal(zonedToEpoch(2026, 11, 1, 1, 30, "America/New_York"), iso("2026-11-01T05:30:00Z"));
  assert.equal(zonedToEpoch(2026, 11, 1, 2, 0, "America/New_York"), iso("2026-11-01T07:00:00Z"));
  // Paris: 02:30 on 2026-03-29 is in the gap, 02:30 on 2026-10-25 in the overlap.
  assert.equal(zonedToEpoch(2026, 3, 29, 2, 30, "Europe/Paris"), iso("2026-03-29T01:30:00Z"));
  // (In an overlap east of UTC the later reading comes back: either reads as 02:30.)
  const paris = zonedToEpoch(2026, 10, 25, 2, 30, "Europe/Paris");
  assert.ok(
    paris === iso("2026-10-25T00:30:00Z") || paris === iso("2026-10-25T01:30:00Z"),
    new Date(paris).toISOString(),
  );
  // Every result reads back as the wall time asked for, outside gaps.
  for (
    const [y, mo, d, h, mi] of [[2026, 11, 1, 1, 30], [2026, 10, 25, 2, 30], [2026, 7, 4, 23, 59]]
  ) {
    for (const tz of ["America/New_York", "Europe/Paris"]) {
      const w = wallTime(zonedToEpoch(y, mo, d, h, mi, tz), tz);
      assert.deepEqual([w.y, w.mo, w.d, w.h, w.mi], [y, mo, d, h, mi]);
    }
  }
});

Deno.test("windowBounds: a zone whose midnight falls in a DST gap starts the day at the jump", () => {
  // America/Santiago moves 00:00 → 01:00 on 2026-09-06: that day starts at 01:00 local (04:00Z).
  const b = bounds("day", "America/Santiago", "2026-09-06T12:00:00Z");
  assert.deepEqual(b, { start: "2026-09-06T04:00:00.000Z", end: "2026-09-07T03:00:00.000Z" });
  assert.equal(iso(b.end) - iso(b.start), 23 * HOUR);
});

Deno.test("zonedToEpoch: in every zone, each day of 2026 starts at its first instant", () => {
  // Catches zones whose midnight is skipped (Santiago, Havana, Cairo, Beirut ...) or repeated.
  for (const tz of Intl.supportedValuesOf("timeZone")) {
    for (let day = Date.UTC(2026, 0, 1); day < Date.UTC(2027, 0, 1); day += DAY) {
      const d = new Date(day);
      const [y, mo, dd] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
      const start = zonedToEpoch(y, mo, dd, 0, 0, tz);
      const w = wallTime(start, tz);
      const before = wallTime(start - 1000, tz);
      const where = `${tz} ${d.toISOString().slice(0, 10)}`;
      assert.deepEqual([w.y, w.mo, w.d], [y, mo, dd], `${where} starts on that date`);
      assert.notDeepEqual([before.y, before.mo, before.d], [y, mo, dd], `${where}: first instant`);
    }
  }
});

Deno.test("windowBounds: rolling windows end at now and reach back their span", () => {
  const now = iso("2026-03-11T13:45:10.500Z");
  const w: BudgetWindow = parseWindow("5h", "Europe/Paris");
  assert.deepEqual(windowBounds(w, now), { start: now - 5 * HOUR, end: now });
  assert.deepEqual(windowBounds(parseWindow("30m", "UTC"), now), {
    start: now - 30 * 60_000,
    end: now,
  });
  assert.deepEqual(windowBounds(parseWindow("7d", "UTC"), now), { start: now - 7 * DAY, end: now });
});

Deno.test("formatSpan: days and hours, hours and padded minutes, minutes, seconds", () => {
  assert.equal(formatSpan(3 * DAY + 4 * HOUR + 59 * 60_000), "3d 4h");
  assert.equal(formatSpan(DAY), "1d 0h");
  assert.equal(formatSpan(2 * HOUR + 5 * 60_000), "2h 05m");
  assert.equal(formatSpan(HOUR), "1h 00m");
  assert.equal(formatSpan(12 * 60_000 + 30_000), "12m");
  assert.equal(formatSpan(40_000), "40s");
  assert.equal(formatSpan(59_600), "1m", "rounded to the second first");
  assert.equal(formatSpan(400), "0s");
  assert.equal(formatSpan(0), "0s");
  assert.equal(formatSpan(-5000), "0s", "a past time is not negative");
});

Deno.test("formatInZone: wall time with zero padding and the zone name", () => {
  const t = iso("2026-12-06T23:00:00Z");
  assert.equal(formatInZone(t, "Europe/Paris"), "2026-12-07 00:00 Europe/Paris");
  assert.equal(formatInZone(t, "UTC"), "2026-12-06 23:00 UTC");
  assert.equal(formatInZone(t, "America/New_York"), "2026-12-06 18:00 America/New_York");
  assert.equal(formatInZone(iso("2026-01-02T03:04:59Z"), "UTC"), "2026-01-02 03:04 UTC");
  // Midnight is 00, not 24.
  assert.equal(
    formatInZone(iso("2026-03-10T15:00:00Z"), "Asia/Tokyo"),
    "2026-03-11 00:00 Asia/Tokyo",
  );
});
