/** A percent-decoded URL path segment; a malformed escape leaves the segment as sent. */
export function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
