/** One line of `halton-meter doctor`: a layer's verdict, why, and what to type next. */
export type CheckStatus = "PASS" | "WARN" | "FAIL" | "SKIP";

export interface DoctorCheck {
  /** Stable identifier, `<layer>.<what>` (`ca.key-permissions`, `port.api`). */
  id: string;
  /** The layer the check belongs to (`ca`, `trust`, `service`, `port`, ...). */
  layer: string;
  status: CheckStatus;
  /** One line with the values that decided the status. */
  detail: string;
  /** For WARN and FAIL: a command the user can paste (a `#` comment may follow it). */
  next?: string;
}

/** Builds a check; `next` is dropped for PASS and SKIP so the JSON stays honest. */
export function check(
  id: string,
  status: CheckStatus,
  detail: string,
  next?: string,
): DoctorCheck {
  const layer = id.split(".")[0];
  const out: DoctorCheck = { id, layer, status, detail };
  if (next !== undefined && (status === "WARN" || status === "FAIL")) out.next = next;
  return out;
}

/** A POSIX permission mode as `ls`/`chmod` users read it: `0600`. */
export function octalMode(mode: number): string {
  return (mode & 0o777).toString(8).padStart(4, "0");
}
