/**
 * The rc blocks and environment.d in the real programs that read them: a user's own
 * NODE_OPTIONS survives apps mode, our preload is added once however often the file is
 * read, and Node itself accepts the combined value (path with a space included).
 */
import assert from "node:assert/strict";
import { createCommandRunner } from "./command_runner.ts";
import { NODE_PRELOAD_SOURCE } from "./node_preload.ts";
import { nodePreloadOption } from "./proxy_env.ts";
import { renderEnvironmentD } from "./render_environment_d.ts";
import { renderShellRcBlock, type Shell } from "./render_shell_rc_block.ts";

const USER = "--max-old-space-size=4096";
const runner = createCommandRunner();

async function installed(binary: string): Promise<boolean> {
  return (await runner.run("sh", ["-c", `command -v ${binary}`])).code === 0;
}

/** A temp HOME holding the preload at a path with a space, and the rc file for `shell`. */
async function sandbox(shell: Shell): Promise<{ home: string; option: string }> {
  const home = await Deno.makeTempDir({ prefix: "hm-nodeopts-" });
  const preload = `${home}/hm home/node/proxy-preload.cjs`;
  await Deno.mkdir(`${home}/hm home/node`, { recursive: true });
  await Deno.writeTextFile(preload, NODE_PRELOAD_SOURCE);
  const option = nodePreloadOption(preload);
  const block = renderShellRcBlock({ NO_PROXY: "localhost", NODE_OPTIONS: option }, shell);
  const rc = shell === "fish"
    ? `${home}/.config/fish/conf.d/halton-meter.fish`
    : `${home}/${shell === "bash" ? ".bashrc" : ".zshrc"}`;
  await Deno.mkdir(rc.slice(0, rc.lastIndexOf("/")), { recursive: true });
  await Deno.writeTextFile(rc, block);
  return { home, option };
}

// Prints NODE_OPTIONS, reads the rc file again, prints it again, then asks Node whether it
// got both options: a heap limit above 4 GB and the preload's marker.
const NODE_CHECK = `node -e 'const v8 = require("v8");` +
  ` console.log(v8.getHeapStatistics().heap_size_limit > 4e9,` +
  ` globalThis[Symbol.for("halton-meter.proxy-preload")] === true)'`;

async function check(shell: Shell, args: (script: string) => string[], reread: string) {
  if (!(await installed(shell))) {
    console.log(`SKIP ${shell}: not installed`);
    return;
  }
  const { home, option } = await sandbox(shell);
  try {
    const print = `printf '[%s]\\n' "$NODE_OPTIONS"`;
    const node = await installed("node");
    const script = [print, reread, print, ...(node ? [NODE_CHECK] : [])].join("\n");
    const r = await runner.run(shell, args(script), {
      env: { HOME: home, XDG_CONFIG_HOME: `${home}/.config`, NODE_OPTIONS: USER },
    });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split("\n");
    assert.deepEqual(lines.slice(0, 2), [`[${USER} ${option}]`, `[${USER} ${option}]`]);
    if (node) assert.equal(lines[2], "true true", r.stderr);
    else console.log(`SKIP ${shell}: node is not installed, Node's parse not checked`);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

Deno.test("bash -i keeps a pre-set NODE_OPTIONS, adds the preload once; Node reads both", async () => {
  await check("bash", (s) => ["-i", "-c", s], "source ~/.bashrc");
});

Deno.test("zsh -i keeps a pre-set NODE_OPTIONS, adds the preload once; Node reads both", async () => {
  await check("zsh", (s) => ["-i", "-c", s], "source ~/.zshrc");
});

Deno.test("fish keeps a pre-set NODE_OPTIONS, adds the preload once; Node reads both", async () => {
  await check("fish", (s) => ["-c", s], "source ~/.config/fish/conf.d/halton-meter.fish");
});

Deno.test("a nested bash (exported NODE_OPTIONS already carrying ours) adds nothing", async () => {
  if (!(await installed("bash"))) return console.log("SKIP bash: not installed");
  const { home, option } = await sandbox("bash");
  try {
    const r = await runner.run("bash", ["-i", "-c", `bash -i -c 'printf "[%s]" "$NODE_OPTIONS"'`], {
      env: { HOME: home, NODE_OPTIONS: "" },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `[${option}]`, "an empty NODE_OPTIONS gets no stray space");
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("environment.d appends to the NODE_OPTIONS systemd already has", async () => {
  const generator =
    "/usr/lib/systemd/user-environment-generators/30-systemd-environment-d-generator";
  try {
    await Deno.stat(generator);
  } catch {
    return console.log(`SKIP environment.d: ${generator} is not installed`);
  }
  const dir = await Deno.makeTempDir({ prefix: "hm-envd-" });
  try {
    const option = nodePreloadOption("/home/Ada L/.halton-meter/node/proxy-preload.cjs");
    await Deno.mkdir(`${dir}/environment.d`);
    await Deno.writeTextFile(
      `${dir}/environment.d/halton-meter.conf`,
      renderEnvironmentD({ NODE_OPTIONS: option }),
    );
    const seen = async (env: Record<string, string>) => {
      const unset = "NODE_OPTIONS" in env ? [] : ["-u", "NODE_OPTIONS"];
      const r = await runner.run("env", [...unset, generator], {
        env: { XDG_CONFIG_HOME: dir, ...env },
      });
      assert.equal(r.code, 0, r.stderr);
      const raw = /^NODE_OPTIONS=(.*)$/m.exec(r.stdout)?.[1] ?? "";
      return raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, "$1") : raw;
    };
    assert.equal(await seen({ NODE_OPTIONS: USER }), `${USER} ${option}`);
    assert.equal(await seen({}), option);
    // systemd 252 takes a set-but-empty value as set for `:+` (the man page says non-empty);
    // the leading space that leaves is harmless: Node skips empty options.
    assert.equal((await seen({ NODE_OPTIONS: "" })).trimStart(), option);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an apostrophe, a space and glob characters in the path are matched literally", async () => {
  const option = nodePreloadOption("/home/o'brien/my hm*?/node/proxy-preload.cjs");
  // What the unescaped glob `*?` would take for ours: it must not stop ours being added.
  const lookalike = nodePreloadOption("/home/o'brien/my hmXY/node/proxy-preload.cjs");
  for (const shell of ["bash", "zsh", "fish"] as const) {
    if (!(await installed(shell))) {
      console.log(`SKIP ${shell}: not installed`);
      continue;
    }
    const block = renderShellRcBlock({ NODE_OPTIONS: option }, shell);
    const script = `${block}${block}printf '[%s]' "$NODE_OPTIONS"`;
    const r = await runner.run(shell, ["-c", script], {
      env: { HOME: "/nonexistent", NODE_OPTIONS: lookalike },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `[${lookalike} ${option}]`, shell);
  }
});
