import assert from "node:assert/strict";
import { resourceAttributes } from "./start_export.ts";

Deno.test("resourceAttributes: no user.name unless the user sets one; theirs win", () => {
  const plain = resourceAttributes("1.2.3", "box", {});
  assert.deepEqual(plain, {
    "service.name": "halton-meter",
    "service.version": "1.2.3",
    "host.name": "box",
  });
  assert.ok(!("user.name" in plain));
  const set = resourceAttributes("1.2.3", "box", { "user.name": "alice", "host.name": "ci-7" });
  assert.equal(set["user.name"], "alice");
  assert.equal(set["host.name"], "ci-7");
});
