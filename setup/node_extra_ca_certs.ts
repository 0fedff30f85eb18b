import { denoStateFileFs, ensureStateFile, type StateFileFs } from "./ensure_state_file.ts";
import { joinPath } from "./_path.ts";

export interface NodeExtraCaCertsInput {
  home: string;
  /** The Halton Meter CA alone (`ca/halton-meter-ca.pem`). */
  caPath: string;
  /** The command's own `NODE_EXTRA_CA_CERTS`, if it has one. */
  userValue: string | undefined;
  fs?: StateFileFs;
}

export interface NodeExtraCaCerts {
  /** What `NODE_EXTRA_CA_CERTS` must be for the command. */
  path: string;
  /** Set when the user's file could not be used: say it, the command runs anyway. */
  warning?: string;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The `NODE_EXTRA_CA_CERTS` a metered command gets. Node reads ONE file there, so a user's
 * own value (a corporate root, a dev CA) is not replaced by our CA: their certificates and
 * ours are written to `<home>/node/extra-ca-certs-<hash>.pem` (named by content, so runs
 * with different files never overwrite each other's, and an unchanged file is written once)
 * and the command points at that. A file that already holds our CA (a nested `run`, or one
 * the user combined) is used as it is. A file that cannot be read is reported and replaced
 * by our CA, as Node would have ignored it too.
 */
export async function nodeExtraCaCerts(input: NodeExtraCaCertsInput): Promise<NodeExtraCaCerts> {
  const user = input.userValue;
  if (user === undefined || user === "" || user === input.caPath) return { path: input.caPath };
  const fs = input.fs ?? denoStateFileFs;
  const ours = await fs.readTextFile(input.caPath);
  if (ours === null) throw new Error(`Cannot combine CA files: ${input.caPath} does not exist`);
  let theirs: string | null;
  try {
    theirs = await fs.readTextFile(user);
  } catch (err) {
    return {
      path: input.caPath,
      warning: `NODE_EXTRA_CA_CERTS=${user} cannot be read (${
        err instanceof Error ? err.message : err
      }); the command gets Halton Meter's CA alone there`,
    };
  }
  if (theirs === null) {
    return {
      path: input.caPath,
      warning:
        `NODE_EXTRA_CA_CERTS=${user} does not exist; the command gets Halton Meter's CA alone there`,
    };
  }
  if (theirs.includes(ours.trim())) return { path: user };
  const content = `${theirs.trimEnd()}\n${ours.trimEnd()}\n`;
  const name = `extra-ca-certs-${(await sha256Hex(content)).slice(0, 16)}.pem`;
  const dir = joinPath(input.home, "node");
  await ensureStateFile(dir, name, content, { fs });
  return { path: joinPath(dir, name) };
}
