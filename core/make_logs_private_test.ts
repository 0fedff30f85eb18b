import assert from "node:assert/strict";
import { makeLogsPrivate } from "./make_logs_private.ts";

const mode = (path: string) => (Deno.statSync(path).mode ?? 0) & 0o777;

Deno.test({
  name: "makeLogsPrivate: a 0755 directory of 0644 logs becomes 0700 with 0600 files",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    const home = await Deno.makeTempDir();
    try {
      const logs = `${home}/logs`;
      Deno.mkdirSync(`${logs}/sub`, { recursive: true });
      Deno.chmodSync(logs, 0o755);
      for (const f of ["edge.log", "edge.log.1", "daemon.stderr.log"]) {
        Deno.writeTextFileSync(`${logs}/${f}`, "old\n");
        Deno.chmodSync(`${logs}/${f}`, 0o644);
      }
      makeLogsPrivate(logs);
      assert.equal(mode(logs), 0o700);
      for (const f of ["edge.log", "edge.log.1", "daemon.stderr.log"]) {
        assert.equal(mode(`${logs}/${f}`), 0o600, f);
      }
      makeLogsPrivate(`${home}/fresh/logs`);
      assert.equal(mode(`${home}/fresh/logs`), 0o700);
      makeLogsPrivate("/proc/halton-meter-nope/logs"); // never throws
    } finally {
      await Deno.remove(home, { recursive: true });
    }
  },
});
