/**
 * Helpers for tests/faults_test.ts: a real small tmpfs, a disk filler, a probe for
 * `chattr +i`, and reading back which calls have rows (through the API of whichever daemon
 * is running now: a restarted one may listen on another port).
 */
import { collectDoctor, createDoctorDeps } from "../../cli/doctor.ts";
import { collectStatus, isPidAlive, probeHttp } from "../../cli/status.ts";
import { createFileDeps, createProcessDeps, directBackend } from "../../setup/mod.ts";
import type { CallOutcome } from "./call_load.ts";
import type { Meter } from "./meter.ts";
import { MAIN } from "./role_process.ts";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function run(cmd: string, args: string[]): Promise<{ code: number; text: string }> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
    const dec = new TextDecoder();
    return { code: out.code, text: (dec.decode(out.stderr) + dec.decode(out.stdout)).trim() };
  } catch (err) {
    return { code: -1, text: String(err) };
  }
}

/**
 * How the disk-full case gets a real small tmpfs for its home: `mount` (a plain mount in the
 * test's namespace, set up in `prepare`), `namespace` (`unshare -m`: `up` and its roles run
 * in a private mount namespace that mounts it, for machines that refuse the plain mount; the
 * test reaches the home through /proc/<pid>/root), or `none` with the reason.
 * `HALTON_FAULTS_TMPFS=namespace` forces the second (to exercise it where both work).
 */
export type TmpfsPlan =
  | { kind: "mount" }
  | { kind: "namespace"; wrap: string[] }
  | { kind: "none"; reason: string };

export async function planTmpfs(bytes: number): Promise<TmpfsPlan> {
  if (Deno.build.os !== "linux") return { kind: "none", reason: "tmpfs mounts need Linux" };
  const scratch = await Deno.makeTempDir({ prefix: "hm-tmpfs-probe-" });
  try {
    const forced = Deno.env.get("HALTON_FAULTS_TMPFS");
    const plain = forced === "namespace"
      ? { code: 1, text: "forced by HALTON_FAULTS_TMPFS=namespace" }
      : await run("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", scratch]);
    if (plain.code === 0) {
      await run("umount", [scratch]);
      return { kind: "mount" };
    }
    const ns = await run("unshare", [
      "-m",
      "--propagation",
      "private",
      "mount",
      "-t",
      "tmpfs",
      "-o",
      "size=1m",
      "tmpfs",
      scratch,
    ]);
    if (ns.code !== 0) {
      return {
        kind: "none",
        reason:
          `mount -t tmpfs refused (${plain.text}), and in a private namespace too (${ns.text})`,
      };
    }
    // The files startMeter wrote into the home are copied onto the tmpfs mounted over it.
    const script = `set -e; h="$HALTON_METER_HOME"; mkdir "$h.seed"; cp -a "$h/." "$h.seed/"; ` +
      `mount -t tmpfs -o size=${bytes},mode=0700 tmpfs "$h"; cp -a "$h.seed/." "$h/"; ` +
      `rm -rf "$h.seed"; exec "$@"`;
    return {
      kind: "namespace",
      wrap: ["unshare", "-m", "--propagation", "private", "sh", "-c", script, "sh"],
    };
  } finally {
    await Deno.remove(scratch, { recursive: true }).catch(() => {});
  }
}

export interface Mounted {
  ok: true;
  unmount(): Promise<void>;
}

/** Mounts a tmpfs of `bytes` on `dir` (root only); says why when it cannot. */
export async function mountTmpfs(
  dir: string,
  bytes: number,
): Promise<Mounted | { ok: false; reason: string }> {
  const r = await run("mount", ["-t", "tmpfs", "-o", `size=${bytes},mode=0700`, "tmpfs", dir]);
  if (r.code !== 0) return { ok: false, reason: `mount -t tmpfs refused: ${r.text}` };
  return {
    ok: true,
    async unmount() {
      const u = await run("umount", [dir]);
      if (u.code !== 0) await run("umount", ["-l", dir]);
    },
  };
}

/** Writes a filler file in `dir` until the filesystem is full; `release` removes it. */
export async function fillDisk(dir: string): Promise<{ bytes: number; release(): Promise<void> }> {
  const path = `${dir}/filler.bin`;
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  let bytes = 0;
  try {
    for (let chunk = 1 << 20; chunk >= 512; chunk >>= 1) {
      const buf = new Uint8Array(chunk).fill(0x46);
      for (;;) {
        try {
          const n = await file.write(buf);
          bytes += n;
          if (n < chunk) break;
        } catch {
          break;
        }
      }
    }
  } finally {
    file.close();
  }
  return { bytes, release: () => Deno.remove(path) };
}

/** Whether `chattr +i` works on files under `dir` (ext4 yes; tmpfs/overlay often not). */
export async function chattrSupport(
  dir: string,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  if (Deno.build.os !== "linux") return { ok: false, reason: "chattr is Linux only" };
  const probe = await Deno.makeTempFile({ dir, prefix: "hm-chattr-probe-" });
  try {
    const set = await run("chattr", ["+i", probe]);
    if (set.code !== 0) return { ok: false, reason: `chattr +i on ${dir} failed: ${set.text}` };
    await run("chattr", ["-i", probe]);
    return { ok: true };
  } finally {
    await Deno.remove(probe).catch(() => {});
  }
}

interface Health {
  store?: {
    state?: string;
    cause?: string;
    queued?: number;
    spooled?: number;
    memoryOnly?: number;
  };
}

function apiOf(m: Meter): { port: number; token: string } {
  const ports = JSON.parse(Deno.readTextFileSync(`${m.home}/effective-ports.json`));
  return { port: ports.api, token: Deno.readTextFileSync(`${m.home}/api-token`).trim() };
}

/** `/health` of the daemon running now. */
export async function readHealth(m: Meter): Promise<Health> {
  const res = await fetch(`http://127.0.0.1:${apiOf(m).port}/health`);
  return await res.json();
}

/** Every project that has a row, paging through `/v1/calls`. */
export async function projectsWithRows(m: Meter): Promise<Set<string>> {
  const { port, token } = apiOf(m);
  const out = new Set<string>();
  let cursor: string | null = null;
  do {
    const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
    const res = await fetch(`http://127.0.0.1:${port}/v1/calls?limit=1000${q}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (res.status !== 200) throw new Error(`GET /v1/calls: ${res.status} ${await res.text()}`);
    const body = await res.json() as { calls: { project: string | null }[]; next_cursor: string };
    for (const c of body.calls) if (c.project) out.add(c.project);
    cursor = body.next_cursor;
  } while (cursor);
  return out;
}

/**
 * Waits (up to `timeoutMs`) until every ok call among `outcomes` has a row, and returns the
 * projects that have rows. Returns early-incomplete sets only at the deadline.
 */
export async function settle(
  m: Meter,
  outcomes: readonly CallOutcome[],
  timeoutMs: number,
): Promise<Set<string>> {
  const want = outcomes.filter((o) => o.ok).map((o) => o.project);
  const end = Date.now() + timeoutMs;
  let rows = new Set<string>();
  for (;;) {
    try {
      const h = await readHealth(m);
      if (h.store?.state === "ok" && h.store.queued === 0 && h.store.spooled === 0) {
        rows = await projectsWithRows(m);
        if (want.every((p) => rows.has(p))) return rows;
      }
    } catch {
      // The daemon may be restarting.
    }
    if (Date.now() > end) {
      try {
        return await projectsWithRows(m);
      } catch {
        return rows;
      }
    }
    await sleep(500);
  }
}

export function summary(
  name: string,
  r: { calls: number; ok: number; failed: readonly CallOutcome[]; lost: readonly CallOutcome[] },
): string {
  return `faults: ${name}: ${r.calls} calls, ${r.ok} ok, ${r.failed.length} failed, ${r.lost.length} rows lost`;
}

/** `status`'s store row and `doctor`'s daemon.store check, each as one line. */
export async function statusAndDoctor(home: string): Promise<{ status: string; doctor: string }> {
  const proc = { ...createProcessDeps(), isAlive: isPidAlive };
  const st = await collectStatus(home, {
    backend: directBackend({ home, files: createFileDeps(), proc }),
    isAlive: isPidAlive,
    probeHttp: (port, path) => probeHttp(port, path),
    os: Deno.build.os,
  });
  const doctor = await collectDoctor(
    home,
    await createDoctorDeps(home, {
      launch: { execPath: Deno.execPath(), mainModule: MAIN, compiled: false },
    }),
  );
  const c = doctor.checks.find((x) => x.id === "daemon.store");
  return {
    status: `${st.store.state} ${st.store.cause}: ${st.store.detail}`,
    doctor: c ? `${c.status} ${c.detail} → ${c.next ?? ""}` : "no daemon.store check",
  };
}
