import { createSecureContext, type SecureContext } from "node:tls";
import { buildLeafCertPem, type ParsedCa } from "./_build_certs.ts";
import { DAY_MS, forge, generateRsaKeyPem, publicKeyOf, subjectKeyIdOf } from "./_forge.ts";
import { normalizeHost } from "./_host.ts";
import { Lru } from "./_lru.ts";
import type { CaMaterial } from "./ensure_ca.ts";

/** A leaf certificate for one host; `keyPem` is the issuer's shared leaf key. */
export interface LeafCert {
  /** The normalized name (lower case, no brackets or trailing dot). */
  host: string;
  certPem: string;
  keyPem: string;
  notAfter: Date;
}

export interface LeafIssuerDeps {
  now?: () => number;
  /** RSA-2048 private key as PEM for the shared leaf key; native keygen by default. */
  generateKeyPem?: () => Promise<string>;
  /** Called each time a certificate is actually signed (tests count mints with it). */
  onMint?: (host: string) => void;
}

export interface LeafIssuerOptions {
  /** Hosts kept in the cache (least recently used evicted first). Default 1000. */
  maxEntries?: number;
  /** Leaf lifetime from now. Default 30 days. */
  validityDays?: number;
  /** A cached leaf this close to `notAfter` is re-minted. Default 2 days. */
  renewMarginMs?: number;
}

/** SNICallback signature of `node:tls` servers. */
export type SniCallback = (
  servername: string,
  cb: (err: Error | null, ctx?: SecureContext) => void,
) => void;

export interface LeafIssuer {
  /** The leaf for `host` (DNS name or IP literal), minted on first use and cached. */
  get(host: string): Promise<LeafCert>;
  /** A `node:tls` SecureContext for `host`, cached with its leaf. */
  getSecureContext(host: string): Promise<SecureContext>;
  /** Ready-made `SNICallback` for `tls.createServer` / `new TLSSocket`. */
  sniCallback: SniCallback;
  /** Number of hosts currently cached. */
  readonly size: number;
}

interface Entry {
  leaf: LeafCert;
  context?: SecureContext;
}

/**
 * Creates an issuer of per-host TLS server certificates signed by `ca`. One RSA key serves
 * every host (generated lazily, once); certificates are short-lived, cached in an LRU,
 * re-minted near expiry, and concurrent requests for a new host share one mint.
 */
export function createLeafIssuer(
  ca: CaMaterial,
  deps: LeafIssuerDeps = {},
  options: LeafIssuerOptions = {},
): LeafIssuer {
  const now = deps.now ?? Date.now;
  const validityMs = (options.validityDays ?? 30) * DAY_MS;
  const renewMarginMs = options.renewMarginMs ?? 2 * DAY_MS;
  if (!(validityMs > renewMarginMs)) {
    throw new Error(
      `Cannot create a leaf issuer: validity (${validityMs} ms) must exceed the renewal margin (${renewMarginMs} ms)`,
    );
  }
  const parsed = parseCa(ca);
  const cache = new Lru<string, Entry>(options.maxEntries ?? 1000);
  const inFlight = new Map<string, Promise<LeafCert>>();
  let leafKey: Promise<{ pem: string; publicKey: forge.pki.rsa.PublicKey }> | undefined;

  const sharedKey = () => {
    if (!leafKey) {
      const generating = (deps.generateKeyPem ?? generateRsaKeyPem)().then((pem) => ({
        pem,
        publicKey: publicKeyOf(forge.pki.privateKeyFromPem(pem)),
      }));
      // A failed keygen must not poison the issuer: the next request tries again.
      generating.catch(() => {
        if (leafKey === generating) leafKey = undefined;
      });
      leafKey = generating;
    }
    return leafKey;
  };

  const mint = async (host: ReturnType<typeof normalizeHost>): Promise<LeafCert> => {
    const key = await sharedKey();
    const t = now();
    // Never outlive the CA: a leaf valid past its issuer fails verification anyway.
    const notAfter = new Date(Math.min(t + validityMs, parsed.cert.validity.notAfter.getTime()));
    const certPem = buildLeafCertPem({
      host,
      publicKey: key.publicKey,
      ca: parsed,
      notBefore: new Date(t - DAY_MS),
      notAfter,
    });
    deps.onMint?.(host.name);
    return { host: host.name, certPem, keyPem: key.pem, notAfter };
  };

  const get = (input: string): Promise<LeafCert> => {
    let host: ReturnType<typeof normalizeHost>;
    try {
      host = normalizeHost(input);
    } catch (err) {
      return Promise.reject(err);
    }
    const cached = cache.get(host.name);
    if (cached && cached.leaf.notAfter.getTime() - renewMarginMs > now()) {
      return Promise.resolve(cached.leaf);
    }
    const pending = inFlight.get(host.name);
    if (pending) return pending;
    const minting = mint(host).then(
      (leaf) => {
        cache.set(host.name, { leaf });
        return leaf;
      },
      (err: unknown) => {
        // Renewal failed: a cached leaf that has not yet expired still beats a failed handshake.
        if (cached && cached.leaf.notAfter.getTime() > now()) return cached.leaf;
        throw err;
      },
    ).finally(() => inFlight.delete(host.name));
    inFlight.set(host.name, minting);
    return minting;
  };

  const getSecureContext = async (input: string): Promise<SecureContext> => {
    const leaf = await get(input);
    const entry = cache.get(leaf.host);
    if (entry?.leaf === leaf && entry.context) return entry.context;
    const context = createSecureContext({ key: leaf.keyPem, cert: leaf.certPem });
    // Only attach to the entry holding this very leaf; a re-mint in between has its own.
    if (entry?.leaf === leaf) entry.context = context;
    return context;
  };

  const sniCallback: SniCallback = (servername, cb) => {
    getSecureContext(servername).then(
      (ctx) => cb(null, ctx),
      (err: unknown) => cb(err instanceof Error ? err : new Error(String(err))),
    );
  };

  return {
    get,
    getSecureContext,
    sniCallback,
    get size() {
      return cache.size;
    },
  };
}

function parseCa(ca: CaMaterial): ParsedCa {
  let cert: forge.pki.Certificate;
  let key: forge.pki.rsa.PrivateKey;
  try {
    cert = forge.pki.certificateFromPem(ca.certPem);
    key = forge.pki.privateKeyFromPem(ca.keyPem);
  } catch (err) {
    throw new Error(
      `Cannot create a leaf issuer: the CA from ${ca.certPath} does not parse; load it with ensureCa`,
      { cause: err },
    );
  }
  const keyId = subjectKeyIdOf(cert) ??
    forge.pki.getPublicKeyFingerprint(cert.publicKey, { encoding: "hex" });
  return { cert, key, keyId };
}
