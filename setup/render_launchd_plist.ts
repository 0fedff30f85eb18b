import { escapeXml } from "./_xml_escape.ts";
import type { Role } from "./roles.ts";
import { launchdLabel } from "./service_names.ts";
import { roleLogPaths, type ServiceSpec } from "./service_spec.ts";

interface LaunchdPolicy {
  keepAlive: boolean;
  processType: "Interactive" | "Background";
  /** Seconds launchd waits before respawning; its default of 10 is too slow for the edge. */
  throttleInterval?: number;
}

// The daemon has no KeepAlive key at all: any KeepAlive value makes launchd revive it, and
// the watchdog (which honours the graceful-stop sentinel) is the only thing that should.
// The edge and the daemon sit on the request path of the user's tools, so they are
// Interactive: Background would subject them to I/O and CPU throttling.
const POLICY: Record<Role, LaunchdPolicy> = {
  edge: { keepAlive: true, processType: "Interactive", throttleInterval: 1 },
  daemon: { keepAlive: false, processType: "Interactive" },
  watchdog: { keepAlive: true, processType: "Background" },
  userenv: { keepAlive: false, processType: "Background" },
};

function str(value: string): string {
  return `<string>${escapeXml(value)}</string>`;
}

/** The LaunchAgent property list for one role (`~/Library/LaunchAgents/<label>.plist`). */
export function renderLaunchdPlist(spec: ServiceSpec, role: Role): string {
  const policy = POLICY[role];
  const command = spec.roles[role];
  const logs = roleLogPaths(spec, role);
  const lines = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">`,
    `<plist version="1.0">`,
    `<dict>`,
    `\t<key>Label</key>`,
    `\t${str(launchdLabel(role))}`,
    `\t<key>ProgramArguments</key>`,
    `\t<array>`,
    ...[command.program, ...command.args].map((arg) => `\t\t${str(arg)}`),
    `\t</array>`,
    `\t<key>EnvironmentVariables</key>`,
    `\t<dict>`,
    ...Object.entries(spec.env).flatMap(([name, value]) => [
      `\t\t<key>${escapeXml(name)}</key>`,
      `\t\t${str(value)}`,
    ]),
    `\t</dict>`,
    `\t<key>RunAtLoad</key>`,
    `\t<true/>`,
  ];
  if (policy.keepAlive) lines.push(`\t<key>KeepAlive</key>`, `\t<true/>`);
  if (policy.throttleInterval !== undefined) {
    lines.push(`\t<key>ThrottleInterval</key>`, `\t<integer>${policy.throttleInterval}</integer>`);
  }
  lines.push(
    `\t<key>ProcessType</key>`,
    `\t${str(policy.processType)}`,
    `\t<key>StandardOutPath</key>`,
    `\t${str(logs.stdout)}`,
    `\t<key>StandardErrorPath</key>`,
    `\t${str(logs.stderr)}`,
    `</dict>`,
    `</plist>`,
    ``,
  );
  return lines.join("\n");
}
