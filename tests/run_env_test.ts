/**
 * What `run` leaves of the user's environment:
 * - a user's own `NODE_EXTRA_CA_CERTS` still counts: Node trusts their CA and ours (Node
 *   reads one file there, so run points it at a combined copy in the state directory);
 * - the command sees the caller's `PATH` and `DENO`, not those of the checkout wrapper
 *   (`./halton-meter` installs and exports its pinned Deno).
 */
import assert from "node:assert/strict";
import { startMeter, stopMeter, waitRows } from "./_support/meter.ts";
import { spawnMain } from "./_support/role_process.ts";
import { NODE_VERSION as NODE } from "./_support/node_version.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const BODY = `${ROOT}adapters/testdata/anthropic/plain.request.json`;

/** POSTs the body to both URLs with https.request; prints each status (or error). */
const NODE_CLIENT = String.raw`
const https = require("https");
const body = require("fs").readFileSync(process.argv[1], "utf8");
const post = (url) => new Promise((resolve) => {
  const req = https.request(url, { method: "POST", headers: {
    "content-type": "application/json",
    "anthropic-version": "2023-06-01",
    "x-api-key": "sk-ant-test-NODE-CA",
  } }, (res) => {
    res.resume();
    res.on("end", () => resolve(res.statusCode));
  });
  req.on("error", (e) => resolve(e.message));
  req.end(body);
});
(async () => {
  console.log(JSON.stringify([await post(process.argv[2]), await post(process.argv[3])]));
})();
`;

Deno.test({
  name: `run keeps a user's NODE_EXTRA_CA_CERTS: node ${NODE ?? ""} trusts their CA and ours${
    NODE === null ? " (skipped: node is not installed)" : ""
  }`,
  ignore: NODE === null,
  async fn() {
    const m = await startMeter("hm-run-ca-");
    try {
      // The user's own server: the fake provider, reached directly (127.0.0.1 is in
      // NO_PROXY) with its certificate from the test CA, which only the user's file trusts.
      // api.anthropic.com goes through the meter: a leaf from Halton Meter's CA.
      const theirs = `${m.dir}/corp-roots.pem`;
      await Deno.copyFile(m.ca.caFile, theirs);
      const own = `https://127.0.0.1:${m.fake.port}/v1/messages`;
      const out = await spawnMain(
        [
          "run",
          "--project",
          "ca-merge",
          "--",
          "node",
          "-e",
          NODE_CLIENT,
          BODY,
          own,
          "https://api.anthropic.com/v1/messages",
        ],
        m.home,
        { NODE_EXTRA_CA_CERTS: theirs },
      ).output();
      const stdout = new TextDecoder().decode(out.stdout);
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      assert.deepEqual(JSON.parse(stdout), [200, 200], stdout);
      const [row] = await waitRows(m, "ca-merge");
      assert.equal(row.status, 200);

      const show = await spawnMain(
        ["run", "--", "sh", "-c", 'printf %s "$NODE_EXTRA_CA_CERTS"'],
        m.home,
        { NODE_EXTRA_CA_CERTS: theirs },
      ).output();
      const combined = new TextDecoder().decode(show.stdout);
      assert.match(combined, new RegExp(`^${m.home}/node/extra-ca-certs-[0-9a-f]{16}\\.pem$`));
      const text = await Deno.readTextFile(combined);
      const ours = await Deno.readTextFile(`${m.home}/ca/halton-meter-ca.pem`);
      assert.ok(text.includes(m.ca.caPem.trim()) && text.includes(ours.trim()));
      assert.equal(await Deno.readTextFile(theirs), m.ca.caPem, "the user's file is untouched");
    } finally {
      await stopMeter(m);
    }
  },
});

/** `./halton-meter run -- sh -c <script>` from a shell whose environment is exactly `env`. */
async function throughWrapper(home: string, env: Record<string, string>, script: string) {
  const realHome = Deno.env.get("HOME") ?? "/root";
  const out = await new Deno.Command("bash", {
    args: [`${ROOT}halton-meter`, "run", "--", "sh", "-c", script],
    clearEnv: true,
    env: {
      HOME: realHome,
      // Where the pinned Deno keeps its cache, so nothing is downloaded again.
      DENO_DIR: Deno.env.get("DENO_DIR") ?? `${realHome}/.cache/deno`,
      HALTON_METER_HOME: home,
      ...env,
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

Deno.test("run through the checkout wrapper gives the command the caller's PATH and DENO", async () => {
  const m = await startMeter("hm-run-wrapper-");
  try {
    // The pinned Deno is not on this PATH: the wrapper finds it in .tools and prepends it.
    const path = "/usr/local/bin:/usr/bin:/bin";
    const script = 'printf "%s|%s|%s|%s" "$PATH" "${DENO-unset}" "${HALTON_METER_RESTORE-none}" ' +
      '"${HTTPS_PROXY:+metered}"';
    const plain = await throughWrapper(m.home, { PATH: path }, script);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(plain.stdout, `${path}|unset|none|metered`);

    const own = await throughWrapper(
      m.home,
      { PATH: path, DENO: "/opt/own/deno", DENO_VERSION: "1.46.3" },
      'printf "%s|%s|%s" "$PATH" "$DENO" "$DENO_VERSION"',
    );
    assert.equal(own.code, 0, own.stderr);
    assert.equal(own.stdout, `${path}|/opt/own/deno|1.46.3`);

    // main.ts run straight (a compiled binary is the same): nothing recorded, nothing undone.
    const direct = await spawnMain(["run", "--", "sh", "-c", 'printf %s "$DENO"'], m.home, {
      DENO: "/opt/direct/deno",
    }).output();
    assert.equal(new TextDecoder().decode(direct.stdout), "/opt/direct/deno");
  } finally {
    await stopMeter(m);
  }
});
