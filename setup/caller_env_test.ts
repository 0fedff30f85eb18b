import assert from "node:assert/strict";
import { callerEnv } from "./caller_env.ts";

Deno.test("callerEnv: nothing recorded, nothing changed", () => {
  const env = { PATH: "/usr/bin", DENO: "/opt/deno", HOME: "/home/ada" };
  assert.deepEqual(callerEnv(env), env);
});

Deno.test("callerEnv restores what the wrapper recorded and drops the records", () => {
  const env = {
    HOME: "/home/ada",
    PATH: "/src/hm/.tools/node_modules/.bin:/usr/bin",
    DENO: "/src/hm/.tools/node_modules/.bin/deno",
    DENO_VERSION: "2.9.6",
    HALTON_METER_RESTORE: "PATH DENO DENO_VERSION",
    HALTON_METER_CALLER_PATH: "/usr/bin",
    HALTON_METER_CALLER_DENO_VERSION: "1.46.0",
  };
  assert.deepEqual(callerEnv(env), {
    HOME: "/home/ada",
    PATH: "/usr/bin",
    DENO_VERSION: "1.46.0",
  });
});

Deno.test("callerEnv: an empty original stays empty; odd names in the list are ignored", () => {
  const env = {
    PATH: "/x",
    HALTON_METER_RESTORE: " PATH  bad-name  ",
    HALTON_METER_CALLER_PATH: "",
    "bad-name": "kept",
  };
  assert.deepEqual(callerEnv(env), { PATH: "", "bad-name": "kept" });
});
