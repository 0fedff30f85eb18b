import { forge } from "./_forge.ts";
import { certFingerprint } from "./cert_fingerprint.ts";

/** What `doctor` and `status` show about a certificate. */
export interface CertInfo {
  subjectCommonName: string | undefined;
  issuerCommonName: string | undefined;
  serialHex: string;
  notBefore: Date;
  notAfter: Date;
  /** Uppercase colon-separated SHA-256 of the DER certificate. */
  sha256Fingerprint: string;
}

/** Parses a PEM certificate (e.g. `CaMaterial.certPem`) into display facts. */
export function describeCert(pem: string): CertInfo {
  let cert: forge.pki.Certificate;
  try {
    cert = forge.pki.certificateFromPem(pem);
  } catch (err) {
    throw new Error(
      "Cannot parse the certificate: not an RSA PEM certificate; pass a certificate from ensureCa or the issuer",
      { cause: err },
    );
  }
  const cn = (attrs: forge.pki.Certificate["subject"]): string | undefined => {
    const value: unknown = attrs.getField("CN")?.value;
    return typeof value === "string" ? value : undefined;
  };
  return {
    subjectCommonName: cn(cert.subject),
    issuerCommonName: cn(cert.issuer),
    serialHex: cert.serialNumber,
    notBefore: cert.validity.notBefore,
    notAfter: cert.validity.notAfter,
    sha256Fingerprint: certFingerprint(pem),
  };
}
