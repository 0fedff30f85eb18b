import assert from "node:assert/strict";
import { ensureHaproxy, type EnsureHaproxyDeps } from "./ensure_haproxy.ts";

function fakeDeps(opts: { installed: boolean; uid: number; apt: boolean }) {
  const calls: string[] = [];
  let installed = opts.installed;
  const deps: EnsureHaproxyDeps = {
    run(cmd, args) {
      calls.push([cmd, ...args].join(" "));
      if (cmd.endsWith("haproxy")) {
        if (!installed) return Promise.reject(new Deno.errors.NotFound(cmd));
        return Promise.resolve({
          code: 0,
          stdout: "HAProxy version 2.6.12-1+deb12u4 2026/10/17 - https://haproxy.org/\n",
          stderr: "",
        });
      }
      if (cmd === "apt-get" && !opts.apt) return Promise.reject(new Deno.errors.NotFound(cmd));
      if (cmd === "apt-get" && args[0] === "install") installed = true;
      return Promise.resolve({ code: 0, stdout: "", stderr: "" });
    },
    uid: () => opts.uid,
    log: () => {},
  };
  return { deps, calls };
}

Deno.test("ensureHaproxy finds an installed haproxy without installing", async () => {
  const { deps, calls } = fakeDeps({ installed: true, uid: 0, apt: true });
  assert.deepEqual(await ensureHaproxy(deps), {
    kind: "found",
    path: "haproxy",
    version: "2.6.12-1+deb12u4",
  });
  assert.ok(!calls.some((c) => c.startsWith("apt-get")));
});

Deno.test("ensureHaproxy installs with apt-get as root", async () => {
  const { deps, calls } = fakeDeps({ installed: false, uid: 0, apt: true });
  const r = await ensureHaproxy(deps);
  assert.equal(r.kind, "found");
  assert.ok(calls.includes("apt-get install -y -q haproxy"));
});

Deno.test("ensureHaproxy only explains how to install when not root", async () => {
  const { deps, calls } = fakeDeps({ installed: false, uid: 1000, apt: true });
  const r = await ensureHaproxy(deps);
  assert.equal(r.kind, "missing");
  if (r.kind === "missing") assert.match(r.hint, /apt-get install -y haproxy/);
  assert.ok(!calls.some((c) => c.startsWith("apt-get install")));
});
