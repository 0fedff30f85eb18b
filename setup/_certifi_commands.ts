import { CERTIFI_MARKER, removeCertifiBlock } from "./certifi_block.ts";
import { shellQuote } from "./_shell_quote.ts";

/** Prints the bundle without our blocks (the marker line through the END line after it). */
const STRIP_AWK =
  `$0 == "${CERTIFI_MARKER}" { skip = 1; next } skip && /^-----END CERTIFICATE-----/ { skip = 0; next } !skip`;

/**
 * Removes every marked block with POSIX awk and writes the result back through `cat >`,
 * which keeps the bundle's owner and mode. Same result as `removeCertifiBlock`, except
 * that a bundle which had no final newline before we patched it gets one.
 */
export function sudoRemoveBlockLine(bundle: string): string {
  const b = shellQuote(bundle);
  const tmp = shellQuote(`${bundle}.halton-meter-tmp`);
  const script = `awk ${shellQuote(STRIP_AWK)} ${b} > ${tmp} && cat ${tmp} > ${b} && rm -f ${tmp}`;
  return `sudo sh -c ${shellQuote(script)}`;
}

/**
 * The pasteable line that turns `bundleText` into `addCertifiBlock(bundleText, pem)` for a
 * user who cannot write the bundle: `printf` the marker and PEM lines, then the bundle
 * (through the awk of `sudoRemoveBlockLine` when it holds an old block), into a file beside
 * it, written back through `cat >` (owner and mode kept).
 */
export function sudoPatchLine(bundle: string, bundleText: string, pem: string): string {
  const lines = [CERTIFI_MARKER, ...pem.trim().replaceAll("\r\n", "\n").split("\n")];
  const b = shellQuote(bundle);
  const tmp = shellQuote(`${bundle}.halton-meter-tmp`);
  const printf = `printf ${shellQuote(lines.map(() => "%s\\n").join(""))} ${
    lines.map(shellQuote).join(" ")
  }`;
  const rest = removeCertifiBlock(bundleText) === bundleText
    ? `cat ${b}`
    : `awk ${shellQuote(STRIP_AWK)} ${b}`;
  const script = `{ ${printf}; ${rest}; } > ${tmp} && cat ${tmp} > ${b} && rm -f ${tmp}`;
  return `sudo sh -c ${shellQuote(script)}`;
}
