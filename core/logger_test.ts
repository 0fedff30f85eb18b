import assert from "node:assert/strict";
import { createFileLogger } from "./logger.ts";

Deno.test("file logger rotates at the size cap and keeps one generation", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/logs/edge.log`;
    const logger = createFileLogger({ path, maxBytes: 200 });
    for (let i = 0; i < 20; i++) logger.log("info", `line ${i}`, { n: i });
    const current = await Deno.stat(path);
    const rotated = await Deno.stat(`${path}.1`);
    assert.ok(current.size <= 200, `current ${current.size}`);
    assert.ok(rotated.size <= 200, `rotated ${rotated.size}`);
    const text = await Deno.readTextFile(path);
    assert.match(text, /info line 19 n=19\n$/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("file logger never throws when the directory cannot be created", () => {
  const logger = createFileLogger({ path: "/proc/halton-meter-nope/x.log" });
  logger.log("error", "still fine");
});

Deno.test({
  name: "file logger: its file is 0600 in a 0700 directory, older 0644 logs there included",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const logs = `${dir}/logs`;
      Deno.mkdirSync(logs, { mode: 0o755 });
      Deno.chmodSync(logs, 0o755);
      Deno.writeTextFileSync(`${logs}/edge.log`, "from an older version\n", { mode: 0o644 });
      Deno.chmodSync(`${logs}/edge.log`, 0o644);
      Deno.writeTextFileSync(`${logs}/edge.stderr.log`, "", { mode: 0o644 });
      Deno.chmodSync(`${logs}/edge.stderr.log`, 0o644);
      createFileLogger({ path: `${logs}/edge.log` }).log("info", "edge listening");
      createFileLogger({ path: `${logs}/daemon.log` }).log("info", "daemon listening");
      const mode = (p: string) => (Deno.statSync(p).mode ?? 0) & 0o777;
      assert.equal(mode(logs), 0o700);
      for (const f of ["edge.log", "edge.stderr.log", "daemon.log"]) {
        assert.equal(mode(`${logs}/${f}`), 0o600, f);
      }
      const rotating = createFileLogger({ path: `${logs}/watchdog.log`, maxBytes: 100 });
      for (let i = 0; i < 10; i++) rotating.log("info", `line ${i}`);
      assert.equal(mode(`${logs}/watchdog.log`), 0o600);
      assert.equal(mode(`${logs}/watchdog.log.1`), 0o600);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
