import assert from "node:assert/strict";
import { artifactName, readExecutableHead, targetOfExecutable } from "./release_targets.ts";

function header(size: number, fill: (b: Uint8Array, v: DataView) => void): Uint8Array {
  const b = new Uint8Array(size);
  fill(b, new DataView(b.buffer));
  return b;
}

const elf = (machine: number) =>
  header(64, (b, v) => {
    b.set([0x7f, 0x45, 0x4c, 0x46]);
    v.setUint16(18, machine, true);
  });
const macho = (cpu: number) =>
  header(32, (_b, v) => {
    v.setUint32(0, 0xfeedfacf, true);
    v.setUint32(4, cpu, true);
  });
const pe = (machine: number) =>
  header(256, (b, v) => {
    b.set([0x4d, 0x5a]);
    v.setUint32(0x3c, 0x80, true);
    b.set([0x50, 0x45, 0, 0], 0x80);
    v.setUint16(0x84, machine, true);
  });

Deno.test("targetOfExecutable reads ELF, Mach-O and PE headers", () => {
  assert.deepEqual(targetOfExecutable(elf(0x3e)), { target: "x86_64-unknown-linux-gnu" });
  assert.deepEqual(targetOfExecutable(elf(0xb7)), { target: "aarch64-unknown-linux-gnu" });
  assert.deepEqual(targetOfExecutable(macho(0x01000007)), { target: "x86_64-apple-darwin" });
  assert.deepEqual(targetOfExecutable(macho(0x0100000c)), { target: "aarch64-apple-darwin" });
  assert.deepEqual(targetOfExecutable(pe(0x8664)), { target: "x86_64-pc-windows-msvc" });
  assert.deepEqual(targetOfExecutable(elf(0x28)), { other: "an ELF executable for machine 0x28" });
  assert.deepEqual(targetOfExecutable(pe(0xaa64)), { other: "a PE executable for machine 0xaa64" });
  assert.deepEqual(targetOfExecutable(new TextEncoder().encode("#!/bin/sh\n")), {
    other: "a script (#!), not an executable",
  });
  assert.ok("other" in targetOfExecutable(new Uint8Array(0)));
});

Deno.test("targetOfExecutable: the running deno is this machine's target", async () => {
  const of = targetOfExecutable(await readExecutableHead(Deno.execPath()));
  assert.deepEqual(of, { target: Deno.build.target });
});

Deno.test("artifactName: version and target, .exe on Windows", () => {
  assert.equal(
    artifactName("1.2.3", "aarch64-apple-darwin"),
    "halton-meter-1.2.3-aarch64-apple-darwin",
  );
  assert.equal(
    artifactName("1.2.3", "x86_64-pc-windows-msvc"),
    "halton-meter-1.2.3-x86_64-pc-windows-msvc.exe",
  );
});
