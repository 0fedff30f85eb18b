import type { Usage } from "../core/mod.ts";
import { isObject } from "./_json.ts";

/** Keys that hold a token or request count in every family's usage shapes. */
const COUNT_KEY = /tokens$|tokencount$|_requests$/i;

/** Present (not null) but not a finite, non-negative number. */
function invalidCount(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  return !(typeof value === "number" && Number.isFinite(value) && value >= 0);
}

export interface UsageCheck {
  /** Looks at a usage object the parser read (nested objects too); `label` names it. */
  scan(usage: unknown, label?: string): void;
  /** True when `key` of `usage` holds something that is not a count (and is not absent). */
  isInvalid(usage: unknown, key: string): boolean;
  /**
   * Marks `usage` when a scanned object held a count that is not one: it cannot be final,
   * so `complete` becomes `incomplete`, with `error_type` `usage_invalid` unless the body
   * already named an error.
   */
  mark(usage: Usage): Usage;
}

/**
 * A provider (or something in front of it) that reports `"output_tokens":"NaN"` has not
 * reported usage: reading it as "not reported" would keep a provisional count and call the
 * call complete. This remembers the first such field so the row says so.
 */
export function createUsageCheck(): UsageCheck {
  let first: string | null = null;

  function scanObject(obj: unknown, path: string, depth: number): void {
    if (first !== null || !isObject(obj)) return;
    for (const [key, value] of Object.entries(obj)) {
      if (isObject(value)) {
        if (depth < 2) scanObject(value, `${path}.${key}`, depth + 1);
      } else if (COUNT_KEY.test(key) && invalidCount(value)) {
        first = `${path}.${key} is ${JSON.stringify(value) ?? String(value)}, not a token count`;
        return;
      }
    }
  }

  return {
    scan: (usage, label = "usage") => scanObject(usage, label, 0),
    isInvalid: (usage, key) => isObject(usage) && invalidCount(usage[key]),
    mark(usage) {
      if (first === null) return usage;
      if (usage.completeness === "complete") usage.completeness = "incomplete";
      if (usage.errorType === null) {
        usage.errorType = "usage_invalid";
        usage.errorMessage = first;
      }
      return usage;
    },
  };
}
