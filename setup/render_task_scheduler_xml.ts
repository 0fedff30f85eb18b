import { quoteWindowsArg } from "./_windows_quote.ts";
import { escapeXml } from "./_xml_escape.ts";
import type { Role } from "./roles.ts";
import { scheduledTaskName } from "./service_names.ts";
import type { ServiceSpec } from "./service_spec.ts";

interface TaskPolicy {
  description: string;
  restartOnFailure: boolean;
  /** 4 is normal priority; 7 (the Task Scheduler default) is below normal. */
  priority: number;
}

const POLICY: Record<Role, TaskPolicy> = {
  edge: {
    description: "Halton Meter edge: user-facing proxy port, fails open to a raw tunnel",
    restartOnFailure: true,
    priority: 4,
  },
  // As with launchd and systemd, the watchdog alone restarts the daemon.
  daemon: {
    description: "Halton Meter daemon: TLS interception, metering, HTTP API",
    restartOnFailure: false,
    priority: 4,
  },
  watchdog: {
    description: "Halton Meter watchdog: restarts the daemon, keeps the system proxy consistent",
    restartOnFailure: true,
    priority: 7,
  },
  userenv: {
    description: "Halton Meter login environment: applies the proxy environment once per login",
    restartOnFailure: false,
    priority: 7,
  },
};

function refuseExpansion(value: string): string {
  // Task Scheduler expands %NAME% in Command and Arguments, and has no escape for it.
  if (/%[^%\s]+%/.test(value)) {
    throw new Error(
      `Cannot write ${
        JSON.stringify(value)
      } into a scheduled task: Task Scheduler would expand its %...% part; use a path without percent signs`,
    );
  }
  return value;
}

/**
 * The Task Scheduler definition for one role. The declaration says UTF-16, which is what
 * `schtasks /Create /XML` reliably accepts: write the string with `encodeTaskXml`.
 * Task Scheduler cannot set environment variables for an action, so `spec.env` does not
 * appear here.
 */
export function renderTaskSchedulerXml(spec: ServiceSpec, role: Role): string {
  if (spec.user === undefined || spec.user === "") {
    throw new Error(
      `Cannot render the ${role} scheduled task: the spec has no user; pass the account (DOMAIN\\user) as ServiceSpec.user`,
    );
  }
  const policy = POLICY[role];
  const command = spec.roles[role];
  const user = escapeXml(spec.user);
  const args = command.args.map((arg) => quoteWindowsArg(refuseExpansion(arg))).join(" ");
  const restart = policy.restartOnFailure
    ? [
      "    <RestartOnFailure>",
      "      <Interval>PT1M</Interval>",
      "      <Count>999</Count>",
      "    </RestartOnFailure>",
    ]
    : [];
  return [
    `<?xml version="1.0" encoding="UTF-16"?>`,
    `<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">`,
    "  <RegistrationInfo>",
    "    <Author>Halton Meter</Author>",
    `    <Description>${escapeXml(policy.description)}</Description>`,
    `    <URI>\\${escapeXml(scheduledTaskName(role))}</URI>`,
    "  </RegistrationInfo>",
    "  <Triggers>",
    "    <LogonTrigger>",
    "      <Enabled>true</Enabled>",
    `      <UserId>${user}</UserId>`,
    "    </LogonTrigger>",
    "  </Triggers>",
    "  <Principals>",
    `    <Principal id="Author">`,
    `      <UserId>${user}</UserId>`,
    "      <LogonType>InteractiveToken</LogonType>",
    "      <RunLevel>LeastPrivilege</RunLevel>",
    "    </Principal>",
    "  </Principals>",
    "  <Settings>",
    "    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>",
    "    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>",
    "    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>",
    "    <AllowHardTerminate>true</AllowHardTerminate>",
    "    <StartWhenAvailable>true</StartWhenAvailable>",
    "    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>",
    "    <IdleSettings>",
    "      <StopOnIdleEnd>false</StopOnIdleEnd>",
    "      <RestartOnIdle>false</RestartOnIdle>",
    "    </IdleSettings>",
    "    <AllowStartOnDemand>true</AllowStartOnDemand>",
    "    <Enabled>true</Enabled>",
    "    <Hidden>true</Hidden>",
    "    <RunOnlyIfIdle>false</RunOnlyIfIdle>",
    "    <WakeToRun>false</WakeToRun>",
    "    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>",
    `    <Priority>${policy.priority}</Priority>`,
    ...restart,
    "  </Settings>",
    `  <Actions Context="Author">`,
    "    <Exec>",
    `      <Command>${escapeXml(refuseExpansion(command.program))}</Command>`,
    `      <Arguments>${escapeXml(args)}</Arguments>`,
    "    </Exec>",
    "  </Actions>",
    "</Task>",
    "",
  ].join("\n");
}

/** UTF-16LE with a byte-order mark, matching the declaration `renderTaskSchedulerXml` writes. */
export function encodeTaskXml(xml: string): Uint8Array {
  const out = new Uint8Array(2 + xml.length * 2);
  out[0] = 0xff;
  out[1] = 0xfe;
  for (let i = 0; i < xml.length; i++) {
    const unit = xml.charCodeAt(i);
    out[2 + i * 2] = unit & 0xff;
    out[3 + i * 2] = unit >> 8;
  }
  return out;
}
