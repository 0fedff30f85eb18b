/**
 * Dollars for people: cents above a dollar, else enough digits to show two significant ones,
 * so a non-zero amount never prints as `$0.00` (`$0.0034`, `$0.000012`).
 */

// One formatter each: `toLocaleString` builds a new one per call, which is slow.
const CENTS = new Intl.NumberFormat("en-US", {
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});
const WHOLE = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

export function formatUsd(usd: number): string {
  if (!Number.isFinite(usd)) return "$?";
  const sign = usd < 0 ? "-" : "";
  const v = Math.abs(usd);
  if (v === 0) return "$0.00";
  if (v >= 0.995) return `${sign}$${CENTS.format(v)}`;
  const digits = Math.min(10, Math.max(2, 1 - Math.floor(Math.log10(v))));
  return `${sign}$${v.toFixed(digits)}`;
}

/** `1,234,567` */
export function formatInt(n: number): string {
  return WHOLE.format(Math.round(n));
}
