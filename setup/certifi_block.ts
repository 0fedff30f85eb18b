import { applyMarkedBlock, type BlockMarkers, removeMarkedBlocks } from "./_marked_block.ts";

/**
 * The line that opens our block. Its wording predates the block moving to the top of the
 * bundle; it stays as it is so that blocks written by every version are recognised.
 */
export const CERTIFI_MARKER = "# halton-meter CA appended by halton-meter init";

const BEGIN = "-----BEGIN CERTIFICATE-----";
const END = "-----END CERTIFICATE-----";

const MARKERS: BlockMarkers = {
  what: "certifi bundle",
  isBegin: (line) => line === CERTIFI_MARKER,
  isEnd: (line) => line.trimEnd() === END,
};

function block(pem: string): string {
  const cert = pem.trim().replaceAll("\r\n", "\n");
  const ends = cert.split("\n").filter((line) => line.trimEnd() === END).length;
  if (!cert.startsWith(BEGIN) || !cert.endsWith(END) || ends !== 1) {
    throw new Error(
      `Cannot patch the certifi bundle: expected exactly one PEM certificate (${BEGIN} ... ${END}), got ${
        JSON.stringify(cert.slice(0, 40))
      }...`,
    );
  }
  return `${CERTIFI_MARKER}\n${cert}\n`;
}

/**
 * Puts the marker line and `pem` (one certificate) at the top of a certifi `cacert.pem`,
 * replacing any block of ours (a rotated CA, or one an older version appended at the end).
 * The top, not the end: tools that keep their own root in certifi (corporate and proxy
 * setups, site hooks) check that the bundle still ends with it and append it again when it
 * does not, which after an appended block of ours left the bundle with a second copy once
 * ours was removed. `removeCertifiBlock` undoes it byte for byte.
 */
export function addCertifiBlock(bundleText: string, pem: string): string {
  const ours = block(pem);
  const base = removeMarkedBlocks(bundleText, MARKERS);
  return ours + base;
}

/**
 * True when the bundle holds exactly our block for `pem`: at the top, or at the end where
 * versions before it went there put it (still trusted; the next init moves it up).
 */
export function holdsCertifiBlock(bundleText: string, pem: string): boolean {
  const base = removeMarkedBlocks(bundleText, MARKERS);
  return addCertifiBlock(base, pem) === bundleText ||
    applyMarkedBlock(base, block(pem), MARKERS) === bundleText;
}

/** Removes every block `addCertifiBlock` (or an older version) added, and nothing else. */
export function removeCertifiBlock(text: string): string {
  return removeMarkedBlocks(text, MARKERS);
}
