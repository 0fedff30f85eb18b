// XML 1.0 cannot carry these at all, escaped or not.
// deno-lint-ignore no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

/** Escapes text for element content and attribute values; throws on characters XML cannot hold. */
export function escapeXml(value: string): string {
  const bad = FORBIDDEN.exec(value);
  if (bad) {
    const code = bad[0].charCodeAt(0).toString(16).padStart(4, "0");
    throw new Error(
      `Cannot write ${
        JSON.stringify(value)
      } into XML: it contains U+${code}, which XML 1.0 cannot represent; remove it`,
    );
  }
  return value
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&apos;");
}
