/** Where distributions keep the PEM bundle of trusted roots, most common first. */
export const SYSTEM_ROOT_CANDIDATES: readonly string[] = [
  "/etc/ssl/certs/ca-certificates.crt", // Debian, Ubuntu, Arch, Gentoo
  "/etc/pki/tls/certs/ca-bundle.crt", // Fedora, RHEL
  "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", // RHEL 7+, CentOS
  "/etc/ssl/ca-bundle.pem", // openSUSE
  "/etc/ssl/cert.pem", // Alpine, macOS, OpenBSD
  "/usr/local/etc/openssl/cert.pem", // macOS Homebrew
  "/usr/local/share/certs/ca-root-nss.crt", // FreeBSD
];

export type SystemRoots =
  | { kind: "found"; path: string; pem: string }
  | { kind: "not-found"; tried: string[] };

export interface ReadSystemRootsDeps {
  candidates?: readonly string[];
  readTextFile?: (path: string) => Promise<string>;
}

/**
 * Reads the first system root bundle that exists and holds at least one PEM certificate.
 * None found (e.g. Windows, minimal containers) is data: the caller decides what to do.
 */
export async function readSystemRoots(deps: ReadSystemRootsDeps = {}): Promise<SystemRoots> {
  const candidates = deps.candidates ?? SYSTEM_ROOT_CANDIDATES;
  const read = deps.readTextFile ?? Deno.readTextFile;
  for (const path of candidates) {
    let pem: string;
    try {
      pem = await read(path);
    } catch {
      // Missing or unreadable: try the next location; `tried` tells the user where we looked.
      continue;
    }
    if (pem.includes("-----BEGIN CERTIFICATE-----")) return { kind: "found", path, pem };
  }
  return { kind: "not-found", tried: [...candidates] };
}
