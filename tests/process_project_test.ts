/**
 * Black-box: calls are attributed to the calling process's project with no user action —
 * curl started in a git repository or a plain directory, through `main.ts up` (edge → daemon →
 * fake provider, loopback only); proxy auth and the header still win.
 */
import assert from "node:assert/strict";
import { loadExchange } from "./_support/fake_provider.ts";
import { api, type Meter, startMeter, stopMeter, waitRows } from "./_support/meter.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const EXCHANGE = "anthropic/stream_cache_5m_1h";
const BODY = Deno.readTextFileSync(`${ROOT}adapters/testdata/${EXCHANGE}.request.json`);

/**
 * curl through the edge, started in `cwd`, with nothing that names a project unless `extra`
 * does. The fake provider streams its answer over a few hundred ms, as a real one does: the
 * fake's instant answers would let curl exit before its process can be looked at.
 */
async function curlIn(m: Meter, cwd: string, extra: string[] = []) {
  const out = await new Deno.Command("curl", {
    args: [
      "-sS",
      "--fail",
      "--max-time",
      "20",
      "-x",
      `http://127.0.0.1:${m.ports.edge}`,
      "--cacert",
      `${m.home}/ca/halton-meter-ca.pem`,
      "-H",
      "content-type: application/json",
      "-H",
      "anthropic-version: 2023-06-01",
      "-H",
      "x-api-key: sk-ant-test-PROJECTS",
      "-H",
      `x-fake-exchange: ${EXCHANGE}`,
      "-H",
      "x-fake-delay-ms: 40",
      ...extra,
      "-d",
      BODY,
      "https://api.anthropic.com/v1/messages",
    ],
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  assert.equal(
    new TextDecoder().decode(out.stdout),
    new TextDecoder().decode(loadExchange(EXCHANGE).body),
  );
}

Deno.test("process project: a call is named after the caller's git repository or directory; proxy auth and the header win", async () => {
  const m = await startMeter("hm-projects-");
  try {
    const repo = `${m.dir}/acme-widgets`;
    await Deno.mkdir(`${repo}/services/api`, { recursive: true });
    const git = await new Deno.Command("git", { args: ["init", "-q", repo] }).output();
    assert.equal(git.code, 0, new TextDecoder().decode(git.stderr));
    const plain = `${m.dir}/scratch-notes`;
    await Deno.mkdir(plain);

    // In a subdirectory of a git repository: the repository's name.
    await curlIn(m, `${repo}/services/api`);
    const [inRepo] = await waitRows(m, "acme-widgets");
    assert.equal(inRepo.project_source, "process_cwd");
    assert.equal(inRepo.status, 200);

    // A plain directory without git: the directory's name.
    await curlIn(m, plain);
    const [inPlain] = await waitRows(m, "scratch-notes");
    assert.equal(inPlain.project_source, "process_cwd");

    // Proxy auth (what `run --project` sets) and the header win over the process.
    await curlIn(m, repo, ["-U", "explicit-app:x"]);
    const [auth] = await waitRows(m, "explicit-app");
    assert.equal(auth.project_source, "proxy_auth");
    await curlIn(m, repo, ["-H", "x-halton-project: header-app"]);
    const [header] = await waitRows(m, "header-app");
    assert.equal(header.project_source, "header");

    const all = (await api(m, "/v1/calls?limit=10")).body.calls as Array<Record<string, unknown>>;
    assert.deepEqual(
      all.map((r) => [r.project, r.project_source]).sort(),
      [
        ["acme-widgets", "process_cwd"],
        ["explicit-app", "proxy_auth"],
        ["header-app", "header"],
        ["scratch-notes", "process_cwd"],
      ],
    );
    const code = await m.up.stop("SIGTERM");
    assert.equal(code, 0, m.up.stderr());
  } finally {
    await stopMeter(m);
  }
});
