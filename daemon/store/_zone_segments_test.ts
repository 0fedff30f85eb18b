import assert from "node:assert/strict";
import { zoneOffset } from "../../core/mod.ts";
import { zoneSegments } from "./_zone_segments.ts";

const H = 3_600_000;

Deno.test("zoneSegments: cut at each DST change, to the instant", () => {
  // New York: EDT from 2026-03-08 07:00Z, EST again from 2026-11-01 06:00Z.
  const from = Date.UTC(2026, 2, 1);
  const to = Date.UTC(2026, 11, 1);
  const s = zoneSegments(from, to, "America/New_York");
  assert.deepEqual(s.map((x) => [new Date(x.start).toISOString(), x.offsetMs / H]), [
    ["2026-03-01T00:00:00.000Z", -5],
    ["2026-03-08T07:00:00.000Z", -4],
    ["2026-11-01T06:00:00.000Z", -5],
  ]);
  assert.equal(s[0].end, s[1].start);
  assert.equal(s[2].end, to);
  // Every instant of a piece has its offset.
  for (const seg of s) {
    for (const t of [seg.start, seg.end - 1, (seg.start + seg.end) / 2]) {
      assert.equal(zoneOffset(t, "America/New_York"), seg.offsetMs);
    }
  }
});

Deno.test("zoneSegments: a zone without DST is one piece; half-hour and 45-minute offsets", () => {
  const from = Date.UTC(2026, 0, 1);
  const to = Date.UTC(2027, 0, 1);
  assert.deepEqual(zoneSegments(from, to, "UTC"), [{ start: from, end: to, offsetMs: 0 }]);
  assert.deepEqual(zoneSegments(from, to, "Asia/Kolkata").map((x) => x.offsetMs), [5.5 * H]);
  assert.deepEqual(zoneSegments(from, to, "Asia/Kathmandu").map((x) => x.offsetMs), [5.75 * H]);
  // Lord Howe moves by half an hour.
  const lh = zoneSegments(from, to, "Australia/Lord_Howe");
  assert.deepEqual(lh.map((x) => x.offsetMs / H), [11, 10.5, 11]);
  assert.deepEqual(zoneSegments(to, from, "UTC"), []);
  // A span starting or ending just at a change has no empty piece.
  const at = Date.UTC(2026, 2, 8, 7);
  assert.deepEqual(zoneSegments(at, at + H, "America/New_York").length, 1);
  assert.deepEqual(zoneSegments(at - H, at, "America/New_York").length, 1);
});
