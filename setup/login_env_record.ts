/**
 * What `init` applied as the login environment (`<home>/login-env.json`), and when it was
 * last (re)applied (`<home>/run/userenv-applied.json`). The `userenv` role re-applies the
 * first at each login and writes the second; `status` compares the two.
 */
import { z } from "zod";
import type { FileDeps } from "./file_deps.ts";
import { readJsonRecord, type ReadRecord } from "./read_json_record.ts";

export type { ReadRecord };

/** Who the environment was written for, so a role started by a service manager (whose own
 * HOME/SHELL may differ or be unset) writes exactly the files init wrote. */
export interface LoginEnvTarget {
  userHome: string;
  loginShell?: string;
  configHome?: string;
}

export interface LoginEnvRecord {
  /** The mode that applied it: `apps` or `full`. */
  mode: string;
  env: Record<string, string>;
  /** False with `--no-shell-rc`. */
  shell_rc: boolean;
  target: LoginEnvTarget;
  /** ISO time init wrote it; `userenv-applied.json` names the record it applied by this. */
  recorded_at: string;
}

export interface UserenvApplied {
  /** ISO time of the run. */
  at: string;
  /** `init` (it applied the env itself) or `userenv` (the login agent). */
  by: "init" | "userenv";
  /** `recorded_at` of the record that was applied. */
  record: string;
  ok: boolean;
  detail: string;
}

const recordSchema = z.object({
  mode: z.string(),
  env: z.record(z.string(), z.string()),
  shell_rc: z.boolean(),
  target: z.object({
    userHome: z.string(),
    loginShell: z.string().optional(),
    configHome: z.string().optional(),
  }),
  recorded_at: z.string(),
});

const appliedSchema = z.object({
  at: z.string(),
  by: z.enum(["init", "userenv"]),
  record: z.string(),
  ok: z.boolean(),
  detail: z.string(),
});

export async function readLoginEnvRecord(
  files: FileDeps,
  path: string,
): Promise<ReadRecord<LoginEnvRecord>> {
  return await readJsonRecord(files, path, recordSchema);
}

/** 0600: the values name the CA bundle and proxy in the user's home. */
export async function writeLoginEnvRecord(
  files: FileDeps,
  path: string,
  record: LoginEnvRecord,
): Promise<void> {
  await files.writeFile(path, JSON.stringify(record, null, 2) + "\n", { mode: 0o600 });
}

export async function readUserenvApplied(
  files: FileDeps,
  path: string,
): Promise<ReadRecord<UserenvApplied>> {
  return await readJsonRecord(files, path, appliedSchema);
}

export async function writeUserenvApplied(
  files: FileDeps,
  path: string,
  applied: UserenvApplied,
): Promise<void> {
  await files.writeFile(path, JSON.stringify(applied) + "\n");
}

/** The variables that carry the edge's address (`http://[project@]127.0.0.1:<port>`). */
const PROXY_URL_NAMES = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"] as const;
const LOOPBACK_PROXY = /^(http:\/\/(?:[^@/\s]*@)?127\.0\.0\.1:)(\d+)(\/?)$/;

/** The edge port a recorded login environment points at, or null when it names none. */
export function loginEnvEdgePort(env: Record<string, string>): number | null {
  const m = LOOPBACK_PROXY.exec(env.HTTPS_PROXY ?? "");
  return m === null ? null : Number(m[2]);
}

/**
 * The same environment pointed at the edge on `port` (it came back on another one: port 0, or
 * a fallback when its port was taken). Only the loopback proxy URLs change.
 */
export function retargetLoginEnv(
  env: Record<string, string>,
  port: number,
): Record<string, string> {
  const out = { ...env };
  for (const name of PROXY_URL_NAMES) {
    const value = out[name];
    if (value !== undefined) out[name] = value.replace(LOOPBACK_PROXY, `$1${port}$3`);
  }
  return out;
}
