/** How to recognise a block: its first line, and the line that closes it. */
export interface BlockMarkers {
  what: string;
  isBegin(line: string): boolean;
  isEnd(line: string): boolean;
}

interface Region {
  start: number;
  /** Exclusive; includes the closing line's newline when it has one. */
  end: number;
  /** The closing line is the last line of the text and has no newline. */
  open: boolean;
}

function findBlocks(text: string, markers: BlockMarkers): Region[] {
  const regions: Region[] = [];
  let begin = -1;
  let beginLine = 0;
  let offset = 0;
  let lineNo = 0;
  while (offset < text.length) {
    const nl = text.indexOf("\n", offset);
    const next = nl === -1 ? text.length : nl + 1;
    const line = text.slice(offset, nl === -1 ? text.length : nl).replace(/\r$/, "");
    lineNo++;
    if (markers.isBegin(line)) {
      if (begin !== -1) {
        throw new Error(
          `Cannot edit the ${markers.what}: the block opened on line ${beginLine} is not closed before line ${lineNo} opens another; fix the file by hand`,
        );
      }
      begin = offset;
      beginLine = lineNo;
    } else if (begin !== -1 && markers.isEnd(line)) {
      regions.push({ start: begin, end: next, open: nl === -1 });
      begin = -1;
    }
    offset = next;
  }
  if (begin !== -1) {
    throw new Error(
      `Cannot edit the ${markers.what}: the block opened on line ${beginLine} is never closed; fix the file by hand`,
    );
  }
  return regions;
}

/**
 * Removes every block. A block that ends the text without a final newline was appended
 * to a text that had none, so the newline inserted before it goes too: this is what makes
 * removal the exact inverse of `applyMarkedBlock`.
 */
export function removeMarkedBlocks(text: string, markers: BlockMarkers): string {
  let out = text;
  for (const r of findBlocks(text, markers).reverse()) {
    const start = r.open && r.start > 0 && out[r.start - 1] === "\n" ? r.start - 1 : r.start;
    out = out.slice(0, start) + out.slice(r.end);
  }
  return out;
}

/**
 * Puts `block` (which ends with a newline) in `text`: replaces the first existing block
 * in place and drops any others, or appends once. A text without a final newline gets one
 * before the block and the block loses its own, so the file still ends as it did.
 */
export function applyMarkedBlock(text: string, block: string, markers: BlockMarkers): string {
  const regions = findBlocks(text, markers);
  if (regions.length === 0) {
    if (text === "" || text.endsWith("\n")) return text + block;
    return text + "\n" + block.slice(0, -1);
  }
  const first = regions[0];
  const tail = removeMarkedBlocks(text.slice(first.end), markers);
  const replacement = first.open ? block.slice(0, -1) : block;
  return text.slice(0, first.start) + replacement + tail;
}

/** Throws unless `block` is exactly one well-formed block ending with a newline. */
export function checkBlock(block: string, markers: BlockMarkers): void {
  const regions = block.endsWith("\n") ? findBlocks(block, markers) : [];
  if (regions.length !== 1 || regions[0].start !== 0 || regions[0].end !== block.length) {
    throw new Error(
      `Cannot apply the ${markers.what}: the block must start with its marker line and end with its closing line and a newline`,
    );
  }
}
