import assert from "node:assert/strict";
import { createMemoryFiles } from "./memory_files.ts";
import {
  emptySystemState,
  mergeSystemState,
  readSystemState,
  writeSystemState,
} from "./system_state.ts";

const T0 = "2026-01-01T00:00:00.000Z";
const T1 = "2026-01-02T00:00:00.000Z";
const PATH = "/h/system_state.json";

Deno.test("mergeSystemState keeps the first proxy snapshot and unions the lists", () => {
  const first = mergeSystemState(emptySystemState(T0), {
    system_proxy: { backend: "gsettings", data: { mode: "none" } },
    files_created: ["/u/.profile"],
    certifi_bundles: ["/a/cacert.pem"],
    trust: [{ ca_path: "/h/ca.pem", store: "debian" }],
    service_backends: ["direct"],
  }, T0);
  const second = mergeSystemState(first, {
    // A later capture would see our own proxy: it must not replace the pre-init one.
    system_proxy: { backend: "gsettings", data: { mode: "manual" } },
    files_created: ["/u/.profile", "/u/.config/environment.d"],
    certifi_bundles: ["/b/cacert.pem", "/a/cacert.pem"],
    trust: [{ ca_path: "/h/ca.pem", store: "debian" }],
    service_backends: ["systemd"],
  }, T1);
  assert.deepEqual(second, {
    version: 1,
    created_at: T0,
    updated_at: T1,
    system_proxy: { backend: "gsettings", data: { mode: "none" } },
    files_created: ["/u/.profile", "/u/.config/environment.d"],
    certifi_bundles: ["/a/cacert.pem", "/b/cacert.pem"],
    trust: [{ ca_path: "/h/ca.pem", store: "debian" }],
    service_backends: ["direct", "systemd"],
  });
});

Deno.test("readSystemState: missing, round trip (0600), invalid JSON and shape are data", async () => {
  const files = createMemoryFiles();
  assert.deepEqual(await readSystemState(files, PATH), { kind: "missing" });
  const state = mergeSystemState(emptySystemState(T0), { certifi_bundles: ["/x"] }, T1);
  await writeSystemState(files, PATH, state);
  assert.deepEqual(files.ops.at(-1), { op: "write", path: PATH, mode: 0o600 });
  assert.deepEqual(await readSystemState(files, PATH), { kind: "found", state });

  files.files.set(PATH, "{not json");
  const bad = await readSystemState(files, PATH);
  assert.equal(bad.kind, "invalid");
  assert.match(bad.kind === "invalid" ? bad.message : "", /Cannot parse .*; fix or delete it/);

  files.files.set(PATH, JSON.stringify({ ...state, files_created: "nope" }));
  const shape = await readSystemState(files, PATH);
  assert.match(shape.kind === "invalid" ? shape.message : "", /files_created/);
});

Deno.test("the trusted CA's certificate is recorded, the newest wins; older records without it still read", async () => {
  const a = mergeSystemState(emptySystemState(T0), {
    trust: [{ ca_path: "/h/ca.pem", store: "debian", ca_pem: "PEM-1" }],
  }, T0);
  const b = mergeSystemState(a, { trust: [{ ca_path: "/h/ca.pem", store: "debian" }] }, T1);
  assert.deepEqual(b.trust, [{ ca_path: "/h/ca.pem", store: "debian", ca_pem: "PEM-1" }]);
  const c = mergeSystemState(b, {
    trust: [{ ca_path: "/h/ca.pem", store: "debian", ca_pem: "PEM-2" }],
  }, T1);
  assert.deepEqual(c.trust, [{ ca_path: "/h/ca.pem", store: "debian", ca_pem: "PEM-2" }]);

  const files = createMemoryFiles();
  await writeSystemState(files, PATH, c);
  assert.deepEqual(await readSystemState(files, PATH), { kind: "found", state: c });
  const old = { ...c, trust: [{ ca_path: "/h/ca.pem", store: "debian" }] };
  files.files.set(PATH, JSON.stringify(old));
  assert.deepEqual(await readSystemState(files, PATH), { kind: "found", state: old });
});
