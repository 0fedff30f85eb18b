import type { SetupStep, TrustState } from "./machine_interfaces.ts";

/** The CA as every trust part needs it: where it is, its text, and its identity. */
export interface CaInput {
  path: string;
  pem: string;
  /** Base64 DER, whitespace removed (see `pemBodies`). */
  body: string;
}

/** One store `CaTrust` writes to (the OS store, the user's NSS database, ...). */
export interface TrustPart {
  describe: string;
  install(ca: CaInput): Promise<SetupStep[]>;
  remove(ca: CaInput): Promise<SetupStep[]>;
  /** `null` when the store does not apply here (no NSS database, no certutil). */
  state(ca: CaInput): Promise<TrustState | null>;
  /** The copy of our CA the store keeps as a file of ours (Debian, Fedora drop-ins), if any. */
  storedCopy?(): Promise<{ where: string; pem: string } | null>;
}

/** All applicable parts trusted → trusted; any unknown → unknown; otherwise untrusted. */
export function combineStates(all: readonly (TrustState | null)[]): TrustState {
  const states = all.filter((s) => s !== null);
  if (states.length === 0) return "unknown";
  if (states.includes("unknown")) return "unknown";
  return states.every((s) => s === "trusted") ? "trusted" : "untrusted";
}
