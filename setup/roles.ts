/** The long-running (and one-shot) processes a service manager keeps for Halton Meter. */
export type Role = "edge" | "daemon" | "watchdog" | "userenv";

export const ROLES: readonly Role[] = ["edge", "daemon", "watchdog", "userenv"];

/** The edge comes first so the user-facing port is up before anything depends on it. */
export const START_ORDER: readonly Role[] = ["edge", "daemon", "watchdog", "userenv"];

/**
 * The watchdog goes first: once it is down nothing can restart the daemon behind our back.
 * The edge goes last so apps keep a passthrough proxy for as long as possible.
 */
export const STOP_ORDER: readonly Role[] = ["watchdog", "daemon", "userenv", "edge"];

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/** Deduplicates `roles` and sorts them by `order`. */
export function orderRoles(roles: readonly Role[], order: readonly Role[]): Role[] {
  return order.filter((role) => roles.includes(role));
}
