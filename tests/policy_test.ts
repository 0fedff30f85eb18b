/**
 * Spend control, black-box: real clients through edge → daemon → fake provider, with a
 * policy.json written by the test. Blocks answer in the provider's shape without reaching the
 * provider, the official SDKs fail once without retrying, budgets count calls and reset at a
 * calendar boundary (the daemon's clock is the test's: HALTON_METER_TEST_CLOCK), quota rules
 * follow the subscription headers, and edits take effect while the daemon runs.
 */
import assert from "node:assert/strict";
import { run } from "./_support/net.ts";
import { api, type Meter, type Row, startMeter, stopMeter } from "./_support/meter.ts";
import { MAIN } from "./_support/role_process.ts";
import { SOURCE_PERMISSIONS } from "../setup/mod.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const BODY = Deno.readTextFileSync(`${ROOT}adapters/testdata/anthropic/plain.request.json`);
const SONNET = "claude-sonnet-4-5-20250929";
/** Tokens of one anthropic/plain call (12 in + 19 out). */
const TOKENS = 31;

const POLICY = {
  time_zone: "Asia/Tokyo",
  rules: [
    {
      id: "no-opus",
      match: { model: "claude-opus-*" },
      action: "block",
      message: "Opus is not for this machine; use Sonnet.",
    },
    { id: "no-gpt4o-here", match: { model: "gpt-4o*", project: "sdk" }, action: "block" },
    { id: "frozen-repo", match: { project: "frozen-repo" }, action: "block" },
  ],
  budgets: [
    {
      id: "daily-tokens",
      window: "day",
      scope: { project: "budget" },
      cap_tokens: 3 * TOKENS - 1,
      warn_at: 0.5,
    },
  ],
  quota: [{ id: "claude-5h", window: "5h", warn_at: 0.8, block_at: 0.95 }],
};

interface Answer {
  status: number;
  headers: Headers;
  body: string;
}

/** curl through the edge; the answer's status, headers and body. */
async function call(
  m: Meter,
  project: string,
  opts: { model?: string; headers?: string[]; key?: string | null } = {},
): Promise<Answer> {
  const args = [
    "-sS",
    "-i",
    "--max-time",
    "20",
    "-x",
    `http://127.0.0.1:${m.ports.edge}`,
    "-U",
    `${project}:x`,
    "--cacert",
    `${m.home}/ca/halton-meter-ca.pem`,
    "-H",
    "content-type: application/json",
    "-H",
    "anthropic-version: 2023-06-01",
    ...(opts.key === null ? [] : ["-H", `x-api-key: ${opts.key ?? "sk-ant-test-POLICY-1"}`]),
    ...(opts.headers ?? []).flatMap((h) => ["-H", h]),
    "-d",
    BODY.replace(SONNET, opts.model ?? SONNET),
    "https://api.anthropic.com/v1/messages",
  ];
  const r = await run("curl", args);
  assert.equal(r.code, 0, r.stderr);
  // -i prints the proxy's CONNECT answer first; the exchange's head follows it.
  const parts = r.stdout.split("\r\n\r\n");
  const head = parts[1].split("\r\n");
  const headers = new Headers();
  for (const line of head.slice(1)) {
    const i = line.indexOf(":");
    headers.append(line.slice(0, i), line.slice(i + 1).trim());
  }
  return { status: Number(head[0].split(" ")[1]), headers, body: parts.slice(2).join("\r\n\r\n") };
}

async function rows(m: Meter, project: string, count: number): Promise<Row[]> {
  const end = Date.now() + 8000;
  for (;;) {
    const r = await api(m, `/v1/calls?project=${encodeURIComponent(project)}`);
    if (r.body.calls.length >= count || Date.now() > end) return r.body.calls;
    await new Promise((res) => setTimeout(res, 50));
  }
}

/** Waits until the row count of a project reaches `count` (rows are written after the answer). */
async function settled(m: Meter, project: string, count: number) {
  const got = await rows(m, project, count);
  assert.equal(got.length, count, `${project}: ${got.length} rows, expected ${count}`);
  return got;
}

function cli(m: Meter, clock: string, ...args: string[]) {
  return run(Deno.execPath(), ["run", "--quiet", ...SOURCE_PERMISSIONS, MAIN, ...args], {
    HALTON_METER_HOME: m.home,
    HALTON_METER_TEST_CLOCK: clock,
    NO_COLOR: "1",
  });
}

async function setClock(path: string, iso: string) {
  await Deno.writeTextFile(path, iso);
}

Deno.test("policy: blocks, budgets, quota and hot reload through real clients", async (t) => {
  const clock = await Deno.makeTempFile({ prefix: "hm-policy-clock-" });
  // 23:50 in Tokyo: ten minutes before the daily budget's reset.
  await setClock(clock, "2026-12-03T14:50:00Z");
  const m = await startMeter("hm-policy-", {
    policy: POLICY,
    env: { HALTON_METER_TEST_CLOCK: clock },
  });
  const hits = () => m.fake.seen.length;
  try {
    await t.step("a rule blocks by model glob: provider-shaped 402, nothing upstream", async () => {
      const before = hits();
      const r = await call(m, "globs", { model: "claude-opus-4-1-20250805" });
      assert.equal(r.status, 402);
      assert.equal(r.headers.get("x-should-retry"), "false");
      assert.equal(r.headers.get("x-halton-meter-policy-id"), "rule:no-opus");
      const body = JSON.parse(r.body);
      assert.equal(body.type, "error");
      assert.equal(body.error.type, "billing_error");
      assert.match(body.error.message, /rule "no-opus"/);
      assert.match(body.error.message, /use Sonnet/);
      assert.equal(hits(), before, "the blocked call reached the provider");
      const ok = await call(m, "globs");
      assert.equal(ok.status, 200);
      assert.equal(hits(), before + 1);
      const [allowed, blocked] = await settled(m, "globs", 2);
      assert.equal(blocked.policy_action, "block");
      assert.equal(blocked.policy_id, "rule:no-opus");
      assert.equal(blocked.status, 402);
      assert.equal(blocked.cost_usd, 0);
      assert.equal(blocked.input_tokens, null);
      assert.equal(blocked.error_type, "policy_blocked");
      assert.equal(allowed.policy_action, "allow");
      assert.equal(allowed.policy_id, null);
    });

    await t.step("a rule on a project found from the calling process (its git root)", async () => {
      const repo = `${m.dir}/frozen-repo`;
      await Deno.mkdir(`${repo}/src`, { recursive: true });
      assert.equal(
        (await new Deno.Command("git", { args: ["init", "-q", repo] }).output()).code,
        0,
      );
      const before = hits();
      // No proxy credentials, no header: only the process's working directory names the project.
      const out = await new Deno.Command("curl", {
        args: [
          "-sS",
          "-x",
          `http://127.0.0.1:${m.ports.edge}`,
          "--cacert",
          `${m.home}/ca/halton-meter-ca.pem`,
          "-H",
          "content-type: application/json",
          "-H",
          "x-api-key: sk-ant-test-REPO",
          "-d",
          BODY,
          "-w",
          "\n%{http_code}",
          "https://api.anthropic.com/v1/messages",
        ],
        cwd: `${repo}/src`,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(out.stdout);
      assert.equal(text.split("\n").at(-1), "402", text + new TextDecoder().decode(out.stderr));
      assert.match(text, /rule \\?"frozen-repo\\?"/);
      assert.equal(hits(), before);
      const [row] = await settled(m, "frozen-repo", 1);
      assert.equal(row.project_source, "process_cwd");
      assert.equal(row.policy_id, "rule:frozen-repo");
    });

    await t.step("the official SDKs see one failure, fast, with our message", async () => {
      const before = hits();
      const script = `
        import Anthropic from "@anthropic-ai/sdk";
        import OpenAI from "openai";
        const out = {};
        const t0 = performance.now();
        try {
          // Default retries (2): a retryable answer would be tried three times.
          await new Anthropic({ apiKey: "sk-ant-test-SDK" }).messages.create({
            model: "claude-opus-4-1", max_tokens: 16,
            messages: [{ role: "user", content: "hi" }],
          });
          out.anthropic = "no error";
        } catch (e) {
          out.anthropic = { status: e.status, message: e.message, ms: performance.now() - t0 };
        }
        const t1 = performance.now();
        try {
          await new OpenAI({ apiKey: "sk-proj-test-SDK" }).chat.completions.create({
            model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }],
          });
          out.openai = "no error";
        } catch (e) {
          out.openai = { status: e.status, message: e.message, ms: performance.now() - t1 };
        }
        console.log(JSON.stringify(out));
      `;
      const env: Record<string, string> = {
        ...Deno.env.toObject(),
        HTTPS_PROXY: `http://sdk:x@127.0.0.1:${m.ports.edge}`,
        DENO_CERT: `${m.home}/ca/halton-meter-ca.pem`,
        NO_COLOR: "1",
      };
      delete env.NO_PROXY;
      delete env.no_proxy;
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["eval", "--quiet", "--config", `${ROOT}deno.json`, script],
        cwd: ROOT,
        env,
        clearEnv: true,
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
      const res = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
      assert.equal(res.anthropic.status, 402, JSON.stringify(res));
      assert.match(res.anthropic.message, /rule \\?"no-opus\\?"/);
      assert.equal(res.openai.status, 402, JSON.stringify(res));
      assert.match(res.openai.message, /rule \\?"no-gpt4o-here\\?"/);
      assert.ok(res.anthropic.ms < 2000 && res.openai.ms < 2000, JSON.stringify(res));
      // Exactly one attempt each reached the proxy, none the provider.
      const got = await settled(m, "sdk", 2);
      assert.deepEqual(got.map((r) => r.policy_action), ["block", "block"]);
      assert.deepEqual(got.map((r) => r.provider).sort(), ["anthropic", "openai"]);
      await new Promise((r) => setTimeout(r, 300)); // a retry would have landed by now
      assert.equal((await rows(m, "sdk", 3)).length, 2, "an SDK retried the blocked call");
      assert.equal(hits(), before);
    });

    await t.step("Python requests sees the 402 and the message", async () => {
      const py = `
import json, sys, requests
r = requests.post("https://api.anthropic.com/v1/messages",
  headers={"x-api-key": "sk-ant-test-PY", "content-type": "application/json",
           "anthropic-version": "2023-06-01"},
  data=sys.argv[1], proxies={"https": sys.argv[2]}, verify=sys.argv[3], timeout=20)
print(json.dumps({"status": r.status_code, "body": r.json()}))
`;
      const r = await run("python3", [
        "-c",
        py,
        BODY.replace(SONNET, "claude-opus-4-1"),
        `http://python:x@127.0.0.1:${m.ports.edge}`,
        `${m.home}/ca/ca-bundle.pem`,
      ]);
      assert.equal(r.code, 0, r.stderr);
      const res = JSON.parse(r.stdout);
      assert.equal(res.status, 402);
      assert.match(res.body.error.message, /Opus is not for this machine/);
      const [row] = await settled(m, "python", 1);
      assert.equal(row.client, "python-requests");
      assert.equal(row.policy_action, "block");
    });

    await t.step(
      "a budget warns past warn_at, blocks at its cap, resets at midnight Tokyo",
      async () => {
        const a = await call(m, "budget");
        assert.equal(a.status, 200);
        assert.equal(a.headers.get("x-halton-meter-warning"), null);
        await settled(m, "budget", 1);
        const b = await call(m, "budget"); // 31 of 92 spent: under warn_at (0.5)
        assert.equal(b.headers.get("x-halton-meter-warning"), null);
        await settled(m, "budget", 2);
        const c = await call(m, "budget"); // 62 of 92: warned, forwarded
        assert.equal(c.status, 200);
        assert.match(
          c.headers.get("x-halton-meter-warning") ?? "",
          /budget "daily-tokens": 62 of 92 tokens/,
        );
        await settled(m, "budget", 3);
        const before = hits();
        const d = await call(m, "budget"); // 93 of 92: blocked
        assert.equal(d.status, 402);
        const msg = JSON.parse(d.body).error.message;
        assert.match(msg, /budget "daily-tokens" is exhausted: 93 of 92 tokens spent today/);
        assert.match(msg, /resets at 2026-12-04 00:00 Asia\/Tokyo/);
        assert.equal(hits(), before);
        const got = await settled(m, "budget", 4);
        assert.deepEqual(got.map((r) => r.policy_action), ["block", "warn", "allow", "allow"]);
        assert.equal(got[0].policy_id, "budget:daily-tokens");
        assert.equal(got[1].policy_id, "budget:daily-tokens");

        const check = await cli(m, clock, "budget", "--check");
        assert.equal(check.code, 1, check.stdout + check.stderr);
        assert.match(check.stdout, /daily-tokens" is exhausted/);
        const json = JSON.parse((await cli(m, clock, "budget", "--json")).stdout);
        assert.equal(json.source, "daemon");
        const budget = json.budgets.find((x: { id: string }) => x.id === "daily-tokens");
        assert.equal(budget.spent_tokens, 3 * TOKENS);
        assert.equal(budget.state, "exceeded");
        assert.equal(budget.resets_at, Date.parse("2026-12-03T15:00:00Z"));

        // Midnight in Tokyo: a new day, a new budget.
        await setClock(clock, "2026-12-03T15:00:30Z");
        const e = await call(m, "budget");
        assert.equal(e.status, 200);
        assert.equal(e.headers.get("x-halton-meter-warning"), null);
        await settled(m, "budget", 5);
        const after = JSON.parse((await cli(m, clock, "budget", "--json")).stdout).budgets
          .find((x: { id: string }) => x.id === "daily-tokens");
        assert.equal(after.spent_tokens, TOKENS);
        assert.equal(after.window_start, Date.parse("2026-12-03T15:00:00Z"));
        assert.equal((await cli(m, clock, "budget", "--check")).code, 0);
      },
    );

    await t.step("a quota rule acts on the subscription window the provider reported", async () => {
      const sub = [
        "x-fake-exchange: anthropic/plain_subscription",
        "authorization: Bearer sk-ant-oat01-test-SUBSCRIPTION",
      ];
      const first = await call(m, "quota", { headers: sub, key: null });
      assert.equal(first.status, 200); // no window seen yet for this account
      await settled(m, "quota", 1);
      const before = hits();
      const second = await call(m, "quota", { headers: sub, key: null });
      assert.equal(second.status, 402);
      assert.match(
        JSON.parse(second.body).error.message,
        /quota rule "claude-5h": the 5h subscription window is at 96% \(block at 95%\)/,
      );
      assert.equal(hits(), before);
      // Another account has its own windows.
      const other = await call(m, "quota", {
        headers: ["x-fake-exchange: anthropic/plain_subscription"],
        key: "sk-ant-test-OTHER-ACCOUNT",
      });
      assert.equal(other.status, 200);
      const q = JSON.parse((await cli(m, clock, "quota", "--json")).stdout);
      const w5 = q.accounts[0].windows.find((w: { name: string }) => w.name === "5h");
      assert.ok(w5, JSON.stringify(q));
      assert.equal(w5.utilization, 0.96);
      assert.equal(w5.resets_at, 1796320800_000);
      const shown = await cli(m, clock, "quota");
      assert.match(shown.stdout, /5h\s+│\s+96%/);
    });

    await t.step(
      "an edit takes effect within a second; an invalid one keeps the last good",
      async () => {
        const path = `${m.home}/policy.json`;
        const next = {
          ...POLICY,
          rules: [{ id: "reload-block", match: { project: "reload" }, action: "block" }],
        };
        const first = await call(m, "reload");
        assert.equal(first.status, 200, first.body);
        const t0 = performance.now();
        await Deno.writeTextFile(path, JSON.stringify(next));
        let status = 200;
        while (status !== 402 && performance.now() - t0 < 3000) {
          status = (await call(m, "reload")).status;
        }
        const took = performance.now() - t0;
        assert.equal(status, 402);
        assert.ok(took < 1500, `the edit took ${Math.round(took)} ms to apply`);

        await Deno.writeTextFile(path, '{"rules": [{"id": "x", "action": "blok"}]}');
        await new Promise((r) => setTimeout(r, 700));
        assert.equal((await call(m, "reload")).status, 402, "the last good policy must stay");
        const st = JSON.parse((await cli(m, clock, "status", "--json")).stdout);
        assert.equal(st.policy.state, "invalid");
        assert.match(st.policy.detail, /rules\[0\]\.action = "blok"/);
        const doc = JSON.parse((await cli(m, clock, "doctor", "--json")).stdout);
        const fileCheck = doc.checks.find((c: { id: string }) => c.id === "policy.file");
        assert.equal(fileCheck.status, "FAIL");
        assert.match(fileCheck.next, /policy check/);
        const log = await Deno.readTextFile(`${m.home}/logs/daemon.log`);
        assert.match(log, /rules\[0\]\.action = "blok".*last good policy stays in force/);

        await Deno.writeTextFile(path, JSON.stringify(POLICY));
        await new Promise((r) => setTimeout(r, 700));
        assert.equal((await call(m, "reload")).status, 200);
        const ok = JSON.parse((await cli(m, clock, "status", "--json")).stdout);
        assert.equal(ok.policy.state, "loaded");
        assert.equal(ok.policy.enforced, true);
      },
    );

    await t.step("policy check and explain", async () => {
      const bad = `${m.dir}/bad.json`;
      await Deno.writeTextFile(
        bad,
        JSON.stringify({ budgets: [{ id: "b", window: "fortnight" }] }),
      );
      const c = await cli(m, clock, "policy", "check", bad);
      assert.equal(c.code, 1);
      assert.match(c.stderr, /budgets\[0\]\.window = "fortnight"/);
      assert.match(c.stderr, new RegExp(bad.replaceAll("/", "\\/")));
      const e = await cli(m, clock, "policy", "explain", "--model", "claude-opus-4-1");
      assert.equal(e.code, 0, e.stderr);
      assert.match(e.stdout, /would be BLOCKED by rule "no-opus"/);
      const w = await cli(m, clock, "policy", "explain", "--model", SONNET, "--project", "budget");
      assert.match(w.stdout, /budget\s+daily-tokens\s+under/);
    });
  } finally {
    await stopMeter(m);
    await Deno.remove(clock);
  }
});
