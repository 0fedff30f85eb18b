import { CERTIFI_MARKER, removeCertifiBlock } from "./certifi_block.ts";
import { shellQuote } from "./_shell_quote.ts";

/**
 * Removes every marked block with POSIX awk and writes the result back through `cat >`,
 * which keeps the bundle's owner and mode. Same result as `removeCertifiBlock`, except
 * that a bundle which had no final newline before we patched it gets one.
 */
export function sudoRemoveBlockLine(bundle: string): string {
  const awk =
    `$0 == "${CERTIFI_MARKER}" { skip = 1; next } skip && /^-----END CERTIFICATE-----/ { skip = 0; next } !skip`;
  const b = shellQuote(bundle);
  const tmp = shellQuote(`${bundle}.halton-meter-tmp`);
  const script = `awk ${shellQuote(awk)} ${b} > ${tmp} && cat ${tmp} > ${b} && rm -f ${tmp}`;
  return `sudo sh -c ${shellQuote(script)}`;
}

/**
 * The pasteable line that turns `bundleText` into `appendCertifiBlock(bundleText, pem)`
 * for a user who cannot write the bundle: drop an old block if there is one, then
 * `printf` the marker and PEM lines into `sudo tee -a`.
 */
export function sudoPatchLine(bundle: string, bundleText: string, pem: string): string {
  const base = removeCertifiBlock(bundleText);
  const lines = [CERTIFI_MARKER, ...pem.trim().replaceAll("\r\n", "\n").split("\n")];
  // As applyMarkedBlock: a text without a final newline gets one before the block, none after.
  const open = base !== "" && !base.endsWith("\n");
  const format = (open ? "\\n" : "") + lines.map(() => "%s").join("\\n") + (open ? "" : "\\n");
  const append = `printf ${shellQuote(format)} ${lines.map(shellQuote).join(" ")} | sudo tee -a ${
    shellQuote(bundle)
  } > /dev/null`;
  return base === bundleText ? append : `${sudoRemoveBlockLine(bundle)} && ${append}`;
}
