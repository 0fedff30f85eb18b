/** Bounded cache of server-side TLS contexts per server name; concurrent misses share one mint. */
import tls from "node:tls";
import type { MitmOptions } from "./types.ts";

export interface ContextCache {
  get(servername: string): Promise<tls.SecureContext>;
  size(): number;
}

export function createContextCache(
  getCertificate: MitmOptions["getCertificate"],
  maxEntries: number,
): ContextCache {
  // Map iteration order is insertion order: re-inserting on hit makes the first key the LRU.
  const entries = new Map<string, Promise<tls.SecureContext>>();
  return {
    get(servername) {
      const name = servername.toLowerCase();
      const hit = entries.get(name);
      if (hit) {
        entries.delete(name);
        entries.set(name, hit);
        return hit;
      }
      const made = getCertificate(name).then(({ certPem, keyPem }) =>
        tls.createSecureContext({ cert: certPem, key: keyPem })
      );
      entries.set(name, made);
      made.catch(() => {
        if (entries.get(name) === made) entries.delete(name);
      });
      while (entries.size > maxEntries) {
        const oldest = entries.keys().next().value;
        if (oldest === undefined) break;
        entries.delete(oldest);
      }
      return made;
    },
    size: () => entries.size,
  };
}
