/**
 * Whether a 101 answer's `Sec-WebSocket-Extensions` accepted permessage-deflate (RFC 7692 §5):
 * a comma-separated list of extensions, each a name with `;`-separated parameters.
 */
export function permessageDeflateAccepted(value: string | null): boolean {
  if (value === null) return false;
  return value.split(",").some((ext) =>
    ext.split(";")[0].trim().toLowerCase() === "permessage-deflate"
  );
}
