import { caPaths } from "./_ca_paths.ts";
import { writeFileAtomic } from "../../core/mod.ts";
import { certDer } from "./cert_fingerprint.ts";

/**
 * Writes `<home>/ca/ca-bundle.pem` = `systemRootsPem` + the Halton Meter CA, for tools that
 * take one CA file (REQUESTS_CA_BUNDLE, NODE_EXTRA_CA_CERTS, SSL_CERT_FILE). The CA is not
 * appended twice when the system bundle already trusts it. Returns the bundle's path.
 */
export async function writeCaBundle(home: string, systemRootsPem: string): Promise<string> {
  const paths = caPaths(home);
  let caPem: string;
  try {
    caPem = await Deno.readTextFile(paths.certPath);
  } catch (err) {
    throw new Error(
      `Cannot write the CA bundle: reading ${paths.certPath} failed; run ensureCa (halton-meter init) first`,
      { cause: err },
    );
  }
  certDer(caPem); // throws a clear error when the CA file holds no certificate
  const ca = caPem.trim();
  const roots = systemRootsPem.trim();
  const alreadyTrusted = containsCert(roots, ca);
  const bundle = [roots, alreadyTrusted ? "" : `# Halton Meter Local CA\n${ca}`]
    .filter((part) => part !== "")
    .join("\n") + "\n";
  await writeFileAtomic(paths.bundlePath, bundle, { mode: 0o644 });
  return paths.bundlePath;
}

function containsCert(bundle: string, certPem: string): boolean {
  const body = certPem.replace(/-----[A-Z ]+-----|\s+/g, "");
  return bundle.replace(/\s+/g, "").includes(body);
}
