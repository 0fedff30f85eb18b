/**
 * Dollars for people: cents above a dollar, else enough digits to show two significant ones,
 * so a non-zero amount never prints as `$0.00` (`$0.0034`, `$0.000012`).
 */
export function formatUsd(usd: number): string {
  if (!Number.isFinite(usd)) return "$?";
  const sign = usd < 0 ? "-" : "";
  const v = Math.abs(usd);
  if (v === 0) return "$0.00";
  if (v >= 0.995) {
    return `${sign}$${
      v.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })
    }`;
  }
  const digits = Math.min(10, Math.max(2, 1 - Math.floor(Math.log10(v))));
  return `${sign}$${v.toFixed(digits)}`;
}

/** `1,234,567` */
export function formatInt(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}
