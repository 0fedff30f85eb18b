/**
 * Bounded label values (docs/EXPORT.md, "Label cardinality"): each dimension keeps the first
 * `max` distinct values it sees, in the order calls first used them (the database's order at
 * start, so the same values keep their own series across restarts); every later value is
 * `other`. Unknown values (no project, no client) are `unknown`. Values are cut to 128 chars.
 */
export type LabelDim = "provider" | "model" | "project" | "client";

export const OVERFLOW_LABEL = "other";
export const UNKNOWN_LABEL = "unknown";
const MAX_CHARS = 128;

export interface LabelBudget {
  /** The label to use for `value` in `dim`; admits it while there is room. */
  label(dim: LabelDim, value: string | null): string;
  /** Distinct values admitted per dimension, and how many were refused since start. */
  usage(): Record<LabelDim, { admitted: number; overflowed: number }>;
}

export function createLabelBudget(max: number): LabelBudget {
  const admitted: Record<LabelDim, Set<string>> = {
    provider: new Set(),
    model: new Set(),
    project: new Set(),
    client: new Set(),
  };
  const overflowed: Record<LabelDim, Set<string>> = {
    provider: new Set(),
    model: new Set(),
    project: new Set(),
    client: new Set(),
  };
  return {
    label(dim, value) {
      if (value === null || value === "") return UNKNOWN_LABEL;
      const v = value.length > MAX_CHARS ? value.slice(0, MAX_CHARS) : value;
      const set = admitted[dim];
      if (set.has(v)) return v;
      if (set.size < max) {
        set.add(v);
        return v;
      }
      // Counted up to a bound: the count is for the operator, not a second unbounded set.
      if (overflowed[dim].size < 10_000) overflowed[dim].add(v);
      return OVERFLOW_LABEL;
    },
    usage() {
      const u = (d: LabelDim) => ({ admitted: admitted[d].size, overflowed: overflowed[d].size });
      return {
        provider: u("provider"),
        model: u("model"),
        project: u("project"),
        client: u("client"),
      };
    },
  };
}
