/**
 * The CA layer: files present, permissions (dir 0700, key without group/other access),
 * certificate parses (forge, through daemon/certs), validity window, key matches, and the
 * combined bundle holds this CA and is not older than it. Reads only; never repairs.
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import { homePaths } from "../core/mod.ts";
import { type CaMaterial, type CertInfo, describeCert } from "../daemon/certs/mod.ts";
import { check, type DoctorCheck, octalMode } from "./doctor_check.ts";
import { containsCert, pemBodies, shellQuote } from "../setup/mod.ts";
import type { CaRecovery } from "./_ca_recovery.ts";

const DAY_MS = 86_400_000;
/** Under this many days left, the CA is a WARN: renewing means re-trusting everywhere. */
export const CA_EXPIRY_WARN_DAYS = 30;

/** A CA that passed every check, for the handshake that proves OS trust; doctor never creates one. */
export interface UsableCa extends CaMaterial {
  created: false;
}

export interface CaChecksResult {
  checks: DoctorCheck[];
  ca: UsableCa | null;
}

function statOrNull(path: string): Deno.FileInfo | null {
  try {
    return Deno.statSync(path);
  } catch {
    return null;
  }
}

function readOrError(path: string): { text: string } | { error: string } {
  try {
    return { text: Deno.readTextFileSync(path) };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

export interface CaChecksOptions {
  now: number;
  os: string;
  /** The init that keeps the install's mode (`initCommandFor`); default plain init. */
  initCommand?: string;
  /** Where a lost certificate can be found again (`recoverCaCertificate`), when looked for. */
  recovery?: CaRecovery;
}

export function caChecks(home: string, opts: CaChecksOptions): CaChecksResult {
  const p = homePaths(home);
  const checks: DoctorCheck[] = [];
  const init = opts.initCommand ?? "halton-meter init";
  // uninstall untrusts the CA but keeps its files, and init never replaces a CA it finds:
  // the old one is moved aside in between.
  const recreate = `halton-meter uninstall && mv ${shellQuote(p.caDir)} ${
    shellQuote(`${p.caDir}.old`)
  } && ${init}  # a new CA must be trusted again`;
  const certStat = statOrNull(p.caCert);
  const keyStat = statOrNull(p.caKey);
  if (!certStat && !keyStat) {
    checks.push(check(
      "ca.files",
      "FAIL",
      `no CA in ${p.caDir}: neither halton-meter-ca.pem nor halton-meter-ca-key.pem exists`,
      init,
    ));
    checks.push(check("bundle.ca-bundle", "SKIP", "no CA to bundle"));
    return { checks, ca: null };
  }
  if (!certStat || !keyStat) {
    checks.push(certStat ? lostKey(p, init) : lostCertificate(p, init, opts.recovery));
    checks.push(check("bundle.ca-bundle", "SKIP", "the CA is incomplete"));
    return { checks, ca: null };
  }
  checks.push(check("ca.files", "PASS", `${p.caCert} and its key present`));

  if (opts.os !== "windows") {
    const dirMode = statOrNull(p.caDir)?.mode ?? 0;
    const keyMode = keyStat.mode ?? 0;
    if ((keyMode & 0o077) !== 0) {
      checks.push(check(
        "ca.permissions",
        "FAIL",
        `CA key ${p.caKey} is mode ${
          octalMode(keyMode)
        }: other users can read it and mint certificates your tools trust`,
        `chmod 600 ${shellQuote(p.caKey)} && chmod 700 ${shellQuote(p.caDir)}`,
      ));
    } else if ((dirMode & 0o077) !== 0) {
      checks.push(check(
        "ca.permissions",
        "WARN",
        `CA directory ${p.caDir} is mode ${octalMode(dirMode)} (want 0700); the key itself is ${
          octalMode(keyMode)
        }`,
        `chmod 700 ${shellQuote(p.caDir)}`,
      ));
    } else {
      checks.push(check(
        "ca.permissions",
        "PASS",
        `dir ${octalMode(dirMode)}, key ${octalMode(keyMode)}`,
      ));
    }
  } else {
    checks.push(check("ca.permissions", "SKIP", "no POSIX modes on Windows"));
  }

  const certText = readOrError(p.caCert);
  const keyText = readOrError(p.caKey);
  let info: CertInfo | null = null;
  if ("error" in certText) {
    checks.push(check(
      "ca.certificate",
      "FAIL",
      `cannot read ${p.caCert}: ${certText.error}`,
      `ls -l ${shellQuote(p.caCert)}  # make the current user its owner`,
    ));
  } else {
    try {
      info = describeCert(certText.text);
      checks.push(check(
        "ca.certificate",
        "PASS",
        `CN=${info.subjectCommonName ?? "?"} sha256 ${info.sha256Fingerprint.slice(0, 23)}…`,
      ));
    } catch {
      checks.push(check(
        "ca.certificate",
        "FAIL",
        `${p.caCert} does not parse as a PEM RSA certificate`,
        `# restore it from a backup, or: ${recreate}`,
      ));
    }
  }

  if (info) {
    const left = info.notAfter.getTime() - opts.now;
    const until = info.notAfter.toISOString().slice(0, 10);
    if (info.notBefore.getTime() > opts.now) {
      checks.push(check(
        "ca.expiry",
        "FAIL",
        `not valid before ${info.notBefore.toISOString()}: this machine's clock is behind`,
        "date -u  # set the clock right (NTP), then run halton-meter doctor again",
      ));
    } else if (left <= 0) {
      checks.push(check("ca.expiry", "FAIL", `expired on ${until}`, recreate));
    } else if (left < CA_EXPIRY_WARN_DAYS * DAY_MS) {
      checks.push(check(
        "ca.expiry",
        "WARN",
        `expires on ${until}, in ${Math.floor(left / DAY_MS)} days`,
        recreate,
      ));
    } else {
      checks.push(check(
        "ca.expiry",
        "PASS",
        `valid until ${until} (${Math.floor(left / DAY_MS)} days)`,
      ));
    }
  } else {
    checks.push(check("ca.expiry", "SKIP", "the certificate did not parse"));
  }

  let matches = false;
  if (!info || "error" in certText) {
    checks.push(check("ca.key-match", "SKIP", "the certificate did not parse"));
  } else if ("error" in keyText) {
    checks.push(check(
      "ca.key-match",
      "FAIL",
      `cannot read ${p.caKey}: ${keyText.error}`,
      `ls -l ${shellQuote(p.caKey)}  # make the current user its owner`,
    ));
  } else {
    try {
      const x509 = new X509Certificate(certText.text);
      matches = x509.checkPrivateKey(createPrivateKey(keyText.text));
      if (!x509.ca) {
        matches = false;
        checks.push(check(
          "ca.key-match",
          "FAIL",
          `${p.caCert} is not a CA certificate (basicConstraints CA:TRUE missing)`,
          recreate,
        ));
      } else {
        checks.push(
          matches ? check("ca.key-match", "PASS", "certificate and key belong together") : check(
            "ca.key-match",
            "FAIL",
            `${p.caCert} does not match the key ${p.caKey}`,
            `# restore the matching pair from a backup, or: ${recreate}`,
          ),
        );
      }
    } catch {
      checks.push(check(
        "ca.key-match",
        "FAIL",
        `${p.caKey} does not parse as a PEM private key`,
        `# restore it from a backup, or: ${recreate}`,
      ));
    }
  }

  checks.push(bundleCheck(p, "text" in certText ? certText.text : null, certStat));
  const ca: UsableCa | null = matches && "text" in certText && "text" in keyText
    ? {
      dir: p.caDir,
      certPath: p.caCert,
      keyPath: p.caKey,
      bundlePath: p.caBundle,
      certPem: certText.text,
      keyPem: keyText.text,
      created: false,
    }
    : null;
  return { checks, ca };
}

/** The key without its certificate: init restores a copy that belongs to it, if there is one. */
function lostCertificate(
  p: ReturnType<typeof homePaths>,
  init: string,
  recovery: CaRecovery | undefined,
): DoctorCheck {
  const missing = `${p.caKey} exists but ${p.caCert} is missing`;
  if (recovery?.kind === "found" && recovery.keyed) {
    return check(
      "ca.files",
      "FAIL",
      `${missing}; a copy that belongs to the key is in ${recovery.where}`,
      `${init}  # restores it from ${recovery.where}`,
    );
  }
  const looked = recovery?.kind === "none"
    ? `; no copy of it in ${recovery.looked.join(", ")}`
    : "";
  return check(
    "ca.files",
    "FAIL",
    `${missing}${looked}: the key alone can neither be trusted nor untrusted`,
    `mv ${shellQuote(p.caKey)} ${
      shellQuote(`${p.caKey}.orphaned`)
    } && ${init}  # a new CA is created and trusted`,
  );
}

/** The certificate without its key: uninstall untrusts it, then init makes a new CA. */
function lostKey(p: ReturnType<typeof homePaths>, init: string): DoctorCheck {
  return check(
    "ca.files",
    "FAIL",
    `${p.caCert} exists but ${p.caKey} is missing`,
    `# restore ${p.caKey} from a backup, or: halton-meter uninstall && mv ${shellQuote(p.caCert)} ${
      shellQuote(`${p.caCert}.orphaned`)
    } && ${init}`,
  );
}

function bundleCheck(
  p: ReturnType<typeof homePaths>,
  certPem: string | null,
  certStat: Deno.FileInfo,
): DoctorCheck {
  const rewrite = "halton-meter stop && halton-meter start  # the daemon rewrites the bundle";
  const bundleStat = statOrNull(p.caBundle);
  if (!bundleStat) {
    return check(
      "bundle.ca-bundle",
      "FAIL",
      `${p.caBundle} is missing: REQUESTS_CA_BUNDLE, SSL_CERT_FILE and friends point at it`,
      rewrite,
    );
  }
  if (certPem === null) return check("bundle.ca-bundle", "SKIP", "the CA could not be read");
  const bundle = readOrError(p.caBundle);
  if ("error" in bundle) {
    return check(
      "bundle.ca-bundle",
      "FAIL",
      `cannot read ${p.caBundle}: ${bundle.error}`,
      `ls -l ${shellQuote(p.caBundle)}`,
    );
  }
  const bodies = pemBodies(certPem);
  if (bodies.length === 0) {
    return check("bundle.ca-bundle", "SKIP", `${p.caCert} holds no PEM certificate to look for`);
  }
  if (!bodies.every((body) => containsCert(bundle.text, body))) {
    return check(
      "bundle.ca-bundle",
      "FAIL",
      `${p.caBundle} does not contain the current CA: clients using it reject metered hosts`,
      rewrite,
    );
  }
  const certTime = certStat.mtime?.getTime() ?? 0;
  const bundleTime = bundleStat.mtime?.getTime() ?? 0;
  if (bundleTime < certTime) {
    return check(
      "bundle.ca-bundle",
      "WARN",
      `${p.caBundle} (${bundleStat.mtime?.toISOString()}) is older than the CA (${certStat.mtime?.toISOString()})`,
      rewrite,
    );
  }
  const certs = bundle.text.match(/-----BEGIN CERTIFICATE-----/g)?.length ?? 0;
  return check("bundle.ca-bundle", "PASS", `${p.caBundle}: ${certs} certificates, ours included`);
}
