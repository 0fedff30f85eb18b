/**
 * Certificates for Halton Meter: the local CA (created once, never overwritten), the
 * combined trust bundle, and per-host leaf certificates for TLS termination.
 */
export { type CaMaterial, ensureCa, type EnsureCaDeps } from "./ensure_ca.ts";
export { CaError, type CaErrorCode } from "./ca_error.ts";
export {
  createLeafIssuer,
  type LeafCert,
  type LeafIssuer,
  type LeafIssuerDeps,
  type LeafIssuerOptions,
  type SniCallback,
} from "./create_leaf_issuer.ts";
export { writeCaBundle } from "./write_ca_bundle.ts";
export {
  readSystemRoots,
  type ReadSystemRootsDeps,
  SYSTEM_ROOT_CANDIDATES,
  type SystemRoots,
} from "./read_system_roots.ts";
export { certFingerprint } from "./cert_fingerprint.ts";
export { type CertInfo, describeCert } from "./describe_cert.ts";
