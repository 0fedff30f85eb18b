import assert from "node:assert/strict";
import { asksVersion, renderVersion, type VersionInfo } from "./version.ts";

const INFO: VersionInfo = {
  version: "1.2.3",
  price_data: "genai-prices@0.1.8",
  deno: "2.9.6",
  v8: "15.0",
  typescript: "6.0.3",
  target: "x86_64-unknown-linux-gnu",
  compiled: true,
};

Deno.test("asksVersion: --version or -V, with or without --json, nothing else", () => {
  assert.deepEqual(asksVersion(["--version"]), { json: false });
  assert.deepEqual(asksVersion(["-V", "--json"]), { json: true });
  assert.deepEqual(asksVersion(["--json", "--version"]), { json: true });
  assert.equal(asksVersion(["status", "--json"]), null);
  assert.equal(asksVersion(["up", "--version"]), null);
  assert.equal(asksVersion([]), null);
});

Deno.test("renderVersion: three lines, or one JSON object", () => {
  assert.equal(
    renderVersion(INFO, false),
    "halton-meter 1.2.3\nprice data genai-prices@0.1.8\ndeno 2.9.6 (x86_64-unknown-linux-gnu, compiled)",
  );
  assert.deepEqual(JSON.parse(renderVersion(INFO, true)), INFO);
});
