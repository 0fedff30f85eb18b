import {
  applyMarkedBlock,
  type BlockMarkers,
  checkBlock,
  removeMarkedBlocks,
} from "./_marked_block.ts";
import { RC_BEGIN_MARKER, RC_END_MARKER } from "./render_shell_rc_block.ts";

const MARKERS: BlockMarkers = {
  what: "halton-meter shell rc block",
  isBegin: (line) => line === RC_BEGIN_MARKER,
  isEnd: (line) => line === RC_END_MARKER,
};

/**
 * Returns `existingText` with `block` (from `renderShellRcBlock`) in it: an existing block
 * is replaced in place, otherwise the block is appended once. Everything else is kept byte
 * for byte, and `removeRcBlock` undoes it exactly.
 */
export function applyRcBlock(existingText: string, block: string): string {
  checkBlock(block, MARKERS);
  return applyMarkedBlock(existingText, block, MARKERS);
}

/** Removes every halton-meter block; the inverse of `applyRcBlock` on a text that had none. */
export function removeRcBlock(text: string): string {
  return removeMarkedBlocks(text, MARKERS);
}
