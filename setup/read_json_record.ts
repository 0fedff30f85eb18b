import type { z } from "zod";
import type { FileDeps } from "./file_deps.ts";

/** A JSON state file as read: absent, valid, or damaged (damage is data, so callers can say what to do). */
export type ReadRecord<T> =
  | { kind: "missing" }
  | { kind: "found"; value: T }
  | { kind: "invalid"; message: string };

/**
 * Reads `path` and validates it against `schema`. `advice` is appended to a damaged file's
 * message (e.g. `; fix or delete it`): what to do depends on who owns the file.
 */
export async function readJsonRecord<T>(
  files: FileDeps,
  path: string,
  schema: z.ZodType<T>,
  advice = "",
): Promise<ReadRecord<T>> {
  const text = await files.readTextFile(path);
  if (text === null) return { kind: "missing" };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { kind: "invalid", message: `Cannot parse ${path} as JSON (${String(err)})${advice}` };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      kind: "invalid",
      message: `Cannot read ${path}: ${issue?.path.join(".") || "(root)"}: ${
        issue?.message ?? "invalid"
      }${advice}`,
    };
  }
  return { kind: "found", value: parsed.data };
}
