import { z } from "zod";
import type { FileDeps } from "./file_deps.ts";
import { readJsonRecord } from "./read_json_record.ts";
import type { SystemProxySnapshot } from "./machine_interfaces.ts";

/**
 * `system_state.json`: what the machine looked like before `init` first touched it, and
 * everything init has changed since, so `uninstall` (and `init --clean`) can put it back.
 * It is merged on every run, never replaced: the snapshot taken before the first init stays
 * the one uninstall restores, even after several mode switches.
 */
export interface SystemState {
  version: 1;
  /** When the first init wrote this file (ISO time). */
  created_at: string;
  updated_at: string;
  /** The OS proxy settings before init first enabled the system proxy; null when never captured. */
  system_proxy: SystemProxySnapshot | null;
  /** Files the login environment created (they did not exist before); uninstall deletes them when empty. */
  files_created: string[];
  /** certifi bundles init appended its block to. */
  certifi_bundles: string[];
  /**
   * The CA files init added to the OS trust store, with the store's description and the
   * certificate itself (`ca_pem`, absent in records from older versions): with the file gone,
   * uninstall still knows what to take out of the store, and init what to restore.
   */
  trust: { ca_path: string; store: string; ca_pem?: string }[];
  /** Service backends init installed entries with (`direct`, `systemd`, ...). */
  service_backends: string[];
}

const stateSchema = z.object({
  version: z.literal(1),
  created_at: z.string(),
  updated_at: z.string(),
  system_proxy: z.object({ backend: z.string(), data: z.unknown() }).nullable(),
  files_created: z.array(z.string()),
  certifi_bundles: z.array(z.string()),
  trust: z.array(
    z.object({ ca_path: z.string(), store: z.string(), ca_pem: z.string().optional() }),
  ),
  service_backends: z.array(z.string()),
});

/** What one run changed; merged into the stored state. */
export type SystemStateChanges = Partial<
  Pick<
    SystemState,
    "system_proxy" | "files_created" | "certifi_bundles" | "trust" | "service_backends"
  >
>;

export function emptySystemState(nowIso: string): SystemState {
  return {
    version: 1,
    created_at: nowIso,
    updated_at: nowIso,
    system_proxy: null,
    files_created: [],
    certifi_bundles: [],
    trust: [],
    service_backends: [],
  };
}

function union<T>(a: readonly T[], b: readonly T[], key: (t: T) => string): T[] {
  const seen = new Set(a.map(key));
  const out = [...a];
  for (const item of b) {
    if (!seen.has(key(item))) {
      seen.add(key(item));
      out.push(item);
    }
  }
  return out;
}

/**
 * Adds `changes` to `state`. Lists are unions (first occurrence kept); a proxy snapshot is
 * kept once taken, because the first one is the pre-init state uninstall must restore.
 */
export function mergeSystemState(
  state: SystemState,
  changes: SystemStateChanges,
  nowIso: string,
): SystemState {
  const id = (s: string) => s;
  return {
    ...state,
    updated_at: nowIso,
    system_proxy: state.system_proxy ?? changes.system_proxy ?? null,
    files_created: union(state.files_created, changes.files_created ?? [], id),
    certifi_bundles: union(state.certifi_bundles, changes.certifi_bundles ?? [], id),
    trust: union(state.trust, changes.trust ?? [], (t) => `${t.store}\n${t.ca_path}`).map((t) => {
      // The certificate last trusted there is the one to know (a rotated CA replaces it).
      const newer = changes.trust?.find((c) => c.store === t.store && c.ca_path === t.ca_path);
      return newer?.ca_pem === undefined ? t : { ...t, ca_pem: newer.ca_pem };
    }),
    service_backends: union(state.service_backends, changes.service_backends ?? [], id),
  };
}

export type ReadSystemState =
  | { kind: "missing" }
  | { kind: "found"; state: SystemState }
  | { kind: "invalid"; message: string };

/** Reads and validates the file; a damaged file is data so callers can say what to do. */
export async function readSystemState(files: FileDeps, path: string): Promise<ReadSystemState> {
  const read = await readJsonRecord(files, path, stateSchema, "; fix or delete it");
  return read.kind === "found" ? { kind: "found", state: read.value as SystemState } : read;
}

/** Writes the state, 0600: it may name proxy hosts and paths in the home directory. */
export async function writeSystemState(
  files: FileDeps,
  path: string,
  state: SystemState,
): Promise<void> {
  await files.writeFile(path, JSON.stringify(state, null, 2) + "\n", { mode: 0o600 });
}
