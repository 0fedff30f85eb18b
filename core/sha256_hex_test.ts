import assert from "node:assert/strict";
import { sha256Hex } from "./sha256_hex.ts";

Deno.test("sha256Hex: sha256sum's digits", async () => {
  assert.equal(
    await sha256Hex(new TextEncoder().encode("abc")),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
});
