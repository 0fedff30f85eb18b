import { applyMarkedBlock, type BlockMarkers, removeMarkedBlocks } from "./_marked_block.ts";

export const CERTIFI_MARKER = "# halton-meter CA appended by halton-meter init";

const BEGIN = "-----BEGIN CERTIFICATE-----";
const END = "-----END CERTIFICATE-----";

const MARKERS: BlockMarkers = {
  what: "certifi bundle",
  isBegin: (line) => line === CERTIFI_MARKER,
  isEnd: (line) => line.trimEnd() === END,
};

/**
 * Appends the marker line and `pem` (one certificate) to a certifi `cacert.pem`, or
 * replaces the PEM after an existing marker (a rotated CA). `removeCertifiBlock` undoes
 * it byte for byte.
 */
export function appendCertifiBlock(bundleText: string, pem: string): string {
  const cert = pem.trim().replaceAll("\r\n", "\n");
  const ends = cert.split("\n").filter((line) => line.trimEnd() === END).length;
  if (!cert.startsWith(BEGIN) || !cert.endsWith(END) || ends !== 1) {
    throw new Error(
      `Cannot patch the certifi bundle: expected exactly one PEM certificate (${BEGIN} ... ${END}), got ${
        JSON.stringify(cert.slice(0, 40))
      }...`,
    );
  }
  return applyMarkedBlock(bundleText, `${CERTIFI_MARKER}\n${cert}\n`, MARKERS);
}

/** Removes every block `appendCertifiBlock` added, and nothing else. */
export function removeCertifiBlock(text: string): string {
  return removeMarkedBlocks(text, MARKERS);
}
