import { buildCaCertPem } from "./_build_certs.ts";
import { caPaths } from "./_ca_paths.ts";
import { certMatchesKey, forge, generateRsaKeyPem } from "./_forge.ts";
import { writeFileAtomic } from "../../core/mod.ts";
import { CaError } from "./ca_error.ts";

/** The CA as loaded from (or just written to) `<home>/ca`. */
export interface CaMaterial {
  dir: string;
  certPath: string;
  keyPath: string;
  /** Where `writeCaBundle` puts system roots + this CA. */
  bundlePath: string;
  certPem: string;
  keyPem: string;
  /** True when this call generated the CA (it must now be trusted by clients). */
  created: boolean;
}

export interface EnsureCaDeps {
  now?: () => number;
  /** RSA-2048 private key as PEM; native keygen by default. */
  generateKeyPem?: () => Promise<string>;
}

// How long a caller that lost the creation race waits for the winner's certificate file.
const RACE_WAIT_MS = 3000;
const RACE_POLL_MS = 50;

/**
 * Loads the CA from `<home>/ca`, creating it only when both files are missing. Never
 * overwrites: a half-present or inconsistent CA is a `CaError` telling the user what to do.
 * Re-tightens permissions (dir 0700, key 0600) on every call.
 */
export async function ensureCa(home: string, deps: EnsureCaDeps = {}): Promise<CaMaterial> {
  const now = deps.now ?? Date.now;
  const paths = caPaths(home);
  await Deno.mkdir(paths.dir, { recursive: true, mode: 0o700 });
  await tighten(paths.dir, 0o700);

  let created = false;
  let found = await readPair(paths);
  if (found.certPem === undefined && found.keyPem === undefined) {
    const keyPem = await (deps.generateKeyPem ?? generateRsaKeyPem)();
    const certPem = buildCaCertPem(keyPem, now());
    created = await publishNewCa(paths, certPem, keyPem);
    found = created ? { certPem, keyPem } : await waitForCert(paths);
  }

  if (found.keyPem !== undefined) await tighten(paths.keyPath, 0o600);
  const { certPem, keyPem } = found;
  if (certPem === undefined || keyPem === undefined) {
    const [present, missing] = certPem === undefined
      ? [paths.keyPath, paths.certPath]
      : [paths.certPath, paths.keyPath];
    throw new CaError(
      "ca-incomplete",
      `Cannot load the Halton Meter CA: ${present} exists but ${missing} is missing. ` +
        `The CA is never regenerated automatically because clients already trust it. ` +
        `Restore ${missing} from a backup, or run \`halton-meter uninstall\`, move ${paths.dir} aside ` +
        `and run \`halton-meter init\` again to create and trust a new CA (uninstall keeps ${paths.dir}).`,
    );
  }
  validatePair(paths, certPem, keyPem, now());
  return { ...paths, certPem, keyPem, created };
}

type Paths = ReturnType<typeof caPaths>;

interface Pair {
  certPem?: string;
  keyPem?: string;
}

async function readPair(paths: Paths): Promise<Pair> {
  return { certPem: await readIfExists(paths.certPath), keyPem: await readIfExists(paths.keyPath) };
}

/**
 * Publishes a freshly generated pair without ever replacing existing files. Returns false
 * when another process created the CA first (its files are then the ones to use).
 */
async function publishNewCa(paths: Paths, certPem: string, keyPem: string): Promise<boolean> {
  // Key first: a lone key is the state a caller that lost a concurrent creation waits out.
  if (!await writeFileAtomic(paths.keyPath, keyPem, { mode: 0o600, noClobber: true })) {
    return false;
  }
  try {
    return await writeFileAtomic(paths.certPath, certPem, { mode: 0o644, noClobber: true });
  } catch (err) {
    // Do not strand the key we just published (a lone key needs the user to step in).
    await Deno.remove(paths.keyPath).catch(() => {});
    throw new Error(
      `Cannot write the new CA certificate ${paths.certPath}; check free space and permissions`,
      {
        cause: err,
      },
    );
  }
}

async function waitForCert(paths: Paths): Promise<Pair> {
  const deadline = Date.now() + RACE_WAIT_MS;
  let pair = await readPair(paths);
  while (pair.certPem === undefined && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, RACE_POLL_MS));
    pair = await readPair(paths);
  }
  return pair;
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw new CaError(
      "ca-unreadable",
      `Cannot read ${path}: ${
        err instanceof Error ? err.message : String(err)
      }; check its owner and permissions`,
      { cause: err },
    );
  }
}

function validatePair(paths: Paths, certPem: string, keyPem: string, now: number): void {
  const recreate = `run \`halton-meter uninstall\`, move ${paths.dir} aside (uninstall keeps it) ` +
    `and run \`halton-meter init\` again to create and trust a new CA`;
  let cert: forge.pki.Certificate;
  let key: forge.pki.rsa.PrivateKey;
  try {
    cert = forge.pki.certificateFromPem(certPem);
  } catch (err) {
    throw new CaError(
      "ca-unreadable",
      `Cannot parse the CA certificate ${paths.certPath} as an RSA PEM certificate; restore it from a backup or ${recreate}.`,
      { cause: err },
    );
  }
  try {
    key = forge.pki.privateKeyFromPem(keyPem);
  } catch (err) {
    throw new CaError(
      "ca-unreadable",
      `Cannot parse the CA key ${paths.keyPath} as an RSA PEM private key; restore it from a backup or ${recreate}.`,
      { cause: err },
    );
  }
  if (!certMatchesKey(cert, key)) {
    throw new CaError(
      "ca-mismatch",
      `The CA certificate ${paths.certPath} does not match the key ${paths.keyPath}. ` +
        `Restore the matching pair from a backup, or ${recreate}.`,
    );
  }
  const constraints: unknown = cert.getExtension("basicConstraints");
  if (
    typeof constraints !== "object" || constraints === null || !("cA" in constraints) ||
    constraints.cA !== true
  ) {
    throw new CaError(
      "ca-not-a-ca",
      `${paths.certPath} is not a CA certificate (basicConstraints CA:TRUE missing); ${recreate}.`,
    );
  }
  if (cert.validity.notAfter.getTime() <= now) {
    throw new CaError(
      "ca-expired",
      `The CA certificate ${paths.certPath} expired on ${cert.validity.notAfter.toISOString()}; ${recreate}.`,
    );
  }
}

async function tighten(path: string, mode: number): Promise<void> {
  // Windows has no POSIX modes (Deno.chmod throws there); ACLs are the setup module's job.
  if (Deno.build.os === "windows") return;
  try {
    await Deno.chmod(path, mode);
  } catch (err) {
    throw new Error(
      `Cannot set mode ${mode.toString(8)} on ${path}: ${
        err instanceof Error ? err.message : String(err)
      }; make the current user its owner`,
      { cause: err },
    );
  }
}
