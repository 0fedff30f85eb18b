import assert from "node:assert/strict";
import { homeProcesses, pidAlive, readRolePid, rolePids } from "./processes.ts";

Deno.test({
  name: "processes: liveness, pid files and the processes of a home",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const home = await Deno.makeTempDir({ prefix: "hm-procs-" });
    // The cmdline holds `--role\0daemon` as a role's would; `read` is a builtin, so the shell
    // forks nothing that could outlive it.
    const child = new Deno.Command("sh", {
      args: ["-c", "read x", "sh", "--role", "daemon"],
      env: { HALTON_METER_HOME: home },
      stdin: "piped",
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      assert.equal(pidAlive(Deno.pid), true);
      assert.equal(pidAlive(child.pid), true);
      assert.deepEqual(homeProcesses(home), [child.pid]);
      assert.deepEqual(homeProcesses(home, "daemon"), [child.pid]);
      assert.deepEqual(homeProcesses(home, "edge"), []);

      await Deno.mkdir(`${home}/run`);
      await Deno.writeTextFile(`${home}/run/daemon.pid`, `${child.pid}\n`);
      assert.equal(await readRolePid(home, "daemon"), child.pid);
      await assert.rejects(() => readRolePid(home, "edge"));
      assert.deepEqual(await rolePids(home, ["edge", "daemon"]), [child.pid]);
    } finally {
      child.kill("SIGKILL");
      await child.status;
      await child.stdin.close().catch(() => {});
      await Deno.remove(home, { recursive: true });
    }
    assert.equal(pidAlive(child.pid), false, "a reaped child is gone");
    assert.deepEqual(homeProcesses(home), []);
  },
});
