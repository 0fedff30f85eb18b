import assert from "node:assert/strict";
import { ensureNodePreload } from "./ensure_node_preload.ts";
import { NODE_PRELOAD_SOURCE, nodePreloadPath } from "./node_preload.ts";

Deno.test("ensureNodePreload writes the preload into <home>/node and refreshes a stale one", async () => {
  const home = await Deno.makeTempDir({ prefix: "hm-preload-" });
  try {
    const path = await ensureNodePreload(home);
    assert.equal(path, nodePreloadPath(home));
    assert.equal(await Deno.readTextFile(path), NODE_PRELOAD_SOURCE);
    await Deno.writeTextFile(path, "// an older build's preload\n");
    await ensureNodePreload(home);
    assert.equal(await Deno.readTextFile(path), NODE_PRELOAD_SOURCE);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("ensureNodePreload says where it could not write", async () => {
  const home = await Deno.makeTempDir({ prefix: "hm-preload-" });
  try {
    await Deno.writeTextFile(`${home}/node`, "a file where the directory should be");
    await assert.rejects(
      () => ensureNodePreload(home),
      /^Error: Cannot write .*\/node\/proxy-preload\.cjs: /,
    );
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
