/**
 * The self-test against real roles: an edge and a daemon (`main.ts --role ...`) in a
 * temporary HALTON_METER_HOME, all on loopback. The daemon answers the reserved host
 * itself, so nothing leaves the machine.
 */
import assert from "node:assert/strict";
import tls from "node:tls";
import { startMain } from "../tests/_support/role_process.ts";
import { loopbackGet } from "./_loopback_http.ts";
import { describeBody, runSelfTest } from "./self_test.ts";

Deno.test("self-test through real edge and daemon: TLS verified, row written and kept out of reports", async () => {
  const home = await Deno.makeTempDir({ prefix: "hm-selftest-" });
  await Deno.writeTextFile(
    `${home}/config.json`,
    JSON.stringify({ ports: { edge: 0, internal: 0, api: 0 } }),
  );
  const daemon = await startMain(["--role", "daemon"], home);
  const edge = await startMain(["--role", "edge"], home);
  try {
    const ports = JSON.parse(await Deno.readTextFile(`${home}/effective-ports.json`));
    const token = (await Deno.readTextFile(`${home}/api-token`)).trim();
    const bundlePem = await Deno.readTextFile(`${home}/ca/ca-bundle.pem`);
    const input = { edgePort: ports.edge, apiPort: ports.api, token, bundlePem };

    const ok = await runSelfTest({ ...input, timeoutMs: 20_000 });
    assert.equal(ok.ok, true, JSON.stringify(ok));

    const auth = { Authorization: `Bearer ${token}` };
    const plain = JSON.parse((await loopbackGet(ports.api, "/v1/calls", auth)).body);
    assert.deepEqual(plain.calls, [], "self-test rows are not in /v1/calls by default");
    const all = JSON.parse(
      (await loopbackGet(ports.api, "/v1/calls?include_self_test=true", auth)).body,
    );
    assert.ok(all.calls.length >= 1);
    assert.equal(all.calls[0].provider, "halton-meter");
    assert.equal(all.calls[0].endpoint, "selftest");
    assert.equal(all.calls[0].host, "selftest.halton-meter.invalid");
    assert.equal(all.calls[0].status, 200);
    const summary = JSON.parse(
      (await loopbackGet(ports.api, "/v1/summary?group_by=provider", auth)).body,
    );
    assert.deepEqual(summary.rows, [], "self-test rows are not in /v1/summary by default");

    // A bundle without our CA: the handshake through the edge must be refused.
    const foreign = await runSelfTest({
      ...input,
      bundlePem: tls.rootCertificates.join("\n"),
      timeoutMs: 10_000,
    });
    assert.equal(foreign.ok, false);
    assert.equal(!foreign.ok && foreign.stage, "tls", JSON.stringify(foreign));

    // The API refusing to read the store: its message, which names the database, is whole.
    const db = `${home}/a directory/with a long name/deep/under/the/home/of/this/user/db.sqlite`;
    const message =
      `Cannot read the calls database ${db}: database disk image is malformed; see /health for the store state`;
    const api = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      () => Response.json({ error: { type: "store_unavailable", message } }, { status: 503 }),
    );
    try {
      const refused = await runSelfTest({ ...input, apiPort: api.addr.port, timeoutMs: 3_000 });
      assert.equal(refused.ok, false);
      assert.equal(!refused.ok && refused.stage, "row", JSON.stringify(refused));
      assert.ok(
        !refused.ok && refused.message.includes(`API answered HTTP 503: ${message})`),
        JSON.stringify(refused),
      );
    } finally {
      await api.shutdown();
    }

    // Daemon down: the edge tunnels raw to a name that never resolves, so CONNECT fails.
    await daemon.stop();
    const down = await runSelfTest({ ...input, timeoutMs: 10_000 });
    assert.equal(down.ok, false);
    assert.equal(!down.ok && down.stage, "edge", JSON.stringify(down));
  } finally {
    await edge.stop();
    await daemon.stop();
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("describeBody: API error messages whole, other bodies flattened and cut only when long, at a space", () => {
  const path = "/home/someone/.halton-meter/" + "x/".repeat(80) + "db.sqlite";
  assert.equal(
    describeBody(JSON.stringify({ error: { type: "store_unavailable", message: `at ${path}` } })),
    `at ${path}`,
  );
  assert.equal(describeBody('{"message":"plain"}'), "plain");
  assert.equal(describeBody("<h1>Bad\n  Gateway</h1>\n"), "<h1>Bad Gateway</h1>");
  const long = `${"word ".repeat(100)}${path}`;
  const cut = describeBody(long, 400);
  assert.ok(!cut.includes("/home/someone"), cut);
  assert.match(cut, /^word( word)* … \(\d+ characters in all\)$/);
});
