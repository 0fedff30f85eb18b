import assert from "node:assert/strict";
import { ensureApiToken } from "./ensure_api_token.ts";

const posix = Deno.build.os !== "windows";

Deno.test("ensureApiToken: creates a 64-hex token with mode 0600, then returns the same one", async () => {
  const home = await Deno.makeTempDir();
  try {
    const token = await ensureApiToken(home);
    assert.match(token, /^[0-9a-f]{64}$/);
    const path = `${home}/api-token`;
    assert.equal((await Deno.readTextFile(path)).trim(), token);
    if (posix) assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    assert.equal(await ensureApiToken(home), token);
    assert.notEqual(await ensureApiToken(await Deno.makeTempDir({ dir: home })), token);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("ensureApiToken: re-tightens a loose mode and replaces a garbled file", async () => {
  const home = await Deno.makeTempDir();
  const path = `${home}/api-token`;
  try {
    await Deno.writeTextFile(path, "kept-token-0123456789abcdef\n");
    if (posix) await Deno.chmod(path, 0o644);
    assert.equal(await ensureApiToken(home), "kept-token-0123456789abcdef");
    if (posix) assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);

    await Deno.writeTextFile(path, "");
    const fresh = await ensureApiToken(home);
    assert.match(fresh, /^[0-9a-f]{64}$/);
    assert.equal((await Deno.readTextFile(path)).trim(), fresh);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("ensureApiToken: concurrent first calls agree on one token", async () => {
  const home = await Deno.makeTempDir();
  try {
    const tokens = await Promise.all([ensureApiToken(home), ensureApiToken(home)]);
    assert.equal(tokens[0], tokens[1]);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
