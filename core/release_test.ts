import assert from "node:assert/strict";
import { findArtifact, releaseBase } from "./release.ts";

const A = "a".repeat(64);
const B = "b".repeat(64);

Deno.test("releaseBase: latest, or the version's directory (a leading v dropped)", () => {
  assert.equal(releaseBase("http://h/releases/"), "http://h/releases/latest/download");
  assert.equal(releaseBase("http://h/releases", "v1.2.3"), "http://h/releases/download/v1.2.3");
  assert.equal(releaseBase("http://h/releases", "1.2.3"), "http://h/releases/download/v1.2.3");
});

Deno.test("findArtifact: this target's line of SHA256SUMS, with the version from its name", () => {
  const sums = `${A}  halton-meter-1.2.3-aarch64-apple-darwin\n` +
    `${B}  halton-meter-1.2.3-x86_64-pc-windows-msvc.exe\n`;
  assert.deepEqual(findArtifact(sums, "aarch64-apple-darwin"), {
    sha256: A,
    name: "halton-meter-1.2.3-aarch64-apple-darwin",
    version: "1.2.3",
  });
  assert.equal(findArtifact(sums, "x86_64-pc-windows-msvc")?.version, "1.2.3");
  assert.equal(findArtifact(sums, "x86_64-apple-darwin"), null);
  assert.equal(
    findArtifact(`${A} halton-meter-1-aarch64-apple-darwin\n`, "aarch64-apple-darwin"),
    null,
  );
});
