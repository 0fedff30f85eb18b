import { type Config, configSchema } from "./schema.ts";

export type LoadConfigResult =
  | { ok: true; config: Config; path: string; exists: boolean }
  | { ok: false; path: string; message: string };

function describeIssue(issue: {
  code: string;
  path: PropertyKey[];
  message: string;
  keys?: string[];
}): string {
  const where = issue.path.length ? issue.path.map(String).join(".") : "(top level)";
  if (issue.code === "unrecognized_keys" && issue.keys) {
    const keys = issue.keys.map((k) => (issue.path.length ? `${where}.${k}` : k));
    return `unknown key ${keys.map((k) => `"${k}"`).join(", ")}: remove it or check its spelling`;
  }
  return `"${where}": ${issue.message}`;
}

/**
 * Reads and validates `config.json`. A missing file is the empty config; a file
 * that is not JSON, or that breaks the schema, is an error that names the file,
 * the key and the expected form, and says what to do.
 */
export function loadConfig(path: string): LoadConfigResult {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return { ok: true, config: {}, path, exists: false };
    return { ok: false, path, message: `Cannot read ${path}: ${String(err)}` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return {
      ok: false,
      path,
      message: `Invalid config ${path}: not valid JSON (${
        (err as Error).message
      }); fix the file or move it aside`,
    };
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => describeIssue(i)).join("; ");
    return { ok: false, path, message: `Invalid config ${path}: ${details}` };
  }
  return { ok: true, config: parsed.data, path, exists: true };
}
