import assert from "node:assert/strict";
import { octalMode } from "./doctor_check.ts";

Deno.test("octalMode: four octal digits of the permission bits, file type bits dropped", () => {
  assert.equal(octalMode(0o600), "0600");
  assert.equal(octalMode(0o100644), "0644");
  assert.equal(octalMode(0o40700), "0700");
  assert.equal(octalMode(0o4755), "0755");
});
