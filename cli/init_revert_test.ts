import assert from "node:assert/strict";
import { noSystemProxy } from "../setup/mod.ts";
import { BUNDLE, CA_PATH, createWorld, ENV_D, HOME } from "./_init_fakes.ts";
import { init, text } from "./_init_runs.ts";

Deno.test("--clean rolls back everything a first run did when the self-test fails", async () => {
  const w = createWorld();
  w.selfTests = [{ ok: false, stage: "edge", message: "refused", ms: 1 }];
  const r = await init(w, "full", { clean: true });
  assert.equal(r.code, 1);
  assert.deepEqual(r.events.slice(r.events.indexOf("self-test")), [
    "self-test",
    `proxy restore {"mode":"none"}`,
    `env remove created=${ENV_D}`,
    "service uninstall graceful=false",
    `certifi unpatch ${BUNDLE}`,
    `trust remove ${CA_PATH}`,
    "ca remove",
  ]);
  for (const f of ["install-mode", "apps-managed", "proxy-managed", "system_state.json"]) {
    assert.equal(w.files.files.has(`${HOME}/${f}`), false, f);
  }
  assert.deepEqual(w.machine, {
    trusted: false,
    patched: false,
    envFiles: [],
    proxy: "off",
    installed: false,
    caExists: false,
  });
});

Deno.test("--clean leaves the home as the run found it: preload, userenv record, API token, ports gone; logs named", async () => {
  const w = createWorld();
  w.files.files.set(`${HOME}/config.json`, "{}\n");
  w.selfTests = [{ ok: false, stage: "tls", message: "unknown issuer", ms: 1 }];
  const r = await init(w, "apps", { clean: true });
  assert.equal(r.code, 1);
  assert.deepEqual([...w.files.files.keys()].filter((p) => p.startsWith(`${HOME}/`)), [
    `${HOME}/config.json`,
  ]);
  for (const dir of [`${HOME}/node`, `${HOME}/run`]) {
    assert.equal(w.files.dirs.has(dir), false, dir);
  }
  assert.ok(r.out.some((l) => /restored +\/home\/u\/\.halton-meter\/api-token$/.test(l)));
  assert.ok(r.out.some((l) => /kept +\/home\/u\/\.halton-meter\/logs\//.test(l)));
  assert.equal(r.out.some((l) => /init complete/.test(l)), false);

  // A re-run keeps what was there before it: the token, the preload, the userenv record.
  const w2 = createWorld();
  assert.equal((await init(w2, "apps")).code, 0);
  const kept = ["api-token", "node/proxy-preload.cjs", "run/userenv-applied.json"].map((f) =>
    `${HOME}/${f}`
  );
  // As an older version left them: this run rewrites both, --clean must put them back.
  w2.files.files.set(kept[1], "// an older preload\n");
  w2.files.files.set(kept[2], '{"at":"2025-12-01T00:00:00Z","by":"userenv","ok":true}\n');
  const before = kept.map((p) => w2.files.files.get(p));
  w2.selfTests = [{ ok: false, stage: "row", message: "no row", ms: 1 }];
  assert.equal((await init(w2, "apps", { clean: true })).code, 1);
  assert.deepEqual(kept.map((p) => w2.files.files.get(p)), before);
});

Deno.test("--clean on a re-run only undoes what that run changed", async () => {
  const w = createWorld();
  await init(w, "apps");
  w.selfTests = [{ ok: false, stage: "row", message: "no row", ms: 1 }];
  const r = await init(w, "full", { clean: true });
  assert.equal(r.code, 1);
  const after = r.events.slice(r.events.indexOf("self-test") + 1);
  assert.deepEqual(after, [`proxy restore {"mode":"none"}`]);
  assert.equal(text(w, `${HOME}/install-mode`), "apps\n");
  assert.ok(w.files.files.has(`${HOME}/apps-managed`));
  assert.equal(w.files.files.has(`${HOME}/proxy-managed`), false);
  assert.ok(w.files.files.has(`${HOME}/system_state.json`));
});

Deno.test("--clean after leaving full mode without a managed proxy puts proxy-unmanaged back", async () => {
  const w = createWorld();
  const initDeps = w.initDeps;
  w.initDeps = () => ({ ...initDeps(), systemProxy: noSystemProxy("no GNOME here") });
  assert.equal((await init(w, "full")).code, 0);
  w.selfTests = [{ ok: false, stage: "row", message: "no row", ms: 1 }];
  const r = await init(w, "apps", { clean: true });
  assert.equal(r.code, 1);
  assert.equal(text(w, `${HOME}/install-mode`), "full\n");
  assert.equal(text(w, `${HOME}/proxy-unmanaged`), "no GNOME here\n");
});
