import assert from "node:assert/strict";
import { BUNDLE, CA_PATH, createWorld, ENV_D, HOME } from "./_init_fakes.ts";
import { init, text, uninstall } from "./_init_runs.ts";

Deno.test("uninstall keeps the records of what it could not undo (and skips --purge); a later one finishes", async () => {
  const w = createWorld();
  await init(w, "apps");
  w.untrustFails = true;
  const records = ["system_state.json", "install-mode", "apps-managed"].map((f) => `${HOME}/${f}`);
  const saved = records.map((p) => text(w, p));
  for (const purge of [false, true]) {
    const r = await uninstall(w, { purge });
    assert.equal(r.code, 1);
    assert.ok(
      r.out.some((l) => /Keeping the install records: 1 step\(s\) above were not undone/.test(l)),
    );
    assert.ok(r.out.some((l) => /uninstall incomplete/.test(l)));
    assert.match(r.err.join("\n"), /untrust CA: Cannot read/);
    assert.equal(r.events.includes(`purge ${HOME}`), false);
    assert.deepEqual(records.map((p) => text(w, p)), saved);
    assert.equal(w.machine.trusted, true);
  }
  w.untrustFails = false;
  const r = await uninstall(w);
  assert.equal(r.code, 0, r.err.join("\n"));
  assert.ok(r.events.includes(`trust remove ${CA_PATH}`));
  assert.equal(w.machine.trusted, false);
  for (const p of records) assert.equal(w.files.files.has(p), false, p);
});

Deno.test("uninstall reverts in order from system_state.json and keeps db, logs and CA", async () => {
  const w = createWorld();
  await init(w, "full");
  w.files.files.set(`${HOME}/db.sqlite`, "db");
  const r = await uninstall(w);
  assert.equal(r.code, 0, r.err.join("\n"));
  assert.deepEqual(r.events, [
    `proxy restore {"mode":"none"}`,
    `env remove created=${ENV_D}`,
    "service uninstall graceful=false",
    `certifi unpatch ${BUNDLE}`,
    `trust remove ${CA_PATH}`,
  ]);
  assert.equal(r.out[0], "  1/6  Restoring the system proxy…");
  for (const f of ["install-mode", "apps-managed", "proxy-managed", "system_state.json"]) {
    assert.equal(w.files.files.has(`${HOME}/${f}`), false, f);
  }
  assert.ok(w.files.files.has(`${HOME}/db.sqlite`));
  assert.ok(r.out.some((l) => l.includes("uninstall complete")));
  // Nothing left to revert: a second uninstall skips every step.
  const again = await uninstall(w);
  assert.equal(again.code, 0);
  assert.deepEqual(again.events, []);
});

Deno.test("uninstall --graceful keeps the edge; --purge removes the state directory", async () => {
  const w = createWorld();
  await init(w, "apps");
  w.files.files.set(`${HOME}/db.sqlite`, "db");
  const r = await uninstall(w, { graceful: true, purge: true });
  assert.equal(r.code, 0, r.err.join("\n"));
  assert.ok(r.events.includes("service uninstall graceful=true"));
  assert.equal(r.events.at(-1), `purge ${HOME}`);
  assert.equal(w.files.files.has(`${HOME}/db.sqlite`), false);
  assert.ok(r.out.some((l) => l.includes("the edge keeps running until reboot")));
});

Deno.test("uninstall without system_state.json still finds a trusted CA", async () => {
  const w = createWorld();
  await init(w, "env-only");
  w.files.files.delete(`${HOME}/system_state.json`);
  w.files.files.set(CA_PATH, "pem");
  const r = await uninstall(w);
  assert.ok(r.events.includes(`trust remove ${CA_PATH}`));
  assert.ok(r.events.includes("service uninstall graceful=false"));
});
