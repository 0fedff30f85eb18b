import { COMMAND_NOT_FOUND, type CommandRunner } from "./command_runner.ts";
import {
  createSetupReport,
  type SetupReport,
  type SystemProxyControl,
  type SystemProxySnapshot,
  type SystemProxyState,
} from "./machine_interfaces.ts";
import { parseGString, parseGStringArray, renderGString, renderGStringArray } from "./_gvariant.ts";

export const GNOME_PROXY_SCHEMA = "org.gnome.system.proxy";
const HTTPS = `${GNOME_PROXY_SCHEMA}.https`;
const HTTP = `${GNOME_PROXY_SCHEMA}.http`;

/** Every key full mode changes, in the order `restore` sets them back (mode last). */
const CAPTURED: ReadonlyArray<readonly [string, string]> = [
  [HTTPS, "host"],
  [HTTPS, "port"],
  [HTTP, "host"],
  [HTTP, "port"],
  [GNOME_PROXY_SCHEMA, "ignore-hosts"],
  [GNOME_PROXY_SCHEMA, "mode"],
];

export interface GsettingsValue {
  schema: string;
  key: string;
  /** Exactly what `gsettings get` printed (GVariant text), so `set` puts back the same. */
  value: string;
}

export interface GsettingsSnapshotData {
  values: GsettingsValue[];
}

/** Whether this machine has a GNOME proxy to set: `gsettings` and the schemas. */
export type GsettingsProbe = { ok: true } | { ok: false; detail: string };

function isSnapshotData(v: unknown): v is GsettingsSnapshotData {
  const values = (v as { values?: unknown })?.values;
  return Array.isArray(values) && values.every((x) => {
    const o = x as Record<string, unknown>;
    return typeof o?.schema === "string" && typeof o.key === "string" &&
      typeof o.value === "string" && CAPTURED.some(([s, k]) => s === o.schema && k === o.key);
  });
}

/** Adds what the edge must never be asked for; `127.0.0.0/8` already covers 127.0.0.1. */
export function withLoopback(hosts: readonly string[]): string[] {
  const out = [...hosts];
  if (!out.includes("localhost")) out.push("localhost");
  if (!out.includes("127.0.0.1") && !out.includes("127.0.0.0/8")) out.push("127.0.0.0/8");
  if (!out.includes("::1")) out.push("::1");
  return out;
}

/**
 * Linux full mode through GNOME's `org.gnome.system.proxy` (read by GNOME, and by Chromium
 * and Firefox with "use system proxy" on a GNOME desktop). Where `gsettings` or the schema
 * is missing there is no desktop proxy to set: every method says so as a `skipped` step,
 * `capture` records backend `none`, `state` is `off`, and `backend` reads `none` once the
 * probe has run. `gsettings set` exits 0 even when dconf cannot store the change (no
 * D-Bus session), so `enable` reads the mode back before it reports success.
 */
export function gsettingsControl(runner: CommandRunner): SystemProxyControl {
  let probed: Promise<GsettingsProbe> | null = null;
  let available: boolean | null = null;

  function probe(): Promise<GsettingsProbe> {
    probed ??= (async (): Promise<GsettingsProbe> => {
      const r = await runner.run("gsettings", ["list-schemas"]);
      if (r.code === COMMAND_NOT_FOUND) {
        return { ok: false, detail: "gsettings is not installed: no desktop proxy to set" };
      }
      if (r.code !== 0) {
        return {
          ok: false,
          detail: `gsettings list-schemas failed: exit ${r.code} ${r.stderr.trim()}`,
        };
      }
      const schemas = new Set(r.stdout.split(/\r?\n/).map((l) => l.trim()));
      const missing = [GNOME_PROXY_SCHEMA, HTTPS, HTTP].filter((s) => !schemas.has(s));
      return missing.length === 0 ? { ok: true } : {
        ok: false,
        detail: `the GSettings schema ${
          missing.join(", ")
        } is not installed (no GNOME desktop): no desktop proxy to set`,
      };
    })().then((p) => {
      available = p.ok;
      return p;
    });
    return probed;
  }

  async function get(schema: string, key: string): Promise<string> {
    const r = await runner.run("gsettings", ["get", schema, key]);
    if (r.code !== 0) {
      throw new Error(`gsettings get ${schema} ${key} failed: exit ${r.code} ${r.stderr.trim()}`);
    }
    return r.stdout.trim();
  }

  /** Sets in order; stops at the first refusal. Returns null or the failure. */
  async function setAll(values: ReadonlyArray<readonly [string, string, string]>) {
    for (const [schema, key, value] of values) {
      const r = await runner.run("gsettings", ["set", schema, key, value]);
      if (r.code !== 0) {
        return {
          detail: `gsettings set ${schema} ${key} failed: exit ${r.code} ${r.stderr.trim()}`,
          command: `gsettings set ${schema} ${key} "${value}"`,
        };
      }
    }
    return null;
  }

  async function guarded(
    action: string,
    f: (report: ReturnType<typeof createSetupReport>) => Promise<void>,
  ): Promise<SetupReport> {
    const report = createSetupReport();
    const p = await probe();
    if (!p.ok) {
      report.add({ action, outcome: "skipped", detail: p.detail });
      return report.done();
    }
    try {
      await f(report);
    } catch (err) {
      report.add({ action, outcome: "failed", detail: (err as Error).message });
    }
    return report.done();
  }

  return {
    get backend() {
      return available === false ? "none" : "gsettings";
    },
    async capture(): Promise<SystemProxySnapshot> {
      const p = await probe();
      if (!p.ok) return { backend: "none", data: { detail: p.detail } };
      const values: GsettingsValue[] = [];
      for (const [schema, key] of CAPTURED) {
        values.push({ schema, key, value: await get(schema, key) });
      }
      return { backend: "gsettings", data: { values } satisfies GsettingsSnapshotData };
    },
    enable(edgePort) {
      return guarded("system proxy on (gsettings)", async (report) => {
        const hosts = parseGStringArray(await get(GNOME_PROXY_SCHEMA, "ignore-hosts")) ?? [];
        const ignore = withLoopback(hosts);
        const host = renderGString("127.0.0.1");
        const failed = await setAll([
          [HTTPS, "host", host],
          [HTTPS, "port", String(edgePort)],
          [HTTP, "host", host],
          [HTTP, "port", String(edgePort)],
          ...(ignore.length === hosts.length
            ? []
            : [[GNOME_PROXY_SCHEMA, "ignore-hosts", renderGStringArray(ignore)] as const]),
          [GNOME_PROXY_SCHEMA, "mode", renderGString("manual")],
        ]);
        const mode = failed === null ? parseGString(await get(GNOME_PROXY_SCHEMA, "mode")) : null;
        if (failed === null && mode !== "manual") {
          report.add({
            action: "system proxy on (gsettings)",
            outcome: "failed",
            detail:
              `gsettings accepted the change but mode reads back ${mode}: the settings backend did not store it (no D-Bus session?); run halton-meter init from the desktop session`,
          });
          return;
        }
        report.add({
          action: "system proxy on (gsettings)",
          outcome: failed === null ? "done" : "failed",
          detail: failed?.detail ??
            `mode manual, HTTPS and HTTP proxy 127.0.0.1:${edgePort}, ignore-hosts ${
              ignore.join(" ")
            }`,
          ...(failed === null ? {} : { command: failed.command }),
        });
      });
    },
    disable() {
      return guarded("system proxy off (gsettings)", async (report) => {
        const failed = await setAll([[GNOME_PROXY_SCHEMA, "mode", renderGString("none")]]);
        report.add({
          action: "system proxy off (gsettings)",
          outcome: failed === null ? "done" : "failed",
          detail: failed?.detail ?? "mode none",
          ...(failed === null ? {} : { command: failed.command }),
        });
      });
    },
    restore(snapshot) {
      return guarded("system proxy restore (gsettings)", async (report) => {
        if (snapshot.backend !== "gsettings" || !isSnapshotData(snapshot.data)) {
          report.add({
            action: "system proxy restore (gsettings)",
            outcome: snapshot.backend === "none" ? "skipped" : "failed",
            detail: snapshot.backend === "none"
              ? "nothing was captured before init (no desktop proxy then)"
              : `the saved snapshot is not a gsettings snapshot (backend ${snapshot.backend}); set the proxy back in Settings > Network > Network Proxy`,
          });
          return;
        }
        const failed = await setAll(snapshot.data.values.map((v) => [v.schema, v.key, v.value]));
        report.add({
          action: "system proxy restore (gsettings)",
          outcome: failed === null ? "done" : "failed",
          detail: failed?.detail ??
            snapshot.data.values.map((v) => `${v.schema} ${v.key}=${v.value}`).join(", "),
          ...(failed === null ? {} : { command: failed.command }),
        });
      });
    },
    async state(edgePort): Promise<SystemProxyState> {
      try {
        if (!(await probe()).ok) return "off";
        const mode = parseGString(await get(GNOME_PROXY_SCHEMA, "mode"));
        if (mode === "none") return "off";
        if (mode !== "manual") return mode === "auto" ? "foreign" : "unknown";
        const host = parseGString(await get(HTTPS, "host"));
        const port = Number(await get(HTTPS, "port"));
        return host === "127.0.0.1" && port === edgePort ? "on" : "foreign";
      } catch {
        return "unknown";
      }
    },
  };
}
