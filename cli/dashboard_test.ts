import assert from "node:assert/strict";
import { openerCommand, runDashboard } from "./dashboard.ts";

const TOKEN = "ab".repeat(32);

async function withHome(fn: (home: string) => Promise<void>) {
  const home = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${home}/api-token`, `${TOKEN}\n`);
    await Deno.writeTextFile(`${home}/effective-ports.json`, JSON.stringify({ api: 18765 }));
    await fn(home);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

function fakeFetch(seen: { url: string; auth: string | null }[]): typeof fetch {
  return ((url: string, init?: RequestInit) => {
    seen.push({ url, auth: new Headers(init?.headers).get("authorization") });
    return Promise.resolve(
      Response.json({ url: "http://127.0.0.1:18765/dashboard/login?code=c0de" }, {
        status: 201,
      }),
    );
  }) as typeof fetch;
}

Deno.test("dashboard: mints a code with the token and opens the link", () =>
  withHome(async (home) => {
    const seen: { url: string; auth: string | null }[] = [];
    const opened: string[] = [];
    const out: string[] = [];
    const code = await runDashboard({
      home,
      print: false,
      deps: {
        fetch: fakeFetch(seen),
        open: (url) => Promise.resolve(opened.push(url) > 0),
        readTextFile: Deno.readTextFileSync,
      },
      out: (l) => out.push(l),
      err: (l) => out.push(`ERR ${l}`),
    });
    assert.equal(code, 0);
    assert.deepEqual(seen, [{
      url: "http://127.0.0.1:18765/v1/dashboard/login-codes",
      auth: `Bearer ${TOKEN}`,
    }]);
    assert.deepEqual(opened, ["http://127.0.0.1:18765/dashboard/login?code=c0de"]);
    assert.ok(!out.join("\n").includes("code=c0de"), "the link is not printed when opened");
  }));

Deno.test("dashboard: prints the link with --print, or when no opener works", () =>
  withHome(async (home) => {
    for (const [print, opens] of [[true, true], [false, false]]) {
      const out: string[] = [];
      const err: string[] = [];
      const opened: string[] = [];
      const code = await runDashboard({
        home,
        print,
        deps: {
          fetch: fakeFetch([]),
          open: (url) => Promise.resolve(opened.push(url) > 0 && opens),
          readTextFile: Deno.readTextFileSync,
        },
        out: (l) => out.push(l),
        err: (l) => err.push(l),
      });
      assert.equal(code, 0);
      assert.deepEqual(out, ["http://127.0.0.1:18765/dashboard/login?code=c0de"]);
      assert.equal(opened.length, print ? 0 : 1);
      assert.equal(err.length, print ? 0 : 1);
    }
  }));

Deno.test("dashboard: a daemon that is not running is exit 1 with what to do", () =>
  withHome(async (home) => {
    const err: string[] = [];
    const code = await runDashboard({
      home,
      print: true,
      deps: {
        fetch: (() => Promise.reject(new TypeError("Connection refused"))) as typeof fetch,
        open: () => Promise.resolve(false),
        readTextFile: Deno.readTextFileSync,
      },
      out: () => {},
      err: (l) => err.push(l),
    });
    assert.equal(code, 1);
    assert.match(err[0], /cannot reach the daemon on 127\.0\.0\.1:18765.*halton-meter start/);
  }));

Deno.test("openerCommand: xdg-open, open, start", () => {
  assert.deepEqual(openerCommand("linux", "u"), ["xdg-open", "u"]);
  assert.deepEqual(openerCommand("darwin", "u"), ["open", "u"]);
  assert.deepEqual(openerCommand("windows", "u"), ["cmd", "/c", "start", "", "u"]);
  assert.equal(openerCommand("aix", "u"), null);
});
