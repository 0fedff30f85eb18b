/**
 * A time-ordered UUID (RFC 9562 version 7): 48-bit Unix ms, then random bits. Call ids are the
 * calls table's primary key: random (v4) ids put every insert on a random page of that b-tree,
 * so each batch dirtied hundreds of pages and SQLite's COMMIT (WAL writes, checkpoints) cost ~4x
 * the inserts themselves. Time-ordered ids append, like the started_at index.
 */
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export function uuidV7(nowMs: number = Date.now()): string {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b);
  let ms = Math.max(0, Math.floor(nowMs));
  for (let i = 5; i >= 0; i--) {
    b[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  b[6] = 0x70 | (b[6] & 0x0f); // version 7
  b[8] = 0x80 | (b[8] & 0x3f); // variant 10
  let s = "";
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += "-";
    s += HEX[b[i]];
  }
  return s;
}
