import assert from "node:assert/strict";
import { withTempHome } from "./temp_home.ts";

const exists = (p: string) => Deno.stat(p).then(() => true, () => false);

Deno.test("withTempHome: a fresh directory, removed after, even when fn throws", async () => {
  let seen = "";
  await withTempHome("hm-temp-home-", async (home) => {
    seen = home;
    assert.match(home, /hm-temp-home-/);
    assert.deepEqual(await Array.fromAsync(Deno.readDir(home)), []);
    await Deno.writeTextFile(`${home}/x`, "x");
  });
  assert.equal(await exists(seen), false);
  await assert.rejects(
    () =>
      withTempHome("hm-temp-home-", (home) => {
        seen = home;
        return Promise.reject(new Error("boom"));
      }),
    /boom/,
  );
  assert.equal(await exists(seen), false);
});
