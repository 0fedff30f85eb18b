/// <reference lib="dom" />
/**
 * The web dashboard in a real browser: headless Chromium (Debian) over CDP (puppeteer-core),
 * against `main.ts up` with rows from real calls through the proxy (curl). Screenshots are
 * kept in a temporary directory the test prints.
 */
import assert from "node:assert/strict";
import type { HTTPResponse, Page } from "puppeteer-core";
import { findChromium, launchChromium } from "./_support/browser.ts";
import { api, curlArgs, type Meter, startMeter, stopMeter, waitRows } from "./_support/meter.ts";
import { run } from "./_support/net.ts";
import { MAIN } from "./_support/role_process.ts";
import { SOURCE_PERMISSIONS } from "../setup/mod.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const BODY = Deno.readTextFileSync(`${ROOT}adapters/testdata/anthropic/plain.request.json`);
const chromium = findChromium();
if ("missing" in chromium) console.log(`dashboard browser test skipped: ${chromium.missing}`);

/** One call through the edge, answered by the fake as `model`, tagged `project`. */
async function call(m: Meter, project: string, model: string, exchange?: string): Promise<void> {
  const r = await run("curl", [
    ...curlArgs(m, project, "sk-ant-test-DASHBOARD-KEY", [
      "-H",
      `x-fake-model: ${model}`,
      ...(exchange ? ["-H", `x-fake-exchange: ${exchange}`] : []),
      "-d",
      BODY,
    ]),
    "https://api.anthropic.com/v1/messages",
  ]);
  assert.equal(r.code, 0, r.stderr);
}

/** `halton-meter dashboard --print`, the real CLI: the one-time sign-in link. */
async function signInLink(m: Meter): Promise<string> {
  const r = await run(
    Deno.execPath(),
    ["run", "--quiet", ...SOURCE_PERMISSIONS, MAIN, "dashboard", "--print"],
    { HALTON_METER_HOME: m.home, NO_COLOR: "1" },
  );
  assert.equal(r.code, 0, r.stderr);
  const url = r.stdout.trim();
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/dashboard\/login\?code=[A-Za-z0-9_-]{43}$/);
  return url;
}

/** Waits until the page's script has (re)loaded its data after `since`. */
async function loadedAfter(page: Page, since: number): Promise<void> {
  await page.waitForFunction(
    (t: number) => Number(document.body.dataset.loaded ?? 0) > t,
    { timeout: 10_000 },
    since,
  );
}

Deno.test({
  name: "dashboard in Chromium: sign-in, totals = /v1/report, a series per model, live calls",
  ignore: "missing" in chromium,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async (t) => {
    const path = (chromium as { path: string }).path;
    const shots = await Deno.makeTempDir({ prefix: "hm-dashboard-shots-" });
    console.log(`dashboard screenshots: ${shots}`);
    const m = await startMeter("hm-dashboard-", {
      policy: { budgets: [{ id: "daily-cap", window: "day", cap_usd: 1 }] },
    });
    const browser = await launchChromium(path, `${m.dir}/chromium`);
    const base = `http://127.0.0.1:${m.ports.api}`;
    const problems: string[] = [];
    const responses: { url: string; status: number }[] = [];
    /** `refused`: a signed-out page, whose 401s are the point. */
    const watch = (page: Page, refused = false) => {
      page.on("console", (msg) => {
        if (refused && /status of 40[13]/.test(msg.text())) return;
        if (msg.type() === "error") problems.push(`console: ${msg.text()}`);
      });
      page.on("pageerror", (e) => problems.push(`page error: ${String(e)}`));
      page.on(
        "response",
        (r: HTTPResponse) => responses.push({ url: r.url(), status: r.status() }),
      );
      page.on("request", (r) => {
        if (!r.url().startsWith(`${base}/`) && !r.url().startsWith("data:")) {
          problems.push(`request off the daemon: ${r.url()}`);
        }
      });
    };
    try {
      const plan: [string, string][] = [
        ["alpha", "claude-haiku-4-5-20251001"],
        ["alpha", "claude-sonnet-4-5-20250929"],
        ["beta", "claude-opus-4-1-20250805"],
        ["beta", "claude-haiku-4-5-20251001"],
        ["gamma", "claude-sonnet-4-5-20250929"],
      ];
      for (const [project, model] of plan) await call(m, project, model);
      // A Claude subscription call: its rate-limit headers fill the subscription windows.
      await call(m, "gamma", "claude-sonnet-4-5-20250929", "anthropic/plain_subscription");
      await waitRows(m, "alpha", 2);
      await waitRows(m, "beta", 2);
      await waitRows(m, "gamma", 2);

      await t.step("without the cookie: the sign-in page and no data", async () => {
        const page = await browser.newPage();
        watch(page, true);
        const res = await page.goto(`${base}/dashboard`, { waitUntil: "load" });
        assert.equal(res?.status(), 401);
        assert.match(
          await page.$eval("#login-reason", (e) => e.textContent ?? ""),
          /not signed in/,
        );
        assert.equal(await page.$("#chart"), null);
        // The data endpoints themselves, asked from the page: each refuses.
        const statuses = await page.evaluate(async () => {
          const out: number[] = [];
          for (const p of ["overview", "calls", "breakdown?by=model", "events"]) {
            out.push((await fetch(`/dashboard/api/${p}`)).status);
          }
          return out;
        });
        assert.deepEqual(statuses, [401, 401, 401, 401]);
        const answered = responses.filter((r) =>
          r.url.includes("/dashboard/api/") && r.status < 400
        );
        assert.deepEqual(answered, [], "a data endpoint answered without the cookie");
        await page.screenshot({ path: `${shots}/signed-out.png` });
        await page.close();
      });

      const link = await signInLink(m);
      const page = await browser.newPage();
      watch(page);
      await page.setViewport({ width: 1280, height: 1100 });

      await t.step("the one-time link signs in, then leaves the address bar", async () => {
        await page.goto(link, { waitUntil: "load" });
        assert.equal(page.url(), `${base}/dashboard`);
        const cookie = (await page.cookies()).find((c) => c.name === "hm_dashboard");
        assert.ok(cookie, "no session cookie");
        assert.equal(cookie.httpOnly, true);
        assert.equal(cookie.sameSite, "Strict");
        assert.notEqual(cookie.value, m.token);
        assert.equal(await page.evaluate(() => document.cookie), "", "cookie visible to scripts");
      });

      await t.step("the same link a second time is refused", async () => {
        const other = await browser.createBrowserContext();
        const p2 = await other.newPage();
        const res = await p2.goto(link, { waitUntil: "load" });
        assert.equal(res?.status(), 403);
        assert.match(await p2.$eval("#login-reason", (e) => e.textContent ?? ""), /works once/);
        assert.deepEqual(await p2.cookies(), []);
        await other.close();
      });

      await t.step("overview totals equal /v1/report for the same spans", async () => {
        await page.waitForFunction(() => document.body.dataset.loaded !== undefined);
        const overview = await page.evaluate(async () => {
          const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
          return await (await fetch(`/dashboard/api/overview?tz=${encodeURIComponent(tz)}`)).json();
        });
        for (const span of ["today", "week", "month"] as const) {
          const s = overview.spans[span];
          const r = await api(
            m,
            `/v1/report?since=${s.since}&until=${s.until}&tz=${
              encodeURIComponent(overview.time_zone)
            }`,
          );
          assert.equal(r.status, 200);
          assert.deepEqual(s.totals, r.body.totals, span);
          const shown = await page.$eval(`#card-${span} [data-field=cost]`, (e) => ({
            usd: Number((e as HTMLElement).dataset.usd),
            text: e.textContent,
            calls: Number((e.closest(".card") as HTMLElement).dataset.calls),
          }));
          assert.equal(shown.usd, r.body.totals.cost_usd, span);
          assert.equal(shown.calls, r.body.totals.calls, span);
          assert.equal(shown.calls, 6);
          assert.match(shown.text ?? "", /^\$\d/);
        }
        const budget = await page.$eval(
          '#budgets tr[data-budget="daily-cap"] progress',
          (e) => Number((e as HTMLProgressElement).value),
        );
        assert.ok(budget > 0, `budget progress ${budget}`);
        // Those reports (the overview's and /v1/report's) were made by the report worker, off
        // the thread that carries the calls.
        const health = await api(m, "/health");
        assert.equal(health.body.reports.in_thread, 0, JSON.stringify(health.body.reports));
        assert.ok(health.body.reports.worker >= 7, JSON.stringify(health.body.reports));
        assert.ok(await page.$("#quota tr[data-window]"), "no subscription window shown");
        await page.screenshot({ path: `${shots}/overview.png`, fullPage: true });
      });

      await t.step("the chart has one series per model, or per project", async () => {
        const labels = () =>
          page.evaluate(() => {
            // deno-lint-ignore no-explicit-any
            const chart = (globalThis as any).Chart.getChart("chart");
            return chart.data.datasets.map((d: { label: string }) => d.label).sort();
          });
        assert.deepEqual(await labels(), [
          "claude-haiku-4-5-20251001",
          "claude-opus-4-1-20250805",
          "claude-sonnet-4-5-20250929",
        ]);
        const before = Date.now();
        await page.click('button[data-by="project"]');
        await loadedAfter(page, before);
        assert.deepEqual(await labels(), ["alpha", "beta", "gamma"]);
        await page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: "dark" }]);
        const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        assert.equal(bg, "rgb(20, 24, 29)");
        await page.screenshot({ path: `${shots}/overview-dark.png`, fullPage: true });
        await page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: "light" }]);
      });

      await t.step("a call made now appears on the calls page within 2 s", async () => {
        await page.goto(`${base}/dashboard/calls`, { waitUntil: "load" });
        await page.waitForFunction(() => document.querySelector("#live")?.textContent === "live");
        assert.equal(await page.$$eval("#calls tbody tr", (rows) => rows.length), 6);
        await call(m, "delta", "claude-haiku-4-5-20251001");
        const done = performance.now();
        await page.waitForSelector("#calls tbody tr.new", { timeout: 2000 });
        const waited = performance.now() - done;
        const [row] = await waitRows(m, "delta", 1);
        const shown = await page.$eval("#calls tbody tr.new", (e) => (e as HTMLElement).dataset.id);
        assert.equal(shown, row.id);
        console.log(`new call on the page ${waited.toFixed(0)} ms after curl returned`);
        await page.screenshot({ path: `${shots}/calls.png`, fullPage: true });
      });

      await t.step("projects and models pages", async () => {
        await page.goto(`${base}/dashboard/projects`, { waitUntil: "load" });
        await page.waitForFunction(() => document.body.dataset.loaded !== undefined);
        const keys = await page.$$eval(
          "#breakdown tbody tr",
          (rows) => rows.map((r) => (r as HTMLElement).dataset.key).sort(),
        );
        assert.deepEqual(keys, ["alpha", "beta", "delta", "gamma"]);
        await page.screenshot({ path: `${shots}/projects.png`, fullPage: true });
        await page.goto(`${base}/dashboard/models`, { waitUntil: "load" });
        await page.waitForFunction(() => document.body.dataset.loaded !== undefined);
        assert.equal(await page.$$eval("#breakdown tbody tr", (rows) => rows.length), 3);
        await page.screenshot({ path: `${shots}/models.png`, fullPage: true });
      });

      assert.deepEqual(problems, [], "console errors, CSP violations or requests off the daemon");
    } finally {
      await browser.close().catch(() => {});
      await stopMeter(m);
    }
  },
});
