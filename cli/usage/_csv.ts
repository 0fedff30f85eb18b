/**
 * CSV as RFC 4180 quotes it: fields separated by commas; a field holding a comma, a double quote,
 * CR or LF is quoted, its quotes doubled. Records end with LF (not CRLF: Unix tools, and every
 * CSV reader accepts it). Numbers are written in plain decimal
 * (never `1e-7`), so every spreadsheet and `csv` module reads them back as written.
 */

export type CsvValue = string | number | null;

/** `0.000001`, `12.5`, `3`: up to nine decimals (the nano-dollar), trailing zeros dropped. */
export function plainDecimal(n: number): string {
  if (Number.isInteger(n)) return String(n);
  const text = n.toFixed(9).replace(/0+$/, "").replace(/\.$/, "");
  return text === "-0" ? "0" : text;
}

export function csvField(v: CsvValue): string {
  if (v === null) return "";
  const text = typeof v === "number" ? plainDecimal(v) : v;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A header and rows, one record a line, without the last line break (`print` adds it). */
export function toCsv(rows: readonly (readonly CsvValue[])[]): string {
  return rows.map((r) => r.map(csvField).join(",")).join("\n");
}
