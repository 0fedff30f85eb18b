/**
 * Fault suite: storage faults under concurrent load through the real chain (clients → edge →
 * daemon → fake provider, `main.ts up`), counting failed calls and lost rows. A row is lost
 * when a call got its 200 and full body but no row carries its project in the end.
 *
 * - disk full: the home is a real 48 MB tmpfs, the most real option that works on the
 *   development and CI machines (root): a plain `mount -t tmpfs`, or one in a private mount
 *   namespace (`unshare -m`) where the plain mount is refused; skipped, saying why, only when
 *   both are. A filler file takes every free byte for 8 s.
 * - read-only database: `chattr +i` on db.sqlite, -wal and -shm (the home is on the temp
 *   directory's filesystem, ext4 here; tmpfs has no page_mkwrite check, so it would not show
 *   the SIGBUS); attributes are restored in `finally`.
 * - kill -9: the daemon is killed mid-load; `up` restarts it, and every call finished before
 *   the kill must have its row.
 */
import assert from "node:assert/strict";
import { type CallOutcome, countLost, startCallLoad } from "./_support/call_load.ts";
import { failuresAfterKill } from "./_support/kill_judgement.ts";
import { type Meter, startMeter, stopMeter } from "./_support/meter.ts";
import {
  chattrSupport,
  fillDisk,
  type Mounted,
  mountTmpfs,
  planTmpfs,
  readHealth,
  settle,
  sleep,
  statusAndDoctor,
  summary,
} from "./_support/faults.ts";

/**
 * The disk-full case's shape. `HALTON_FAULTS_DISK=<seconds>:<calls/s>:<tmpfs MB>` runs a long
 * one by hand with the default spool reserve, e.g. `60:500:200` for the M7 target (60 s at
 * 500 calls/s; the disk must hold the rows of the whole run once it is freed).
 */
function diskCase(): { fullMs: number; rate: number; tmpfsBytes: number; config: unknown } {
  const [s, rate, mb] = (Deno.env.get("HALTON_FAULTS_DISK") ?? "").split(":").map(Number);
  if (s > 0 && rate > 0 && mb > 0) {
    return { fullMs: s * 1000, rate, tmpfsBytes: mb * 1024 * 1024, config: {} };
  }
  // A reserve that fills within the 8 s, so rows go on into the memory queue too.
  return {
    fullMs: 8000,
    rate: 600,
    tmpfsBytes: 48 * 1024 * 1024,
    config: { spool_reserve_bytes: 1024 * 1024 },
  };
}

Deno.test("faults: disk full for 8 s under load loses no row and fails no call; status and doctor say so", async () => {
  const shape = diskCase();
  const TMPFS_BYTES = shape.tmpfsBytes;
  const plan = await planTmpfs(TMPFS_BYTES);
  if (plan.kind === "none") {
    console.log(`faults: disk full SKIPPED: ${plan.reason}`);
    return;
  }
  let mounted: Mounted | { ok: false; reason: string } | null = null;
  const m = await startMeter("hm-fault-disk-", {
    config: { store: shape.config },
    wrap: plan.kind === "namespace" ? plan.wrap : undefined,
    async prepare(_dir, home) {
      if (plan.kind === "mount") mounted = await mountTmpfs(home, TMPFS_BYTES);
    },
  });
  const tmpfs = mounted as Mounted | { ok: false; reason: string } | null;
  try {
    if (tmpfs !== null && !tmpfs.ok) throw new Error(tmpfs.reason);
    const caPem = await Deno.readTextFile(`${m.home}/ca/halton-meter-ca.pem`);
    // Paced, so the rows of the whole run fit the small disk whatever the machine's speed.
    const load = startCallLoad({
      edgePort: m.ports.edge,
      caPem,
      prefix: "disk",
      ratePerSecond: shape.rate,
    });
    let seen: { status?: string; doctor?: string } = {};
    let held = { spooled: 0, memoryOnly: 0 };
    try {
      await sleep(2000);
      const filler = await fillDisk(m.home);
      try {
        const end = Date.now() + shape.fullMs;
        while (Date.now() < end) {
          const h = await readHealth(m);
          held = {
            spooled: Math.max(held.spooled, h.store?.spooled ?? 0),
            memoryOnly: Math.max(held.memoryOnly, h.store?.memoryOnly ?? 0),
          };
          if (h.store?.cause === "disk_full" && seen.status === undefined) {
            seen = await statusAndDoctor(m.home);
          }
          await sleep(250);
        }
      } finally {
        await filler.release();
      }
      await sleep(2000);
    } finally {
      await load.stop();
    }
    const outcomes = load.done();
    const rows = await settle(m, outcomes, 30_000);
    const r = countLost(outcomes, rows);
    console.log(
      `${
        summary(`disk full ${shape.fullMs / 1000} s at ${shape.rate}/s`, r)
      }; held at most ${held.spooled} rows in the spool reserve, ` +
        `${held.memoryOnly} in memory`,
    );
    assert.equal(r.lost.length, 0, `rows lost: ${r.lost.slice(0, 5).map((o) => o.project)}`);
    assert.equal(r.failed.length, 0, `failed: ${r.failed.slice(0, 3).map((o) => o.error)}`);
    assert.ok(r.ok > 500, `only ${r.ok} calls succeeded`);
    assert.match(seen.status ?? "/health never said disk_full", /^degraded disk_full: disk full: /);
    assert.match(seen.doctor ?? "", /^FAIL store degraded \(disk full\).*→ df -h /);
  } finally {
    await m.up.stop("SIGTERM");
    if (tmpfs?.ok) await tmpfs.unmount();
    await stopMeter(m);
  }
});

Deno.test("faults: db files made immutable under load: no crash, no failed call, no row lost", async () => {
  const support = await chattrSupport(Deno.env.get("TMPDIR") ?? "/tmp");
  if (!support.ok) {
    console.log(`faults: chattr SKIPPED: ${support.reason}`);
    return;
  }
  const m = await startMeter("hm-fault-ro-");
  const files = ["db.sqlite", "db.sqlite-wal", "db.sqlite-shm"].map((f) => `${m.home}/${f}`);
  const chattr = (flag: string) =>
    new Deno.Command("chattr", { args: [flag, ...files], stdout: "null", stderr: "piped" })
      .output();
  try {
    const pid = Number((await Deno.readTextFile(`${m.home}/run/daemon.pid`)).trim());
    const caPem = await Deno.readTextFile(`${m.home}/ca/halton-meter-ca.pem`);
    const load = startCallLoad({ edgePort: m.ports.edge, caPem, prefix: "ro", clients: 20 });
    let sawReadOnly = false;
    try {
      await sleep(2000);
      const set = await chattr("+i");
      assert.equal(set.code, 0, new TextDecoder().decode(set.stderr));
      try {
        const end = Date.now() + 4000;
        while (Date.now() < end) {
          const h = await readHealth(m).catch(() => ({ store: undefined }));
          if (h.store?.state === "degraded" && h.store?.cause === "read_only") sawReadOnly = true;
          await sleep(250);
        }
      } finally {
        await chattr("-i");
      }
      await sleep(2000);
    } finally {
      await load.stop();
    }
    const outcomes = load.done();
    const rows = await settle(m, outcomes, 30_000);
    const r = countLost(outcomes, rows);
    console.log(summary("chattr +i 4 s", r));
    const now = Number((await Deno.readTextFile(`${m.home}/run/daemon.pid`)).trim());
    assert.equal(now, pid, `the daemon died and was restarted:\n${m.up.stderr().slice(-2000)}`);
    assert.equal(r.lost.length, 0, `rows lost: ${r.lost.slice(0, 5).map((o) => o.project)}`);
    assert.equal(r.failed.length, 0, `failed: ${r.failed.slice(0, 3).map((o) => o.error)}`);
    assert.ok(sawReadOnly, "/health never reported the store degraded with cause read_only");
  } finally {
    await chattr("-i").catch(() => {});
    await stopMeter(m);
  }
});

/** One call with curl through the edge (trusting both our CA and the fake provider's). */
async function curlThroughEdge(m: Meter): Promise<{ status: string; totalS: number }> {
  const both = `${m.dir}/both-cas.pem`;
  await Deno.writeTextFile(
    both,
    `${await Deno.readTextFile(`${m.home}/ca/halton-meter-ca.pem`)}\n${await Deno.readTextFile(
      m.ca.caFile,
    )}`,
  );
  const out = await new Deno.Command("curl", {
    args: [
      "-sS",
      "-o",
      "/dev/null",
      "--max-time",
      "20",
      "-x",
      `http://127.0.0.1:${m.ports.edge}`,
      "--cacert",
      both,
      "-w",
      "%{http_code} %{time_total}",
      "-H",
      "content-type: application/json",
      "-H",
      "anthropic-version: 2023-06-01",
      "-H",
      "x-api-key: sk-ant-test-FAULTS-KEY-0000",
      "-d",
      '{"model":"claude-sonnet-4-5","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}',
      "https://api.anthropic.com/v1/messages",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const [status, total] = new TextDecoder().decode(out.stdout).trim().split(" ");
  return { status: status || new TextDecoder().decode(out.stderr).trim(), totalS: Number(total) };
}

Deno.test("faults: kill -9 of the daemon under load: every call finished before it has its row", async () => {
  const m: Meter = await startMeter("hm-fault-kill-");
  try {
    const caPem = await Deno.readTextFile(`${m.home}/ca/halton-meter-ca.pem`);
    const load = startCallLoad({
      edgePort: m.ports.edge,
      caPem,
      upstreamCaPem: await Deno.readTextFile(m.ca.caFile),
      prefix: "kill",
    });
    let killedAt = 0;
    let curls: { at: number; status: string; totalS: number }[] = [];
    try {
      // The kill lands on a load in full flow (a cold start can take seconds to get going).
      const end = performance.now() + 30_000;
      while (load.done().filter((o) => o.ok).length < 200 && performance.now() < end) {
        await sleep(100);
      }
      await sleep(1000);
      const pid = Number((await Deno.readTextFile(`${m.home}/run/daemon.pid`)).trim());
      killedAt = performance.now();
      Deno.kill(pid, "SIGKILL");
      // Calls go on while the daemon is down and while `up` brings it back; curl, a client
      // from outside this process, is sent at moments across that window.
      curls = await Promise.all([50, 300, 800, 1500, 2500].map(async (at) => {
        await sleep(at);
        return { at, ...await curlThroughEdge(m) };
      }));
      await sleep(500);
    } finally {
      await load.stop();
    }
    const outcomes = load.done();
    // Calls that ended after the kill went through the edge's raw tunnel (unmetered by design)
    // or failed with the daemon; only those finished before it must have a row. The 5 ms
    // margin covers a call whose last bytes left just before its row was journaled.
    const before = (o: CallOutcome) => o.doneAt < killedAt - 5;
    assert.ok(outcomes.filter(before).length >= 200, "the load was flowing before the kill");
    const rows = await settle(m, outcomes.filter(before), 30_000);
    const r = countLost(outcomes, rows, before);
    const lastMs = (o: CallOutcome) => Math.round(killedAt - o.doneAt);
    console.log(
      `${summary("kill -9", r)}; ${outcomes.filter(before).length} finished before the kill, ` +
        `${outcomes.filter((o) => o.ok && !before(o)).length} ok after it`,
    );
    assert.equal(
      r.lost.length,
      0,
      `rows lost for calls finished ${r.lost.map(lastMs).join(", ")} ms before the kill`,
    );
    // Fail-open, judged per connection (kill_judgement.ts).
    const ms = (o: CallOutcome) => `${Math.round(o.startedAt - killedAt)} ms: ${o.error}`;
    const { excused, failed } = failuresAfterKill(
      outcomes.map((o) => ({ ...o, at: o.startedAt, kept: o.keepAlive })),
      killedAt,
    );
    const freshFailed = failed.filter((o) => !o.keepAlive);
    const keptFailedLater = failed.filter((o) => o.keepAlive);
    console.log(
      `kill -9: ${outcomes.filter((o) => !o.ok).length} failed; sent after the kill: ` +
        `${freshFailed.length} on a new connection, ${excused.length} as a kept-alive ` +
        `client's first call (${excused.map(ms).join("; ") || "none"}), ` +
        `${keptFailedLater.length} later`,
    );
    console.log(
      `kill -9: curl after the kill: ${
        curls.map((c) => `+${c.at} ms → ${c.status} in ${c.totalS} s`).join(", ")
      }`,
    );
    for (const c of curls) assert.equal(c.status, "200", `curl sent ${c.at} ms after the kill`);
    assert.equal(
      freshFailed.length,
      0,
      `new connections failed after the kill: ${freshFailed.slice(0, 3).map(ms).join("; ")}`,
    );
    assert.equal(
      keptFailedLater.length,
      0,
      `kept-alive clients failed again after the kill: ${
        keptFailedLater.slice(0, 3).map(ms).join("; ")
      }`,
    );
  } finally {
    await stopMeter(m);
  }
});
