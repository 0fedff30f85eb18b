import assert from "node:assert/strict";
import { nodeExtraCaCerts } from "./node_extra_ca_certs.ts";

const OURS = "-----BEGIN CERTIFICATE-----\nOURS\n-----END CERTIFICATE-----\n";
const THEIRS = "-----BEGIN CERTIFICATE-----\nCORP\n-----END CERTIFICATE-----";

async function bed() {
  const dir = await Deno.makeTempDir({ prefix: "hm-extra-ca-" });
  const home = `${dir}/home`;
  await Deno.mkdir(`${home}/ca`, { recursive: true });
  const caPath = `${home}/ca/halton-meter-ca.pem`;
  await Deno.writeTextFile(caPath, OURS);
  return { dir, home, caPath, [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }) };
}

Deno.test("nodeExtraCaCerts: no user value (or ours) is our CA alone", async () => {
  await using b = await bed();
  for (const userValue of [undefined, "", b.caPath]) {
    assert.deepEqual(await nodeExtraCaCerts({ ...b, userValue }), { path: b.caPath });
  }
});

Deno.test("nodeExtraCaCerts: a user's file is combined with ours into one file named by its content", async () => {
  await using b = await bed();
  const corp = `${b.dir}/corp.pem`;
  await Deno.writeTextFile(corp, THEIRS);
  const r = await nodeExtraCaCerts({ ...b, userValue: corp });
  assert.equal(r.warning, undefined);
  assert.match(r.path, new RegExp(`^${b.home}/node/extra-ca-certs-[0-9a-f]{16}\\.pem$`));
  assert.equal(await Deno.readTextFile(r.path), `${THEIRS}\n${OURS}`);
  assert.equal(await Deno.readTextFile(corp), THEIRS, "the user's file is left alone");
  // Same file again: same path. A changed file: a new one, the old one untouched.
  assert.deepEqual(await nodeExtraCaCerts({ ...b, userValue: corp }), r);
  await Deno.writeTextFile(corp, `${THEIRS}\n${THEIRS}`);
  const changed = await nodeExtraCaCerts({ ...b, userValue: corp });
  assert.notEqual(changed.path, r.path);
  assert.equal(await Deno.readTextFile(r.path), `${THEIRS}\n${OURS}`);
  // A nested run inherits the combined file: it already trusts us, so it stays.
  assert.deepEqual(await nodeExtraCaCerts({ ...b, userValue: changed.path }), changed);
});

Deno.test("nodeExtraCaCerts: a missing or unreadable user file is said, and our CA used", async () => {
  await using b = await bed();
  const missing = await nodeExtraCaCerts({ ...b, userValue: `${b.dir}/nope.pem` });
  assert.equal(missing.path, b.caPath);
  assert.match(String(missing.warning), /NODE_EXTRA_CA_CERTS=.*nope\.pem does not exist/);
  const dir = await nodeExtraCaCerts({ ...b, userValue: b.dir });
  assert.equal(dir.path, b.caPath);
  assert.match(String(dir.warning), /cannot be read/);
});
