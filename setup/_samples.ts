/**
 * Deterministic pseudo-random texts for property-style tests of the block editors: lines,
 * blank lines, CRLF, missing final newlines and near-miss marker lines.
 */
export function sampleTexts(count: number, fragments: readonly string[]): string[] {
  let seed = 0x2545f491;
  const next = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 0x100000000;
  };
  const out = ["", "\n", "\n\n", "x", "x\n", "x\r\n", "x\r", " ", "\r\n"];
  while (out.length < count) {
    let text = "";
    const parts = Math.floor(next() * 8);
    for (let i = 0; i < parts; i++) text += fragments[Math.floor(next() * fragments.length)];
    out.push(text);
  }
  return out;
}
