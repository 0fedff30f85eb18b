export interface Ports {
  edge: number;
  internal: number;
  api: number;
}

export const DEFAULT_PORTS: Ports = { edge: 8081, internal: 8090, api: 8765 };

function isPort(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v > 0 && v < 65536;
}

/**
 * Reads `effective-ports.json`. Missing file or missing keys give `undefined`
 * entries: a component that is not running simply has no port yet.
 */
export function readEffectivePorts(path: string): Partial<Ports> {
  let raw: unknown;
  try {
    raw = JSON.parse(Deno.readTextFileSync(path));
  } catch {
    return {};
  }
  if (typeof raw !== "object" || raw === null) return {};
  const out: Partial<Ports> = {};
  for (const key of ["edge", "internal", "api"] as const) {
    const v = (raw as Record<string, unknown>)[key];
    if (isPort(v)) out[key] = v;
  }
  return out;
}

/**
 * Merges `update` into `effective-ports.json` atomically (temp file + rename).
 * Roles start concurrently, so after writing we re-read and retry if another
 * role's write replaced ours.
 */
export function updateEffectivePorts(path: string, update: Partial<Ports>): void {
  for (let attempt = 0; attempt < 5; attempt++) {
    const merged = { ...readEffectivePorts(path), ...update };
    const tmp = `${path}.${Deno.pid}.${attempt}.tmp`;
    Deno.writeTextFileSync(tmp, JSON.stringify(merged) + "\n");
    Deno.renameSync(tmp, path);
    const now = readEffectivePorts(path);
    const ok = Object.entries(update).every(([k, v]) => now[k as keyof Ports] === v);
    if (ok) return;
  }
  throw new Error(`Cannot update ${path}: concurrent writers kept replacing it; retry the start`);
}
