/**
 * Which release target (core/release.ts) an executable was built for, read from its header: a
 * DENORT_BIN or an artifact for the wrong platform is caught before it is published.
 */

export { artifactName, isTarget, type Target, TARGETS } from "../core/mod.ts";
import type { Target } from "../core/mod.ts";

const u16 = (b: Uint8Array, at: number) => b[at] | (b[at + 1] << 8);
const u32 = (b: Uint8Array, at: number) => (u16(b, at) | (u16(b, at + 2) << 16)) >>> 0;

/**
 * The release target an executable's header says it is for (ELF, 64-bit Mach-O or PE; x86-64
 * or arm64), or a short description of what it is instead.
 */
export function targetOfExecutable(head: Uint8Array): { target: Target } | { other: string } {
  if (head.length >= 20 && head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c) {
    const machine = u16(head, 18);
    if (machine === 0x3e) return { target: "x86_64-unknown-linux-gnu" };
    if (machine === 0xb7) return { target: "aarch64-unknown-linux-gnu" };
    return { other: `an ELF executable for machine 0x${machine.toString(16)}` };
  }
  if (head.length >= 8 && u32(head, 0) === 0xfeedfacf) {
    const cpu = u32(head, 4);
    if (cpu === 0x01000007) return { target: "x86_64-apple-darwin" };
    if (cpu === 0x0100000c) return { target: "aarch64-apple-darwin" };
    return { other: `a Mach-O executable for CPU type 0x${cpu.toString(16)}` };
  }
  if (head.length >= 64 && head[0] === 0x4d && head[1] === 0x5a) {
    const pe = u32(head, 0x3c);
    if (head.length >= pe + 6 && u32(head, pe) === 0x00004550) {
      const machine = u16(head, pe + 4);
      if (machine === 0x8664) return { target: "x86_64-pc-windows-msvc" };
      return { other: `a PE executable for machine 0x${machine.toString(16)}` };
    }
  }
  if (head[0] === 0x23 && head[1] === 0x21) return { other: "a script (#!), not an executable" };
  return { other: "not an executable this release knows (ELF, Mach-O or PE)" };
}

/** Reads enough of `path` for targetOfExecutable (a PE header may sit a few KiB in). */
export async function readExecutableHead(path: string): Promise<Uint8Array> {
  using file = await Deno.open(path, { read: true });
  const head = new Uint8Array(4096);
  let filled = 0;
  while (filled < head.length) {
    const n = await file.read(head.subarray(filled));
    if (n === null) break;
    filled += n;
  }
  return head.subarray(0, filled);
}
