/**
 * `halton-meter --version [--json]`: the product version, the price data it was built with
 * and the Deno runtime under it (a compiled binary carries its own).
 */

export interface VersionInfo {
  version: string;
  /** The bundled price data (`genai-prices@x.y.z`); the daemon may load newer at run time. */
  price_data: string;
  deno: string;
  v8: string;
  typescript: string;
  /** Deno's target triple, as in the release artifact's name. */
  target: string;
  /** A `deno compile`d binary (else `deno run` of main.ts or of the bundle). */
  compiled: boolean;
}

/** True when `args` ask for the version: `-V`/`--version`, optionally with `--json`. */
export function asksVersion(args: readonly string[]): { json: boolean } | null {
  const rest = args.filter((a) => a !== "--json");
  if (rest.length !== 1 || (rest[0] !== "--version" && rest[0] !== "-V")) return null;
  return { json: rest.length !== args.length };
}

/** The lines `--version` prints, or its one JSON line. */
export function renderVersion(info: VersionInfo, json: boolean): string {
  if (json) return JSON.stringify(info);
  return [
    `halton-meter ${info.version}`,
    `price data ${info.price_data}`,
    `deno ${info.deno} (${info.target}${info.compiled ? ", compiled" : ""})`,
  ].join("\n");
}
