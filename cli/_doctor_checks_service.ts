/**
 * Service entries: for each role, is the entry the service manager runs present, and does
 * it start this very binary? Native backends: `backend.entryFile(spec, role)` rendered for
 * the running code, compared with the file on disk. Direct backend: the stored spec's
 * launch commands compared with `launchCommand(role, <this binary>)`.
 */
import {
  createServiceSpec,
  directBackendFiles,
  launchCommand,
  type LaunchContext,
  ROLES,
  type ServiceBackend,
  serviceSpecSchema,
} from "../setup/mod.ts";
import { check, type DoctorCheck } from "./doctor_check.ts";

export interface ServiceCheckDeps {
  backend: ServiceBackend | null;
  launch: LaunchContext;
  /** The account a Task Scheduler entry is for (`DOMAIN\\user`); other backends ignore it. */
  serviceUser?: string;
  /** The init that keeps the install's mode (`initCommandFor`); default plain init. */
  initCommand?: string;
}

function readEntry(path: string): string | null {
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(path);
  } catch {
    return null;
  }
  // Task Scheduler XML is stored UTF-16LE with a BOM.
  if (bytes[0] === 0xff && bytes[1] === 0xfe) {
    return new TextDecoder("utf-16le").decode(bytes.subarray(2));
  }
  return new TextDecoder().decode(bytes);
}

/** How the running code is started: the binary, plus `main.ts` from a source checkout. */
function thisBinary(launch: LaunchContext): string[] {
  const cmd = launchCommand("daemon", launch);
  return launch.compiled ? [cmd.program] : [cmd.program, cmd.args[cmd.args.length - 3]];
}

export function serviceChecks(home: string, deps: ServiceCheckDeps): DoctorCheck[] {
  const { backend } = deps;
  const reinstall = `${
    deps.initCommand ?? "halton-meter init"
  }  # rewrites the service entries for this binary`;
  if (backend === null) {
    return [check("service.entries", "SKIP", "no service manager could be determined")];
  }
  if (backend.name === "direct") return directChecks(home, deps.launch, reinstall);
  const spec = createServiceSpec({ home, launch: deps.launch, user: deps.serviceUser });
  const ours = thisBinary(deps.launch);
  return ROLES.map((role) => {
    const id = `service.${role}`;
    let entry;
    try {
      entry = backend.entryFile(spec, role);
    } catch (err) {
      return check(
        id,
        "SKIP",
        `cannot render the ${backend.name} entry: ${(err as Error).message}`,
      );
    }
    if (entry === null) return check(id, "SKIP", `${backend.name} has no entry file`);
    const onDisk = readEntry(entry.path);
    if (onDisk === null) {
      return check(id, "FAIL", `${entry.path} is missing (${backend.name})`, reinstall);
    }
    if (onDisk === entry.content) return check(id, "PASS", `${entry.path} runs this binary`);
    if (ours.every((part) => onDisk.includes(part))) {
      return check(
        id,
        "WARN",
        `${entry.path} runs this binary but differs from what this build writes (edited, or an older version)`,
        reinstall,
      );
    }
    return check(
      id,
      "FAIL",
      `${entry.path} does not run this binary (${ours.join(" ")}): an old install or another copy`,
      reinstall,
    );
  });
}

function directChecks(home: string, launch: LaunchContext, reinstall: string): DoctorCheck[] {
  const specPath = directBackendFiles(home).spec;
  let text: string;
  try {
    text = Deno.readTextFileSync(specPath);
  } catch {
    return [check(
      "service.entries",
      "WARN",
      `no service entries (no ${specPath}): roles run from halton-meter up or by hand, and nothing starts them at login`,
      reinstall,
    )];
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return [check(
      "service.entries",
      "FAIL",
      `${specPath} is not JSON: ${(err as Error).message}`,
      reinstall,
    )];
  }
  const parsed = serviceSpecSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return [check(
      "service.entries",
      "FAIL",
      `${specPath}: "${issue?.path.join(".")}" ${issue?.message}`,
      reinstall,
    )];
  }
  return ROLES.map((role) => {
    const stored = parsed.data.roles[role];
    const want = launchCommand(role, launch);
    const shown = [stored.program, ...stored.args].join(" ");
    return stored.program === want.program && stored.args.join("\0") === want.args.join("\0")
      ? check(`service.${role}`, "PASS", `direct: ${shown}`)
      : check(
        `service.${role}`,
        "FAIL",
        `direct spec starts ${shown}, not this binary (${[want.program, ...want.args].join(" ")})`,
        reinstall,
      );
  });
}
