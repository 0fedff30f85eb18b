import assert from "node:assert/strict";
import { assertGolden } from "./_golden.ts";
import { createCommandRunner } from "./command_runner.ts";
import { nodePreloadOption, proxyEnv } from "./proxy_env.ts";
import { renderEnvironmentD } from "./render_environment_d.ts";
import { renderShellRcBlock, type Shell } from "./render_shell_rc_block.ts";

const ENV = proxyEnv({
  edgePort: 8081,
  caPath: "/home/ada/.halton-meter/ca/halton-meter-ca.pem",
  bundlePath: "/home/ada/.halton-meter/ca/ca-bundle.pem",
  nodePreloadPath: "/home/ada/.halton-meter/node/proxy-preload.cjs",
});

const TRICKY = { A: "it's", B: 'say "hi" $HOME `id` \\n', C: "", D: "semi;colon & amp" };
// A home with a space, a quote-breaking apostrophe and glob characters: NODE_OPTIONS quoting.
const TRICKY_NODE = {
  NODE_OPTIONS: nodePreloadOption("/home/o'brien/my hm*?/node/proxy-preload.cjs"),
};

Deno.test("renderShellRcBlock matches the golden blocks", async () => {
  await assertGolden("rc/bash.sh", renderShellRcBlock(ENV, "bash"));
  await assertGolden("rc/zsh.sh", renderShellRcBlock(ENV, "zsh"));
  await assertGolden("rc/fish.fish", renderShellRcBlock(ENV, "fish"));
  await assertGolden("rc/quoting.sh", renderShellRcBlock(TRICKY, "bash"));
  await assertGolden("rc/quoting.fish", renderShellRcBlock(TRICKY, "fish"));
  await assertGolden("rc/node_options.sh", renderShellRcBlock(TRICKY_NODE, "bash"));
  await assertGolden("rc/node_options.fish", renderShellRcBlock(TRICKY_NODE, "fish"));
});

Deno.test("renderEnvironmentD matches the golden file and refuses values it cannot quote", async () => {
  await assertGolden("environment.d/halton-meter.conf", renderEnvironmentD(ENV));
  assert.throws(() => renderEnvironmentD({ X: "$HOME/x" }), /contains \$/);
  assert.throws(() => renderEnvironmentD({ "A-B": "x" }), /not a variable name/);
});

Deno.test("renderShellRcBlock refuses newlines and bad names", () => {
  assert.throws(() => renderShellRcBlock({ X: "a\nb" }, "bash"), /newline/);
  assert.throws(() => renderShellRcBlock({ "X Y": "a" }, "zsh"), /not a variable name/);
});

async function shellReadsBack(shell: Shell, binary: string, print: string): Promise<void> {
  const runner = createCommandRunner();
  if ((await runner.run("sh", ["-c", `command -v ${binary}`])).code !== 0) {
    console.log(`SKIP ${shell} read-back: ${binary} is not installed`);
    return;
  }
  const script = renderShellRcBlock(TRICKY, shell) + print;
  const result = await runner.run(binary, ["-c", script], { env: { HOME: "/nonexistent" } });
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, Object.values(TRICKY).map((v) => `[${v}]`).join("\n") + "\n");
}

Deno.test("renderShellRcBlock values read back exactly in real shells", async () => {
  const posix = `printf '[%s]\\n' "$A" "$B" "$C" "$D"\n`;
  await shellReadsBack("bash", "bash", posix);
  await shellReadsBack("zsh", "zsh", posix);
  await shellReadsBack("fish", "fish", `printf '[%s]\\n' "$A" "$B" "$C" "$D"\n`);
});

Deno.test("renderEnvironmentD values read back through systemd's environment.d generator", async () => {
  const generator =
    "/usr/lib/systemd/user-environment-generators/30-systemd-environment-d-generator";
  try {
    await Deno.stat(generator);
  } catch {
    console.log(`SKIP environment.d read-back: ${generator} is not installed`);
    return;
  }
  const dir = await Deno.makeTempDir({ prefix: "hm-envd-" });
  try {
    // No empty value: systemd reads `K=""` as "not set" and drops it.
    const env = { HM_A: "/p/it's & <m> 100% x", HM_B: "a b", HM_C: "plain", HM_D: 'q"uo\\te' };
    await Deno.mkdir(`${dir}/environment.d`);
    await Deno.writeTextFile(`${dir}/environment.d/halton-meter.conf`, renderEnvironmentD(env));
    const result = await createCommandRunner().run(generator, [], {
      env: { XDG_CONFIG_HOME: dir },
    });
    assert.equal(result.code, 0, result.stderr);
    const seen: Record<string, string> = {};
    for (const line of result.stdout.split("\n")) {
      const m = /^(HM_[A-Z])=(.*)$/.exec(line);
      if (!m) continue;
      const raw = m[2];
      seen[m[1]] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, "$1") : raw;
    }
    assert.deepEqual(seen, env);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
