import assert from "node:assert/strict";
import { renderHaproxyConfig } from "./haproxy_config.ts";

Deno.test("renderHaproxyConfig: tcp mode, one thread, a frontend/backend per route", () => {
  const cfg = renderHaproxyConfig({
    threads: 1,
    routes: [{ name: "bulk", listen: 4001, target: 5001 }, {
      name: "banner",
      listen: 4002,
      target: 5002,
    }],
  });
  assert.match(cfg, /^global\n {4}nbthread 1$/m);
  assert.match(cfg, /^ {4}mode tcp$/m);
  assert.match(
    cfg,
    /^frontend bulk\n {4}bind 127\.0\.0\.1:4001\n {4}default_backend bulk_source$/m,
  );
  assert.match(cfg, /^backend banner_source\n {4}server source 127\.0\.0\.1:5002$/m);
  assert.doesNotMatch(cfg, /0\.0\.0\.0|splice/);
});
