import assert from "node:assert/strict";
import { collectStatus, type StatusDeps } from "./status.ts";
import { withTempHome } from "../tests/_support/temp_home.ts";

const nothingRunning: StatusDeps = {
  backend: null,
  isAlive: () => false,
  probeHttp: () => Promise.resolve({ kind: "refused" }),
  os: "linux",
  policyView: () => Promise.reject(new Error("not asked in this test")),
};

async function sentinels(home: string, files: Record<string, string>) {
  for (const name of ["install-mode", "apps-managed", "proxy-managed"]) {
    await Deno.remove(`${home}/${name}`).catch(() => {});
  }
  for (const [name, text] of Object.entries(files)) {
    await Deno.writeTextFile(`${home}/${name}`, text);
  }
  return (await collectStatus(home, nothingRunning)).sentinels;
}

Deno.test("status: inconsistent sentinels suggest the init of the recorded mode, never plain init on apps/full", () =>
  withTempHome("hm-status-sentinels-", async (home) => {
    // apps install with a stray proxy-managed: plain init would switch it to env-only.
    let s = await sentinels(home, {
      "install-mode": "apps\n",
      "apps-managed": "",
      "proxy-managed": "",
    });
    assert.equal(s.state, "inconsistent");
    assert.match(s.detail, /run halton-meter init --apps to reconcile$/);

    s = await sentinels(home, { "install-mode": "full\n", "proxy-managed": "" });
    assert.match(s.detail, /run halton-meter init --full to reconcile$/);

    s = await sentinels(home, { "install-mode": "env-only\n", "apps-managed": "" });
    assert.match(s.detail, /run halton-meter init to reconcile$/);

    // No readable mode: the sentinels say what was set up.
    s = await sentinels(home, { "install-mode": "sideways\n", "apps-managed": "" });
    assert.match(s.detail, /run halton-meter init --apps to reconcile$/);

    s = await sentinels(home, { "install-mode": "apps\n", "apps-managed": "" });
    assert.equal(s.state, "healthy");
  }));
