/**
 * `main.ts --role userenv` black-box in a sandboxed HOME and HALTON_METER_HOME: it
 * re-applies the login environment init recorded (rc block, environment.d), logs to
 * `logs/userenv.log`, and `status` reports `applied` / `stale` / `unused` from its records.
 */
import assert from "node:assert/strict";
import { MAIN, type RoleProcess, startMain } from "./_support/role_process.ts";
import { SOURCE_PERMISSIONS } from "../setup/mod.ts";
import { emptySystemState } from "../setup/system_state.ts";

const ENV = {
  HTTPS_PROXY: "http://127.0.0.1:18081",
  NO_PROXY: "localhost,127.0.0.1,::1",
  SSL_CERT_FILE: "/sandbox/ca-bundle.pem",
};

async function main(root: string, state: string, ...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...SOURCE_PERMISSIONS, MAIN, ...args],
    // HOME points elsewhere: the role must write for the user init recorded, not for its own
    // environment (a service manager's may differ).
    env: {
      HOME: `${root}/elsewhere`,
      HALTON_METER_HOME: state,
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      NO_COLOR: "1",
      DENO_DIR: Deno.env.get("DENO_DIR") ?? `${Deno.env.get("HOME")}/.cache/deno`,
      HALTON_METER_SYSTEM_PROXY: "none",
    },
    clearEnv: true,
    stdin: "null",
  }).output();
  const d = new TextDecoder();
  return { code: out.code, stdout: d.decode(out.stdout), stderr: d.decode(out.stderr) };
}

Deno.test({
  name:
    "--role userenv re-applies the recorded login environment; status says applied/stale/unused",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "hm-userenv-" });
    const home = `${root}/home`;
    const state = `${root}/state`;
    try {
      await Deno.mkdir(`${home}/.config`, { recursive: true });
      await Deno.mkdir(`${root}/elsewhere`);
      await Deno.mkdir(state);
      await Deno.writeTextFile(`${home}/.bashrc`, "alias ll='ls -l'\n");
      await Deno.writeTextFile(`${state}/install-mode`, "apps\n");
      await Deno.writeTextFile(
        `${state}/system_state.json`,
        JSON.stringify(emptySystemState("2026-12-01T08:00:00.000Z")),
      );
      const record = {
        mode: "apps",
        env: ENV,
        shell_rc: true,
        target: { userHome: home, loginShell: "/bin/bash" },
        recorded_at: "2026-12-01T08:00:00.000Z",
      };
      await Deno.writeTextFile(`${state}/login-env.json`, JSON.stringify(record));

      const first = await main(root, state, "--role", "userenv");
      assert.equal(first.code, 0, first.stdout + first.stderr);
      const profile = await Deno.readTextFile(`${home}/.profile`);
      assert.ok(profile.includes("export HTTPS_PROXY='http://127.0.0.1:18081'"), profile);
      assert.ok((await Deno.readTextFile(`${home}/.bashrc`)).startsWith("alias ll='ls -l'\n"));
      const envD = await Deno.readTextFile(`${home}/.config/environment.d/halton-meter.conf`);
      assert.match(envD, /HTTPS_PROXY=/);
      await assert.rejects(() => Deno.stat(`${root}/elsewhere/.profile`));
      const log = await Deno.readTextFile(`${state}/logs/userenv.log`);
      assert.match(log, /login environment applied/);
      const recorded = JSON.parse(await Deno.readTextFile(`${state}/system_state.json`));
      assert.ok(recorded.files_created.includes(`${home}/.profile`), recorded.files_created);
      assert.equal(
        await Deno.stat(`${state}/run/userenv.pid`).then(() => true, () => false),
        false,
      );

      const status = async () =>
        JSON.parse((await main(root, state, "status", "--json")).stdout).userenv as {
          state: string;
          detail: string;
        };
      const applied = await status();
      assert.equal(applied.state, "applied", applied.detail);
      assert.match(applied.detail, /last applied at login/);

      // init recorded a newer environment: not applied yet.
      await Deno.writeTextFile(
        `${state}/login-env.json`,
        JSON.stringify({ ...record, recorded_at: "2026-12-01T09:00:00.000Z" }),
      );
      const stale = await status();
      assert.equal(stale.state, "stale");
      assert.match(stale.detail, /older record/);

      // The next login brings it back; a second run changes nothing it already wrote.
      const again = await main(root, state, "--role", "userenv");
      assert.equal(again.code, 0, again.stderr);
      assert.equal(await Deno.readTextFile(`${home}/.profile`), profile);
      assert.equal((await status()).state, "applied");

      await Deno.writeTextFile(`${state}/install-mode`, "env-only\n");
      const envOnly = await main(root, state, "--role", "userenv");
      assert.equal(envOnly.code, 0, envOnly.stderr);
      assert.match(
        await Deno.readTextFile(`${state}/logs/userenv.log`),
        /nothing to do: env-only mode/,
      );
      assert.deepEqual(await status(), { state: "unused", detail: "not used in env-only mode" });
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "an edge back on a fallback port: doctor FAILs on the login environment, the watchdog re-points it",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "hm-userenv-moved-" });
    const home = `${root}/home`;
    const state = `${root}/state`;
    // The edge's configured port is taken (another program, or the old edge not gone yet).
    const squatter = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const taken = squatter.addr.port;
    let up: RoleProcess | null = null;
    try {
      await Deno.mkdir(`${home}/.config`, { recursive: true });
      await Deno.mkdir(`${root}/elsewhere`);
      await Deno.mkdir(state);
      await Deno.writeTextFile(`${state}/install-mode`, "apps\n");
      await Deno.writeTextFile(`${state}/apps-managed`, "");
      await Deno.writeTextFile(
        `${state}/config.json`,
        JSON.stringify({ ports: { edge: taken, internal: 0, api: 0 } }),
      );
      const proxy = `http://127.0.0.1:${taken}`;
      await Deno.writeTextFile(
        `${state}/login-env.json`,
        JSON.stringify({
          mode: "apps",
          env: { ...ENV, HTTPS_PROXY: proxy, HTTP_PROXY: proxy },
          shell_rc: true,
          target: { userHome: home, loginShell: "/bin/bash" },
          recorded_at: "2026-12-01T08:00:00.000Z",
        }),
      );
      // What doctor sees once the edge came back one port up and before anything followed it.
      await Deno.writeTextFile(
        `${state}/effective-ports.json`,
        JSON.stringify({ edge: taken + 1 }),
      );
      const doctor = async () => {
        const r = await main(root, state, "doctor", "--json");
        return JSON.parse(r.stdout).checks.find((c: { id: string }) =>
          c.id === "install.login-env"
        );
      };
      const before = await doctor();
      assert.equal(before.status, "FAIL", JSON.stringify(before));
      assert.match(before.next, /halton-meter --role userenv/);

      up = await startMain(["up"], state, {
        ready: /NODE_EXTRA_CA_CERTS/,
        env: { HALTON_METER_SYSTEM_PROXY: "none", HALTON_METER_WATCHDOG_INTERVAL_MS: "200" },
      });
      const edgePort = JSON.parse(await Deno.readTextFile(`${state}/effective-ports.json`)).edge;
      assert.notEqual(edgePort, taken, "the edge fell back to another port");
      const profile = `${home}/.profile`;
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        const text = await Deno.readTextFile(profile).catch(() => "");
        if (text.includes(`127.0.0.1:${edgePort}`)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.match(await Deno.readTextFile(profile), new RegExp(`127\\.0\\.0\\.1:${edgePort}'`));
      const envD = await Deno.readTextFile(`${home}/.config/environment.d/halton-meter.conf`);
      assert.match(envD, new RegExp(`127\\.0\\.0\\.1:${edgePort}`));
      assert.doesNotMatch(envD, new RegExp(`127\\.0\\.0\\.1:${taken}\\b`));
      const rec = JSON.parse(await Deno.readTextFile(`${state}/login-env.json`));
      assert.equal(rec.env.HTTPS_PROXY, `http://127.0.0.1:${edgePort}`);
      assert.match(await Deno.readTextFile(`${state}/logs/watchdog.log`), /the edge moved/);
      assert.equal((await doctor()).status, "PASS");
    } finally {
      await up?.stop();
      squatter.close();
      await Deno.remove(root, { recursive: true });
    }
  },
});
