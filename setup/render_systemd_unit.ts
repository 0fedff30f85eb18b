import {
  escapeSpecifiers,
  escapeSystemdExecWord,
  escapeSystemdPath,
  quoteSystemdEnvironment,
} from "./_systemd_escape.ts";
import type { Role } from "./roles.ts";
import { roleLogPaths, type ServiceSpec } from "./service_spec.ts";

interface UnitPolicy {
  description: string;
  type: "simple" | "oneshot";
  /** Extra `[Unit]`/`[Service]` lines, including a comment when the choice needs one. */
  unit: string[];
  service: string[];
}

const POLICY: Record<Role, UnitPolicy> = {
  edge: {
    description: "Halton Meter edge: user-facing proxy port, fails open to a raw tunnel",
    type: "simple",
    // Never give up restarting the edge: apps have its port in their environment.
    unit: ["StartLimitIntervalSec=0"],
    service: ["Restart=always", "RestartSec=1"],
  },
  daemon: {
    description: "Halton Meter daemon: TLS interception, metering, HTTP API",
    type: "simple",
    unit: [],
    service: [
      "# The watchdog restarts the daemon (with backoff, honouring the graceful-stop",
      "# sentinel); a second restarter here would race it and revive a stopped daemon.",
      "Restart=no",
    ],
  },
  watchdog: {
    description: "Halton Meter watchdog: restarts the daemon, keeps the system proxy consistent",
    type: "simple",
    unit: ["StartLimitIntervalSec=0"],
    service: ["Restart=always", "RestartSec=2"],
  },
  userenv: {
    description: "Halton Meter login environment: applies the proxy environment once per login",
    type: "oneshot",
    unit: [],
    service: ["RemainAfterExit=yes"],
  },
};

/** The `systemd --user` unit for one role (`~/.config/systemd/user/halton-meter-<role>.service`). */
export function renderSystemdUnit(spec: ServiceSpec, role: Role): string {
  const policy = POLICY[role];
  const command = spec.roles[role];
  if (!command.program.startsWith("/")) {
    throw new Error(
      `Cannot render the ${role} unit: program "${command.program}" is not an absolute path; systemd requires one`,
    );
  }
  const logs = roleLogPaths(spec, role);
  const exec = [command.program, ...command.args].map((word) =>
    word === ";" ? "\\;" : escapeSystemdExecWord(word)
  );
  return [
    "# Written by halton-meter init; halton-meter uninstall removes it. Edits are overwritten.",
    "[Unit]",
    `Description=${escapeSpecifiers(policy.description)}`,
    ...policy.unit,
    "",
    "[Service]",
    `Type=${policy.type}`,
    `ExecStart=${exec.join(" ")}`,
    ...Object.entries(spec.env).map(([name, value]) =>
      `Environment=${quoteSystemdEnvironment(name, value)}`
    ),
    ...policy.service,
    `StandardOutput=append:${escapeSystemdPath(logs.stdout)}`,
    `StandardError=append:${escapeSystemdPath(logs.stderr)}`,
    "",
    "[Install]",
    "WantedBy=default.target",
    "",
  ].join("\n");
}

function shellWord(value: string): string {
  return /^[A-Za-z0-9_.@-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * Why and how to enable lingering: without it the user manager (and so the edge) only
 * runs while the user has a session, and the units start at login rather than at boot.
 */
export function lingerHint(user: string): string {
  return [
    "The Halton Meter services run under your systemd user manager, which stops when you",
    "log out and starts at login. To keep the edge up without a login session, run:",
    `  loginctl enable-linger ${shellWord(user)}`,
    "",
  ].join("\n");
}
