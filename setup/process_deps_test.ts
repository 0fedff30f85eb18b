import assert from "node:assert/strict";
import { createProcessDeps } from "./process_deps.ts";

Deno.test({
  name: "spawnDetached: the role's stdout/stderr logs are 0600 in a 0700 directory, old ones too",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    const home = await Deno.makeTempDir();
    try {
      const logs = `${home}/logs`;
      Deno.mkdirSync(logs);
      Deno.chmodSync(logs, 0o755);
      Deno.writeTextFileSync(`${logs}/edge.stdout.log`, "older\n");
      Deno.chmodSync(`${logs}/edge.stdout.log`, 0o644);
      Deno.writeTextFileSync(`${logs}/daemon.log`, "older\n");
      Deno.chmodSync(`${logs}/daemon.log`, 0o644);
      const proc = createProcessDeps();
      const pid = await proc.spawnDetached({
        program: "sh",
        args: ["-c", "echo out; echo err >&2"],
        env: {},
        stdoutPath: `${logs}/edge.stdout.log`,
        stderrPath: `${logs}/edge.stderr.log`,
      });
      for (let i = 0; i < 100 && proc.isAlive(pid); i++) await proc.sleep(20);
      const mode = (p: string) => (Deno.statSync(p).mode ?? 0) & 0o777;
      assert.equal(mode(logs), 0o700);
      for (const f of ["edge.stdout.log", "edge.stderr.log", "daemon.log"]) {
        assert.equal(mode(`${logs}/${f}`), 0o600, f);
      }
      assert.equal(Deno.readTextFileSync(`${logs}/edge.stdout.log`), "older\nout\n");
    } finally {
      await Deno.remove(home, { recursive: true });
    }
  },
});
