import type { Logger } from "../core/mod.ts";
import type { RestartResult } from "./restart_role.ts";

export const BACKOFF_INITIAL_MS = 1000;
export const BACKOFF_MAX_MS = 60_000;
/** The backoff starts over once the role has stayed healthy this long. */
export const HEALTHY_RESET_MS = 60_000;

/** What one tick knows about the role besides its probe. */
export interface KeeperTick {
  /** Its port (or why there is none), for the log. */
  where: Record<string, string | number>;
  /** Why it must stay down (`graceful-stop is present`); it is then neither waited for nor restarted. */
  heldBy?: string;
  /** Who restarts it instead of us (`halton-meter up`): logged, never restarted here. */
  restartBy?: string;
}

export interface RoleKeeper {
  /** One watchdog tick: `healthy` is what the role's port said at `now`. */
  tick(now: number, healthy: boolean, t: KeeperTick): void;
  /** The restart under way, if any (the watchdog lets it finish before it exits). */
  inFlight(): Promise<void> | null;
}

/**
 * Keeps one role up the way a service manager would, for the watchdog: a role that was just
 * started gets `graceMs` (or until first seen healthy) before it counts as down; a down role is
 * restarted with a doubling backoff (1 s .. 60 s), one restart at a time, the backoff reset after
 * a minute of health. Each state change is logged once, not every tick.
 */
export function createRoleKeeper(o: {
  role: string;
  restart: () => Promise<RestartResult>;
  log: Logger;
  graceMs: number;
}): RoleKeeper {
  const { role, log } = o;
  let backoffMs = BACKOFF_INITIAL_MS;
  /** No restart before this time (the previous attempt plus the backoff then current). */
  let nextRestartAt = 0;
  let healthySince: number | null = null;
  /** Until the role is first seen healthy or this time passes, silence means "starting". */
  let graceUntil: number | null = null;
  let inFlight: Promise<void> | null = null;
  let last: "healthy" | "starting" | "down" | "held" | null = null;

  function startRestart(now: number): void {
    const delay = backoffMs;
    nextRestartAt = now + delay;
    backoffMs = Math.min(backoffMs * 2, BACKOFF_MAX_MS);
    log.log("warn", `${role} is down: restarting it`, { next_attempt_in_ms: delay });
    inFlight = o.restart()
      .then((r) =>
        log.log(r.ok ? "info" : "error", `${role} restart`, { ok: r.ok, detail: r.detail })
      )
      .catch((err) => log.log("error", `${role} restart threw`, { error: String(err) }))
      .finally(() => {
        inFlight = null;
      });
  }

  return {
    tick(now, healthy, t) {
      graceUntil ??= now + o.graceMs;
      if (healthy) {
        if (last !== "healthy") log.log("info", `${role} healthy`, t.where);
        last = "healthy";
        graceUntil = 0;
        healthySince ??= now;
        if (backoffMs !== BACKOFF_INITIAL_MS && now - healthySince >= HEALTHY_RESET_MS) {
          log.log("info", `${role} stayed healthy: restart backoff reset`, {
            healthy_ms: now - healthySince,
          });
          backoffMs = BACKOFF_INITIAL_MS;
          nextRestartAt = 0;
        }
        return;
      }
      healthySince = null;
      if (t.heldBy !== undefined) {
        if (last !== "held") {
          log.log("info", `${role} is down and ${t.heldBy}: leaving it down`, t.where);
        }
        last = "held";
        return;
      }
      if (now < graceUntil) {
        if (last !== "starting") {
          log.log("info", `waiting for the ${role} to start`, {
            ...t.where,
            grace_ms: graceUntil - now,
          });
        }
        last = "starting";
        return;
      }
      if (last !== "down") {
        log.log(
          "warn",
          t.restartBy === undefined
            ? `${role} is down`
            : `${role} is down: ${t.restartBy} restarts it`,
          t.where,
        );
      }
      last = "down";
      if (t.restartBy !== undefined || inFlight !== null || now < nextRestartAt) return;
      startRestart(now);
    },
    inFlight: () => inFlight,
  };
}
