/**
 * The login environment against real files in a temporary HOME, and real shells reading
 * them: apply then remove leaves every byte as it was, and a fresh shell sees the proxy.
 */
import assert from "node:assert/strict";
import { createCommandRunner } from "./command_runner.ts";
import { createFileDeps } from "./file_deps.ts";
import { createLoginEnvironment } from "./login_environment.ts";
import { proxyEnv } from "./proxy_env.ts";
import type { Shell } from "./render_shell_rc_block.ts";

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Every file (with its checksum and mode) and every directory under `root`. */
async function snapshot(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  async function walk(dir: string): Promise<void> {
    for await (const e of Deno.readDir(dir)) {
      const path = `${dir}/${e.name}`;
      const rel = path.slice(root.length);
      if (e.isDirectory) {
        out[rel + "/"] = "dir";
        await walk(path);
      } else {
        const mode = ((await Deno.stat(path)).mode ?? 0) & 0o777;
        out[rel] = `${await sha256(await Deno.readFile(path))} ${mode.toString(8)}`;
      }
    }
  }
  await walk(root);
  return out;
}

const ENV = proxyEnv({
  edgePort: 18081,
  caPath: "/tmp/hm test/ca/halton-meter-ca.pem",
  bundlePath: "/tmp/hm test/ca/ca-bundle.pem",
});

async function tempHome(): Promise<string> {
  return await Deno.makeTempDir({ prefix: "hm-login-env-" });
}

Deno.test("apply then remove leaves a HOME byte-identical: new files, pre-existing files, no trailing newline", async () => {
  const home = await tempHome();
  try {
    await Deno.writeTextFile(`${home}/.bashrc`, "# mine\nalias ll='ls -l'"); // no final newline
    await Deno.writeTextFile(`${home}/.zshrc`, "setopt autocd\n");
    await Deno.writeTextFile(`${home}/.profile`, "");
    await Deno.mkdir(`${home}/.config`);
    await Deno.writeTextFile(`${home}/.config/user-dirs.dirs`, "XDG_DESKTOP_DIR=x\n");
    const before = await snapshot(home);

    const login = createLoginEnvironment({
      os: "linux",
      runner: createCommandRunner(),
      files: createFileDeps(),
      userHome: home,
      shells: ["bash", "zsh", "fish"],
    });
    const applied = await login.apply(ENV, { shellRc: true });
    assert.equal(applied.ok, true, JSON.stringify(applied.steps, null, 2));
    assert.deepEqual(applied.created, [
      `${home}/.config/fish`,
      `${home}/.config/fish/conf.d`,
      `${home}/.config/fish/conf.d/halton-meter.fish`,
      `${home}/.config/environment.d`,
      `${home}/.config/environment.d/halton-meter.conf`,
    ]);
    assert.deepEqual((await login.present()).sort(), [
      `${home}/.bashrc`,
      `${home}/.config/environment.d/halton-meter.conf`,
      `${home}/.config/fish/conf.d/halton-meter.fish`,
      `${home}/.profile`,
      `${home}/.zshrc`,
    ]);
    const bashrc = await Deno.readTextFile(`${home}/.bashrc`);
    assert.ok(bashrc.startsWith("# mine\nalias ll='ls -l'\n# >>> halton-meter >>>\n"), bashrc);

    // Idempotent: a second apply changes nothing and creates nothing.
    const mid = await snapshot(home);
    const again = await login.apply(ENV, { shellRc: true });
    assert.deepEqual(again.created, []);
    assert.ok(again.steps.every((s) => s.outcome === "done"));
    assert.deepEqual(await snapshot(home), mid);

    const removed = await login.remove(applied.created);
    assert.equal(removed.ok, true, JSON.stringify(removed.steps, null, 2));
    assert.deepEqual(await snapshot(home), before);
    assert.deepEqual(await login.present(), []);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("remove keeps a created file the user has written to since, and directories that are not empty", async () => {
  const home = await tempHome();
  try {
    const login = createLoginEnvironment({
      os: "linux",
      runner: createCommandRunner(),
      files: createFileDeps(),
      userHome: home,
      loginShell: "/usr/bin/fish",
    });
    const applied = await login.apply(ENV, { shellRc: true });
    assert.ok(applied.created.includes(`${home}/.config/fish/conf.d/halton-meter.fish`));
    await Deno.writeTextFile(`${home}/.config/fish/config.fish`, "set -g fish_greeting\n");
    const removed = await login.remove(applied.created);
    assert.equal(removed.ok, true);
    assert.deepEqual(await snapshot(home), {
      "/.config/": "dir",
      "/.config/fish/": "dir",
      "/.config/fish/config.fish": (await snapshot(home))["/.config/fish/config.fish"],
    });
    // Nothing of ours is left; a bogus created list never deletes a user's file.
    const bogus = await login.remove([`${home}/.config/fish/config.fish`, `${home}/.config`]);
    assert.equal(bogus.ok, true);
    assert.equal(
      await Deno.readTextFile(`${home}/.config/fish/config.fish`),
      "set -g fish_greeting\n",
    );
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

// ---- real shells ----------------------------------------------------------------------

function installed(program: string): boolean {
  const out = new Deno.Command("sh", {
    args: ["-c", `command -v ${program}`],
    stdout: "null",
    stderr: "null",
  }).outputSync();
  return out.success;
}

const SHELLS: Array<{ shell: Shell; name: string; args: string[] }> = [
  { shell: "bash", name: "bash -i", args: ["-i", "-c", 'printf "%s" "$HTTPS_PROXY"'] },
  { shell: "bash", name: "bash -lc", args: ["-lc", 'printf "%s" "$HTTPS_PROXY"'] },
  { shell: "zsh", name: "zsh -i", args: ["-i", "-c", 'printf "%s" "$HTTPS_PROXY"'] },
  { shell: "fish", name: "fish -c", args: ["-c", 'printf "%s" "$HTTPS_PROXY"'] },
];

for (const s of SHELLS) {
  const has = installed(s.shell);
  Deno.test({
    name: `a fresh ${s.name} in the temp HOME sees HTTPS_PROXY${
      has ? "" : ` (skipped: ${s.shell} is not installed; apt-get install ${s.shell})`
    }`,
    ignore: !has,
    async fn() {
      const home = await tempHome();
      try {
        // As a new user whose login shell is this one: every file comes from us.
        const login = createLoginEnvironment({
          os: "linux",
          runner: createCommandRunner(),
          files: createFileDeps(),
          userHome: home,
          loginShell: `/usr/bin/${s.shell}`,
        });
        const applied = await login.apply(ENV, { shellRc: true });
        assert.equal(applied.ok, true);
        const run = async () =>
          await new Deno.Command(s.shell, {
            args: s.args,
            clearEnv: true,
            env: { HOME: home, PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", TERM: "dumb" },
            cwd: home,
            stdin: "null",
            stdout: "piped",
            stderr: "piped",
          }).output();
        const out = await run();
        const stdout = new TextDecoder().decode(out.stdout);
        assert.equal(stdout, "http://127.0.0.1:18081", new TextDecoder().decode(out.stderr));

        await login.remove(applied.created);
        const after = await run();
        assert.equal(new TextDecoder().decode(after.stdout), "", "gone after remove");
        // Shells make their own directories when they run (fish: ~/.local/share/fish).
        const left = Object.keys(await snapshot(home)).filter((p) => !p.endsWith("/"));
        assert.deepEqual(left, [], "no file is left in the HOME");
      } finally {
        await Deno.remove(home, { recursive: true });
      }
    },
  });
}
