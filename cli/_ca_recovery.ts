/**
 * Finding a lost CA certificate (`ca/halton-meter-ca.pem`) again. The key alone can neither
 * be trusted nor untrusted, and the CA is never regenerated behind the user's back (clients
 * trust the old one), but copies of the certificate are left in several places: the record
 * `init` keeps in `system_state.json`, the trust store's drop-in file (Debian, Fedora), the
 * combined bundle and the certifi bundles init patched. With the key present, a copy counts
 * only if it is a CA certificate for that key; without it, only our own record and drop-in
 * file count. `init` restores the file from it, `uninstall` untrusts by it, `doctor` names it.
 */
import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { homePaths } from "../core/mod.ts";
import type { CaTrust, FileDeps } from "../setup/mod.ts";
import { readSystemState } from "../setup/system_state.ts";

export type CaRecovery =
  /** The certificate file is there: nothing to recover. */
  | { kind: "present" }
  /** `keyed`: the copy is proven to belong to the key on disk. */
  | { kind: "found"; pem: string; where: string; keyed: boolean }
  | { kind: "none"; looked: string[]; key: boolean };

export interface CaRecoveryDeps {
  files: FileDeps;
  /** Its drop-in copies are searched when given. */
  trust?: CaTrust;
}

interface Source {
  where: string;
  text: string;
  /** Ours by construction (our record, our drop-in file): usable without the key. */
  ours: boolean;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Looks for the certificate of the CA whose key is in `<home>/ca`; reads only. */
export async function recoverCaCertificate(
  home: string,
  deps: CaRecoveryDeps,
): Promise<CaRecovery> {
  const p = homePaths(home);
  if (await deps.files.readTextFile(p.caCert) !== null) return { kind: "present" };
  const keyPem = await deps.files.readTextFile(p.caKey);
  let key: KeyObject | null = null;
  try {
    key = keyPem === null ? null : createPrivateKey(keyPem);
  } catch { /* an unreadable key proves nothing: only our own copies count */ }

  const sources = await gather(home, deps);
  for (const source of sources) {
    if (key === null && !source.ours) continue;
    for (const block of source.text.match(PEM_BLOCK) ?? []) {
      let cert: X509Certificate;
      try {
        cert = new X509Certificate(block);
      } catch {
        continue;
      }
      if (!cert.ca) continue;
      if (key !== null && !cert.checkPrivateKey(key)) continue;
      // The line ending the copy was written with (forge writes CRLF): restored byte for byte.
      const pem = `${block}${block.includes("\r\n") ? "\r\n" : "\n"}`;
      return { kind: "found", pem, where: source.where, keyed: key !== null };
    }
  }
  return {
    kind: "none",
    looked: sources.length === 0 ? ["(no record of init, no copy)"] : sources.map((s) => s.where),
    key: key !== null,
  };
}

async function gather(home: string, deps: CaRecoveryDeps): Promise<Source[]> {
  const p = homePaths(home);
  const sources: Source[] = [];
  const stored = await readSystemState(deps.files, p.systemState).catch(() => null);
  const state = stored?.kind === "found" ? stored.state : null;
  for (const t of state?.trust ?? []) {
    if (t.ca_pem !== undefined) {
      sources.push({ where: `${p.systemState} (recorded by init)`, text: t.ca_pem, ours: true });
    }
  }
  for (const copy of await deps.trust?.storedCopies?.().catch(() => []) ?? []) {
    sources.push({ where: copy.where, text: copy.pem, ours: true });
  }
  for (const path of [p.caBundle, ...state?.certifi_bundles ?? []]) {
    const text = await deps.files.readTextFile(path).catch(() => null);
    if (text !== null) sources.push({ where: path, text, ours: false });
  }
  return sources;
}

/**
 * With the key on disk and its certificate lost: writes the certificate back from a copy
 * that belongs to the key (returns where it came from), or throws saying where it looked and
 * what works instead. Returns null when there is nothing to restore.
 */
export async function restoreCaCertificate(
  home: string,
  deps: CaRecoveryDeps,
): Promise<string | null> {
  const p = homePaths(home);
  if (await deps.files.readTextFile(p.caKey) === null) return null;
  const found = await recoverCaCertificate(home, deps);
  if (found.kind === "present") return null;
  if (found.kind === "found" && found.keyed) {
    await deps.files.writeFile(p.caCert, found.pem, { mode: 0o644 });
    return found.where;
  }
  const looked = found.kind === "none" ? found.looked.join(", ") : found.where;
  throw new Error(
    `Cannot recover the CA certificate ${p.caCert}: no copy that belongs to the key ${p.caKey} ` +
      `in ${looked}. The key alone can neither be trusted nor untrusted: set it aside, then ` +
      `run this command again to create and trust a new CA: mv ${p.caKey} ${p.caKey}.orphaned`,
  );
}
