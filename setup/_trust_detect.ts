import { joinPath } from "./_path.ts";
import type { LinuxTrustFamily } from "./ca_trust.ts";
import type { FileDeps } from "./file_deps.ts";

const DEBIAN_IDS = new Set(["debian", "ubuntu", "linuxmint", "pop", "raspbian", "kali"]);
const FEDORA_IDS = new Set(["fedora", "rhel", "centos", "rocky", "almalinux", "amzn", "ol"]);
/** Distributions whose `update-ca-certificates` is not Debian's (other directories). */
const P11KIT_IDS = new Set(["arch", "manjaro", "endeavouros", "suse", "opensuse"]);

/** The values of `ID` and `ID_LIKE` in an os-release text, lower-case, unquoted. */
function osIds(osRelease: string): string[] {
  const ids: string[] = [];
  for (const line of osRelease.split("\n")) {
    const m = /^(ID|ID_LIKE)=(.*)$/.exec(line.trim());
    if (m) ids.push(...m[2].replace(/^["']|["']$/g, "").toLowerCase().split(/\s+/));
  }
  return ids.filter((id) => id !== "");
}

/**
 * Picks the store from `/etc/os-release` and the tools present: the distribution says
 * which mechanism is native, the tools say whether it is installed. An unknown
 * distribution falls back to whichever tool exists, Debian's first.
 */
export function parseLinuxTrustFamily(
  osRelease: string | null,
  tools: ReadonlySet<string>,
): LinuxTrustFamily {
  const ids = osIds(osRelease ?? "");
  const debian = tools.has("update-ca-certificates");
  const fedora = tools.has("update-ca-trust");
  const p11kit = tools.has("trust");
  if (ids.some((id) => DEBIAN_IDS.has(id)) && debian) return "debian";
  if (ids.some((id) => FEDORA_IDS.has(id)) && fedora) return "fedora";
  if (ids.some((id) => P11KIT_IDS.has(id)) && p11kit) return "p11kit";
  if (ids.some((id) => P11KIT_IDS.has(id))) return fedora ? "fedora" : "unsupported";
  if (debian) return "debian";
  if (fedora) return "fedora";
  return p11kit ? "p11kit" : "unsupported";
}

/** Where the trust tools live; sbin is often missing from a user's PATH. */
export const TRUST_TOOL_DIRS = [
  "/usr/local/sbin",
  "/usr/local/bin",
  "/usr/sbin",
  "/usr/bin",
  "/sbin",
  "/bin",
];

/** Reads `/etc/os-release` and looks for the trust tools, through `files`. */
export async function detectLinuxTrustFamily(opts: {
  files: FileDeps;
  osReleasePath?: string;
  toolDirs?: readonly string[];
}): Promise<LinuxTrustFamily> {
  const { files } = opts;
  const osRelease = await files.readTextFile(opts.osReleasePath ?? "/etc/os-release") ??
    await files.readTextFile("/usr/lib/os-release");
  const tools = new Set<string>();
  for (const tool of ["update-ca-certificates", "update-ca-trust", "trust"]) {
    for (const dir of opts.toolDirs ?? TRUST_TOOL_DIRS) {
      if (await files.exists(joinPath(dir, tool))) {
        tools.add(tool);
        break;
      }
    }
  }
  return parseLinuxTrustFamily(osRelease, tools);
}
