import type { CommandRunner } from "./command_runner.ts";
import {
  createSetupReport,
  type SetupReport,
  type SystemProxyControl,
  type SystemProxySnapshot,
  type SystemProxyState,
} from "./machine_interfaces.ts";

/** One proxy kind of one service as `-getwebproxy` / `-getsecurewebproxy` print it. */
export interface NetworksetupProxy {
  enabled: boolean;
  server: string;
  port: number;
}

export interface NetworksetupService {
  name: string;
  secure: NetworksetupProxy;
  web: NetworksetupProxy;
  /** `-getproxybypassdomains`, in order; empty when none are set. */
  bypass: string[];
}

export interface NetworksetupSnapshotData {
  services: NetworksetupService[];
}

export const LOOPBACK_BYPASS = ["localhost", "127.0.0.1", "::1"];
const NS = "networksetup";

/**
 * `-listallnetworkservices`: the first line explains the asterisk; a name starting with
 * `*` is a disabled service. Names may contain spaces (`USB 10/100/1000 LAN`).
 */
export function parseServiceList(stdout: string): string[] {
  return stdout.split(/\r?\n/)
    .filter((line) => line.trim() !== "" && !/^An asterisk \(\*\)/.test(line))
    .filter((line) => !line.startsWith("*"));
}

/** `Enabled: Yes` / `Server: 127.0.0.1` / `Port: 8081` / `Authenticated Proxy Enabled: 0`. */
export function parseProxy(stdout: string): NetworksetupProxy | null {
  const field = (name: string) => new RegExp(`^${name}: ?(.*)$`, "m").exec(stdout)?.[1]?.trim();
  const enabled = field("Enabled");
  const port = Number(field("Port") ?? "0");
  if (enabled === undefined) return null;
  return {
    enabled: enabled === "Yes",
    server: field("Server") ?? "",
    port: Number.isInteger(port) ? port : 0,
  };
}

/** One domain per line, or `There aren't any bypass domains set on <svc>.` */
export function parseBypass(stdout: string): string[] {
  if (/There aren't any bypass domains/.test(stdout)) return [];
  return stdout.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "");
}

function isProxy(v: unknown): v is NetworksetupProxy {
  const o = v as Record<string, unknown>;
  return typeof v === "object" && v !== null && typeof o.enabled === "boolean" &&
    typeof o.server === "string" && typeof o.port === "number";
}

function isSnapshotData(v: unknown): v is NetworksetupSnapshotData {
  const services = (v as { services?: unknown })?.services;
  return Array.isArray(services) && services.every((s) => {
    const o = s as Record<string, unknown>;
    return typeof o?.name === "string" && isProxy(o.secure) && isProxy(o.web) &&
      Array.isArray(o.bypass) && o.bypass.every((d) => typeof d === "string");
  });
}

/**
 * macOS full mode through `networksetup`. Every enabled network service is configured, not
 * only the one with an address right now: a laptop that moves from Wi-Fi to Ethernet stays
 * covered, and the snapshot covers every service we touch, so `restore` is exact. The
 * state read back (`state`, the watchdog) is the HTTPS proxy, the one tools use for API
 * traffic. A proxy that had no server before cannot be given an empty server again;
 * `restore` turns it off, which is what it was.
 */
export function networksetupControl(runner: CommandRunner): SystemProxyControl {
  async function ns(args: string[]): Promise<{ ok: boolean; out: string; err: string }> {
    const r = await runner.run(NS, args);
    return { ok: r.code === 0, out: r.stdout, err: `exit ${r.code} ${r.stderr.trim()}` };
  }

  async function services(): Promise<string[]> {
    const r = await ns(["-listallnetworkservices"]);
    if (!r.ok) throw new Error(`Cannot list network services: networksetup ${r.err}`);
    return parseServiceList(r.out);
  }

  async function readService(name: string): Promise<NetworksetupService> {
    const secure = await ns(["-getsecurewebproxy", name]);
    const web = await ns(["-getwebproxy", name]);
    const bypass = await ns(["-getproxybypassdomains", name]);
    const s = parseProxy(secure.out);
    const w = parseProxy(web.out);
    if (!secure.ok || !web.ok || !bypass.ok || s === null || w === null) {
      throw new Error(
        `Cannot read the proxy settings of network service "${name}": networksetup ${
          [secure, web, bypass].find((r) => !r.ok)?.err ?? "printed no Enabled: line"
        }`,
      );
    }
    return { name, secure: s, web: w, bypass: parseBypass(bypass.out) };
  }

  /** Runs the commands in order; one step per service. */
  async function apply(
    report: ReturnType<typeof createSetupReport>,
    action: string,
    service: string,
    calls: string[][],
    detail: string,
  ): Promise<void> {
    for (const args of calls) {
      const r = await ns(args);
      if (!r.ok) {
        const command = [NS, ...args.map((a) => (/\s/.test(a) ? `"${a}"` : a))].join(" ");
        report.add({
          action: `${action} "${service}"`,
          outcome: "failed",
          detail: `networksetup ${
            args[0]
          } ${r.err}; macOS may need an administrator: run the command with sudo`,
          command: `sudo ${command}`,
        });
        return;
      }
    }
    report.add({ action: `${action} "${service}"`, outcome: "done", detail });
  }

  async function each(
    action: string,
    f: (report: ReturnType<typeof createSetupReport>, svc: string) => Promise<void>,
  ): Promise<SetupReport> {
    const report = createSetupReport();
    try {
      const list = await services();
      if (list.length === 0) {
        report.add({ action, outcome: "skipped", detail: "no enabled network service" });
      }
      for (const svc of list) await f(report, svc);
    } catch (err) {
      report.add({ action, outcome: "failed", detail: (err as Error).message });
    }
    return report.done();
  }

  return {
    backend: NS,
    async capture(): Promise<SystemProxySnapshot> {
      const list = await services();
      const data: NetworksetupSnapshotData = { services: [] };
      for (const name of list) data.services.push(await readService(name));
      return { backend: NS, data };
    },
    enable(edgePort) {
      return each("system proxy on", async (report, svc) => {
        const bypass = parseBypass((await ns(["-getproxybypassdomains", svc])).out);
        const missing = LOOPBACK_BYPASS.filter((d) => !bypass.includes(d));
        const port = String(edgePort);
        await apply(
          report,
          "system proxy on",
          svc,
          [
            ["-setsecurewebproxy", svc, "127.0.0.1", port],
            ["-setwebproxy", svc, "127.0.0.1", port],
            ...(missing.length === 0
              ? []
              : [["-setproxybypassdomains", svc, ...bypass, ...missing]]),
          ],
          `HTTPS and HTTP proxy 127.0.0.1:${edgePort}; bypass ${[...bypass, ...missing].join(" ")}`,
        );
      });
    },
    disable() {
      return each("system proxy off", (report, svc) =>
        apply(report, "system proxy off", svc, [
          ["-setsecurewebproxystate", svc, "off"],
          ["-setwebproxystate", svc, "off"],
        ], "HTTPS and HTTP proxy off"));
    },
    async restore(snapshot) {
      const report = createSetupReport();
      if (snapshot.backend !== NS || !isSnapshotData(snapshot.data)) {
        report.add({
          action: "system proxy restore",
          outcome: "failed",
          detail:
            `the saved snapshot is not a networksetup snapshot (backend ${snapshot.backend}); restore the proxy in System Settings > Network > Proxies`,
        });
        return report.done();
      }
      for (const s of snapshot.data.services) {
        const calls: string[][] = [];
        for (const [kind, p] of [["securewebproxy", s.secure], ["webproxy", s.web]] as const) {
          if (p.server !== "") calls.push([`-set${kind}`, s.name, p.server, String(p.port)]);
          // `-set...proxy` switches the proxy on; an off proxy is switched off again.
          if (!p.enabled || p.server === "") calls.push([`-set${kind}state`, s.name, "off"]);
        }
        calls.push(["-setproxybypassdomains", s.name, ...(s.bypass.length ? s.bypass : ["Empty"])]);
        await apply(report, "system proxy restore", s.name, calls, "as captured before init");
      }
      return report.done();
    },
    async state(edgePort): Promise<SystemProxyState> {
      try {
        const list = await services();
        let ours = 0;
        for (const svc of list) {
          const r = await ns(["-getsecurewebproxy", svc]);
          const p = parseProxy(r.out);
          if (!r.ok || p === null) return "unknown";
          if (!p.enabled) continue;
          if (p.server === "127.0.0.1" && p.port === edgePort) ours++;
          else return "foreign";
        }
        return ours > 0 ? "on" : "off";
      } catch {
        return "unknown";
      }
    },
  };
}
