import { type PolicyFile, policySchema } from "./policy_schema.ts";

/** Larger files are refused before parsing: a policy is a few KiB. */
export const MAX_POLICY_BYTES = 1024 * 1024;

export type LoadPolicyResult =
  /** `exists: false`: no file, i.e. no policy (every call allowed). */
  | { ok: true; policy: PolicyFile; path: string; exists: boolean; text: string }
  | { ok: false; path: string; message: string };

interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
  keys?: string[];
}

/** `budgets[0].scope.model` */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out === "" ? String(p) : `.${String(p)}`;
  }
  return out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const p of path) {
    if (v === null || typeof v !== "object") return undefined;
    if (!Object.hasOwn(v, p as string)) return undefined;
    v = (v as Record<PropertyKey, unknown>)[p as string];
  }
  return v;
}

/** A value as it appears in the file, cut short: errors quote what the user wrote. */
export function quote(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function describe(issue: Issue, raw: unknown): string {
  const where = formatPath(issue.path);
  if (issue.code === "unrecognized_keys" && issue.keys) {
    // Quoted and cut like values: a key can be any string (a newline, a megabyte).
    const keys = issue.keys.map((k) => quote(where ? `${where}.${k}` : k));
    const more = keys.length > 5 ? ` and ${keys.length - 5} more` : "";
    return `unknown key ${keys.slice(0, 5).join(", ")}${more}: remove it or check its spelling`;
  }
  const value = valueAt(raw, issue.path);
  const shown = value === undefined ? "missing" : `= ${quote(value)}`;
  return `${where || "(top level)"} ${shown}: ${issue.message}`;
}

/**
 * Validates policy text. Errors name the file, the key (`budgets[1].cap_usd`), the value found
 * and what was expected, so a user can fix the file from the message alone.
 */
export function parsePolicy(text: string, path: string): LoadPolicyResult {
  // UTF-8 takes at most 3 bytes per UTF-16 unit: a shorter text cannot be over the limit.
  const bytes = text.length > MAX_POLICY_BYTES / 3 ? new TextEncoder().encode(text).length : 0;
  if (bytes > MAX_POLICY_BYTES) {
    return {
      ok: false,
      path,
      message: `Invalid policy ${path}: ${bytes} bytes, more than ${MAX_POLICY_BYTES}; ` +
        "a policy is a few rules and budgets",
    };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    // The parser quotes the text around the error, control characters and all: one log line.
    // deno-lint-ignore no-control-regex
    const why = (err as Error).message.replace(/[\u0000-\u001f\u007f]/g, " ");
    return {
      ok: false,
      path,
      message: `Invalid policy ${path}: not valid JSON (${why}); fix it, then check with ` +
        "`halton-meter policy check`",
    };
  }
  const parsed = policySchema.safeParse(raw);
  if (!parsed.success) {
    const details = parsed.error.issues.slice(0, 5).map((i) => describe(i as Issue, raw));
    const more = parsed.error.issues.length > 5
      ? `; and ${parsed.error.issues.length - 5} more`
      : "";
    return { ok: false, path, message: `Invalid policy ${path}: ${details.join("; ")}${more}` };
  }
  return { ok: true, policy: parsed.data, path, exists: true, text };
}

/** Reads and validates the policy file; a missing file is no policy. */
export function loadPolicy(path: string): LoadPolicyResult {
  let text: string;
  try {
    const info = Deno.statSync(path);
    if (info.size > MAX_POLICY_BYTES) {
      return {
        ok: false,
        path,
        message: `Invalid policy ${path}: ${info.size} bytes, more than ${MAX_POLICY_BYTES}`,
      };
    }
    text = Deno.readTextFileSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      return { ok: true, policy: {}, path, exists: false, text: "" };
    }
    return {
      ok: false,
      path,
      message: `Cannot read policy ${path}: ${(err as Error).message}; check its permissions`,
    };
  }
  return parsePolicy(text, path);
}
