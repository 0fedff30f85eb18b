import assert from "node:assert/strict";
import { healthPid, healthSection, type HttpProbe, probeBody, probeHttp } from "./_probes.ts";

Deno.test("probeHttp sends the extra headers and returns the raw answer; refused is data", async () => {
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req) =>
      Response.json({
        role: "daemon",
        pid: 4321,
        auth: req.headers.get("authorization"),
      }),
  );
  try {
    const p = await probeHttp(server.addr.port, "/health", 1000, { Authorization: "Bearer t0k" });
    assert.equal(p.kind, "answered");
    assert.equal(p.kind === "answered" && p.status, 200);
    assert.deepEqual(JSON.parse(probeBody(p)), { role: "daemon", pid: 4321, auth: "Bearer t0k" });
    assert.equal(healthPid(p), 4321);
    assert.equal(healthPid(p, "daemon"), 4321);
    assert.equal(healthPid(p, "edge"), null);
  } finally {
    await server.shutdown();
  }
  assert.deepEqual(await probeHttp(server.addr.port, "/health"), { kind: "refused" });
  assert.equal(probeBody({ kind: "refused" }), "");
});

Deno.test("healthSection: the named object of a 200 JSON body, else null", () => {
  const answer = (status: number, body: string): HttpProbe => ({
    kind: "answered",
    status,
    text: `HTTP/1.1 ${status} X\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
  });
  assert.deepEqual(healthSection(answer(200, '{"store":{"state":"ok"}}'), "store"), {
    state: "ok",
  });
  assert.equal(healthSection(answer(503, '{"store":{"state":"ok"}}'), "store"), null);
  assert.equal(healthSection(answer(200, "not json"), "store"), null);
  assert.equal(healthSection(answer(200, '{"store":3}'), "store"), null);
  assert.equal(healthSection(answer(200, "null"), "store"), null);
  assert.equal(healthSection(answer(200, '{"export":{}}'), "store"), null);
  assert.equal(healthSection({ kind: "refused" }, "store"), null);
});
