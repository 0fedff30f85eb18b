import assert from "node:assert/strict";
import { appendNodeOption, hasNodeOption, removePreloadOptions } from "./node_options.ts";
import { nodePreloadOption } from "./proxy_env.ts";

const OURS = "--require /home/ada/.halton-meter/node/proxy-preload.cjs";
const SPACED = nodePreloadOption("/home/Ada Lovelace/.halton-meter/node/proxy-preload.cjs");
const WINDOWS = nodePreloadOption(
  "C:\\Users\\Ada Lovelace\\.halton-meter\\node\\proxy-preload.cjs",
);

Deno.test("appendNodeOption keeps the user's options and adds ours once", () => {
  assert.equal(appendNodeOption(undefined, OURS), OURS);
  assert.equal(appendNodeOption("", OURS), OURS);
  const user = "--max-old-space-size=8192";
  const once = appendNodeOption(user, OURS);
  assert.equal(once, `${user} ${OURS}`);
  assert.equal(appendNodeOption(once, OURS), once, "applied twice: not duplicated");
  assert.equal(appendNodeOption(`${OURS} ${user}`, OURS), `${OURS} ${user}`);
  // A longer path that merely starts with ours is another option.
  const other = `${OURS}.bak`;
  assert.equal(appendNodeOption(other, OURS), `${other} ${OURS}`);
  assert.equal(hasNodeOption(`${user} ${SPACED}`, SPACED), true);
  assert.equal(hasNodeOption(user, SPACED), false);
});

Deno.test("removePreloadOptions undoes appendNodeOption byte for byte, whatever the home", () => {
  for (const user of ["--max-old-space-size=8192", "--inspect  --trace-warnings", "-r ./x.js"]) {
    for (const option of [OURS, SPACED, WINDOWS]) {
      assert.equal(removePreloadOptions(appendNodeOption(user, option)), user, option);
      assert.equal(removePreloadOptions(appendNodeOption(undefined, option)), "", option);
    }
  }
  // Ours in front of the user's (a later prepend by the user) and twice over.
  assert.equal(removePreloadOptions(`${OURS} --max-old-space-size=1`), "--max-old-space-size=1");
  assert.equal(removePreloadOptions(`${OURS} ${SPACED}`), "");
  // The user's own --require stays, and so does anything that only looks similar.
  for (
    const keep of [
      "--require ./tracing.js",
      "--require /opt/node/proxy-preload.cjs.map",
      '--require "/x y/other.cjs"',
      "--max-old-space-size=8192",
    ]
  ) {
    assert.equal(removePreloadOptions(keep), keep);
    assert.equal(removePreloadOptions(`${keep} ${OURS}`), keep);
  }
});
