/** Longest project name kept (in characters); longer names are refused, not cut. */
export const MAX_PROJECT_CHARS = 128;
/** Raw values longer than this are refused before any decoding work. */
export const MAX_RAW_PROJECT_CHARS = 1024;

/**
 * A project name from a client-controlled value: URL-decoded when it is valid
 * percent-encoding (clients put names in proxy URLs, `http://my%20app:x@127.0.0.1`),
 * then it must be printable: any control, format (e.g. bidi override), private-use,
 * unassigned or lone-surrogate character refuses it. Then trimmed, 1..128 characters.
 * Null when refused; never throws.
 */
export function cleanProject(raw: string): string | null {
  if (raw.length > MAX_RAW_PROJECT_CHARS) return null;
  let value = raw;
  if (value.includes("%")) {
    try {
      value = decodeURIComponent(value);
    } catch {
      // Not percent-encoding: a literal "%" is a legal character in a name.
    }
  }
  // Checked before trimming: a decoded "%0A" must refuse the name, not vanish.
  if (/\p{C}/u.test(value)) return null;
  value = value.trim();
  if (value === "" || [...value].length > MAX_PROJECT_CHARS) return null;
  return value;
}
