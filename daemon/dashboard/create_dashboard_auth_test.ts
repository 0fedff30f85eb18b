import assert from "node:assert/strict";
import { createDashboardAuth } from "./create_dashboard_auth.ts";

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

Deno.test("a code is exchanged once for a session", () => {
  const c = clock();
  const auth = createDashboardAuth({ now: c.now });
  const { code, expiresAt } = auth.mintCode();
  assert.match(code, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(expiresAt, 1_000_000 + 120_000);
  const first = auth.exchange(code);
  assert.ok(first.ok);
  assert.notEqual(first.session, code);
  assert.equal(auth.check(first.session), true);
  assert.deepEqual(auth.exchange(code), { ok: false, reason: "unknown" });
});

Deno.test("an expired code is refused, and used up", () => {
  const c = clock();
  const auth = createDashboardAuth({ now: c.now, codeTtlMs: 1000 });
  const { code } = auth.mintCode();
  c.advance(1000);
  assert.deepEqual(auth.exchange(code), { ok: false, reason: "expired" });
  assert.deepEqual(auth.exchange(code), { ok: false, reason: "unknown" });
});

Deno.test("unknown, malformed and missing values are refused", () => {
  const auth = createDashboardAuth();
  auth.mintCode();
  for (const bad of ["", "x", "A".repeat(43), "../../etc/passwd", "A".repeat(44)]) {
    assert.equal(auth.exchange(bad).ok, false, bad);
    assert.equal(auth.check(bad), false, bad);
  }
  assert.equal(auth.check(undefined), false);
});

Deno.test("sessions end after their lifetime and on revoke", () => {
  const c = clock();
  const auth = createDashboardAuth({ now: c.now, sessionTtlMs: 5000 });
  const a = auth.exchange(auth.mintCode().code);
  const b = auth.exchange(auth.mintCode().code);
  assert.ok(a.ok && b.ok);
  assert.equal(a.expiresAt, 1_000_000 + 5000);
  auth.revoke(a.session);
  assert.equal(auth.check(a.session), false);
  assert.equal(auth.check(b.session), true);
  c.advance(5000);
  assert.equal(auth.check(b.session), false);
});

Deno.test("outstanding codes and sessions are bounded: the oldest go first", () => {
  const auth = createDashboardAuth({ maxCodes: 2, maxSessions: 2 });
  const codes = [auth.mintCode().code, auth.mintCode().code, auth.mintCode().code];
  assert.equal(auth.exchange(codes[0]).ok, false);
  const s1 = auth.exchange(codes[1]);
  const s2 = auth.exchange(codes[2]);
  const s3 = auth.exchange(auth.mintCode().code);
  assert.ok(s1.ok && s2.ok && s3.ok);
  assert.equal(auth.check(s1.session), false);
  assert.equal(auth.check(s2.session), true);
  assert.equal(auth.check(s3.session), true);
});
