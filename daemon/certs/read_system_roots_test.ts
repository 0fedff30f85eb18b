import assert from "node:assert/strict";
import { readSystemRoots } from "./read_system_roots.ts";

const PEM = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";

Deno.test("readSystemRoots returns the first readable bundle holding certificates", async () => {
  const files: Record<string, string> = { "/b": "no certs here", "/c": PEM, "/d": PEM + PEM };
  const result = await readSystemRoots({
    candidates: ["/a", "/b", "/c", "/d"],
    readTextFile: (path) =>
      path in files ? Promise.resolve(files[path]) : Promise.reject(new Deno.errors.NotFound(path)),
  });
  assert.deepEqual(result, { kind: "found", path: "/c", pem: PEM });
});

Deno.test("readSystemRoots reports every path it tried when none is usable", async () => {
  const result = await readSystemRoots({
    candidates: ["/x", "/y"],
    readTextFile: () => Promise.reject(new Deno.errors.PermissionDenied("nope")),
  });
  assert.deepEqual(result, { kind: "not-found", tried: ["/x", "/y"] });
});

Deno.test("readSystemRoots finds this machine's bundle (Linux CI has one)", async () => {
  const result = await readSystemRoots();
  if (Deno.build.os !== "linux") return;
  assert.equal(result.kind, "found");
  if (result.kind === "found") assert.ok(result.pem.split("BEGIN CERTIFICATE").length > 10);
});
