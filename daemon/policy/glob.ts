/**
 * Policy globs: `*` matches any run of characters (also none), `?` exactly one, everything else
 * itself; ASCII letters match either case. The same pattern can be handed to SQLite
 * (`globToSql`), whose `GLOB` on `lower(column)` then agrees with `compileGlob` exactly, so
 * budget totals rebuilt from the database count what the in-memory matcher would.
 */

/** Lower-cases ASCII letters only, as SQLite's `lower()` does without ICU. */
export function asciiLower(text: string): string {
  // Most values (models, providers, hosts) are lower-case already: testing is cheaper.
  if (!/[A-Z]/.test(text)) return text;
  return text.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

/** A predicate for one glob or any of several. */
export type GlobMatcher = ((value: string) => boolean) & {
  /** The same test on a value already passed through `asciiLower` (skips lowering it again). */
  lowered(value: string): boolean;
};

function escapeRegExp(ch: string): string {
  return /[\\^$.|+()[\]{}*?]/.test(ch) ? `\\${ch}` : ch;
}

/** Compiles globs into one matcher; a value matches when it matches any of them. */
export function compileGlob(patterns: string | readonly string[]): GlobMatcher {
  const list = typeof patterns === "string" ? [patterns] : patterns;
  const literals = new Set<string>();
  const sources: string[] = [];
  for (const p of list) {
    const lower = asciiLower(p);
    if (!/[*?]/.test(lower)) {
      literals.add(lower);
      continue;
    }
    let src = "";
    for (const ch of lower) {
      src += ch === "*" ? "[\\s\\S]*" : ch === "?" ? "[\\s\\S]" : escapeRegExp(ch);
    }
    sources.push(src);
  }
  const re = sources.length ? new RegExp(`^(?:${sources.join("|")})$`, "u") : null;
  const lowered = (v: string) => literals.has(v) || (re !== null && re.test(v));
  return Object.assign((value: string) => lowered(asciiLower(value)), { lowered });
}

/**
 * The pattern as a SQLite GLOB operand for `lower(column) GLOB ?`: lower-cased, with `[` (the
 * only other character GLOB treats specially outside a class) made literal as `[[]`.
 */
export function globToSql(pattern: string): string {
  return asciiLower(pattern).replaceAll("[", "[[]");
}
