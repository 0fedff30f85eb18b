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
