/**
 * `halton-meter watch` in a real terminal: tmux (a private server) runs it against a meter
 * (`main.ts up`, fake provider, loopback only). A call made through the proxy shows on screen
 * within 2 s; resizes are followed; `q` and Ctrl-C quit with exit 0 and leave the screen as it
 * was (normal screen back, cursor shown); NO_COLOR means no colour sequences at all.
 */
import assert from "node:assert/strict";
import { SOURCE_PERMISSIONS } from "../setup/mod.ts";
import { run } from "./_support/net.ts";
import { MAIN } from "./_support/role_process.ts";
import { curlArgs, type Meter, startMeter, stopMeter, waitRows } from "./_support/meter.ts";

const ROOT = new URL("..", import.meta.url).pathname;
// A private server, on a socket in the meter's temp dir (removed with it).
let SOCKET = "";

async function tmux(...args: string[]): Promise<string> {
  const r = await run("tmux", ["-S", SOCKET, "-f", "/dev/null", ...args]);
  if (r.code !== 0) throw new Error(`tmux ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

const screen = (target: string, escapes = false) =>
  tmux("capture-pane", "-p", ...(escapes ? ["-e"] : []), "-t", target);
const paneFormat = async (target: string, format: string) =>
  (await tmux("display-message", "-p", "-t", target, format)).trim();

async function waitScreen(target: string, re: RegExp, timeoutMs = 30_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  let text = "";
  while (Date.now() < end) {
    text = await screen(target);
    if (re.test(text)) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`screen never matched ${re} in ${timeoutMs} ms; it shows:\n${text}`);
}

/**
 * A session running watch for the meter (110x34) from a shell, as a user would: a line on the
 * normal screen first, and after watch exits its exit code, with the shell still there (so the
 * terminal's state is what watch left, not tmux's dead-pane display).
 */
async function startWatch(m: Meter, name: string, env: string[]) {
  await tmux("new-session", "-d", "-s", name, "-x", "110", "-y", "34", "sleep 600");
  const watch = [
    // The test's own NO_COLOR (scripts/test.sh sets it) must not reach the colour case.
    "env -u NO_COLOR",
    `HALTON_METER_HOME=${m.home}`,
    "TZ=UTC",
    ...env,
    Deno.execPath(),
    "run",
    "--quiet",
    ...SOURCE_PERMISSIONS,
    MAIN,
    "watch",
  ].join(" ");
  await tmux(
    "respawn-pane",
    "-k",
    "-t",
    name,
    `printf 'BEFORE-WATCH %s\\n' ${name}; ${watch}; echo "WATCH-EXIT=$?"; sleep 600`,
  );
  return name;
}

/** Waits for watch to exit; its exit code. */
async function watchExit(target: string): Promise<number> {
  const text = await waitScreen(target, /WATCH-EXIT=\d+/, 10_000);
  return Number(/WATCH-EXIT=(\d+)/.exec(text)![1]);
}

function curl(m: Meter, project: string) {
  return run("curl", [
    ...curlArgs(m, project, "sk-ant-test-WATCH", [
      "-d",
      Deno.readTextFileSync(`${ROOT}adapters/testdata/anthropic/plain.request.json`),
    ]),
    "https://api.anthropic.com/v1/messages",
  ]);
}

Deno.test("watch in tmux: a metered call shows within 2 s; resize; q and Ctrl-C exit 0 with the screen restored; NO_COLOR", async (t) => {
  const m = await startMeter("hm-watch-");
  SOCKET = `${m.dir}/tmux.sock`;
  try {
    const w = await startWatch(m, "plain", ["NO_COLOR=1"]);
    await waitScreen(w, /Last model calls\n\s+none yet/);

    await t.step("a call through the proxy is on screen within 2 s of its end", async () => {
      const r = await curl(m, "watchproj");
      const ended = performance.now();
      assert.equal(r.code, 0, r.stderr);
      const text = await waitScreen(w, /watchproj/, 5000);
      const ms = performance.now() - ended;
      assert.ok(ms <= 2000, `the call showed after ${Math.round(ms)} ms`);
      assert.match(
        text,
        /\d\d:\d\d:\d\d\s+claude-\S+\s+watchproj\s+[\d,]+ in\s+[\d,]+ out\s+\$\S+\s+200/,
      );
      assert.match(text, /Today\s+\$\S+ · [\d,]+ tokens · 1 model call\b/);
      assert.match(text, /5-hour block \d\d:00 → \d\d:00/);
      await waitRows(m, "watchproj", 1);
    });

    await t.step("NO_COLOR: no colour or attribute sequences on screen", async () => {
      const raw = await screen(w, true);
      // deno-lint-ignore no-control-regex
      assert.doesNotMatch(raw, /\x1b\[[0-9;]*m/, "an SGR sequence was drawn");
    });

    await t.step("a resize redraws the frame at the new size", async () => {
      await tmux("resize-window", "-t", w, "-x", "60", "-y", "16");
      // Cropped, the 110-column title shows no date in 60 columns; redrawn at 60, it does.
      const small = await waitScreen(
        w,
        /^Halton Meter · watch {2,8}\d{4}-\d\d-\d\d \d\d:\d\d/,
        5000,
      );
      assert.match(small, /Last model calls\n.*watchproj/);
      assert.ok(small.replace(/\n+$/, "").split("\n").length <= 16, small);
      await tmux("resize-window", "-t", w, "-x", "110", "-y", "34");
      const big = await waitScreen(
        w,
        /^Halton Meter · watch {20,}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC {4}q quits$/m,
        5000,
      );
      assert.match(big, /watchproj/);
    });

    await t.step("q quits with exit 0; the normal screen and the cursor are back", async () => {
      await tmux("send-keys", "-t", w, "q");
      assert.equal(await watchExit(w), 0);
      assert.equal(await paneFormat(w, "#{alternate_on}"), "0");
      assert.equal(await paneFormat(w, "#{cursor_flag}"), "1");
      const text = await screen(w);
      assert.match(text, /BEFORE-WATCH plain/);
      assert.doesNotMatch(text, /Halton Meter · watch|Last model calls/);
    });

    await t.step("with colour: drawn with colour; Ctrl-C quits with exit 0", async () => {
      const c = await startWatch(m, "colour", []);
      await waitScreen(c, /watchproj/);
      // deno-lint-ignore no-control-regex
      assert.match(await screen(c, true), /\x1b\[[0-9;]*m/, "no colour without NO_COLOR");
      await tmux("send-keys", "-t", c, "C-c");
      assert.equal(await watchExit(c), 0);
      assert.equal(await paneFormat(c, "#{alternate_on}"), "0");
      assert.match(await screen(c), /BEFORE-WATCH colour/);
    });
  } finally {
    await run("tmux", ["-S", SOCKET, "kill-server"]);
    await stopMeter(m);
  }
});
