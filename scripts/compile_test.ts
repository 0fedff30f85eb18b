/**
 * `deno task compile` where no denort can be had fails at once with one line, never hangs on
 * a download; a DENORT_BIN is checked against its targets; and with a base that is not a
 * denort (a full `deno`: the only base this machine has) the whole pipeline runs offline —
 * bundle, `deno compile` of the bundle, header check — and the smoke run refuses the result.
 */
import assert from "node:assert/strict";
import { parseCompileArgs, writeChecksums } from "./compile.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const dec = new TextDecoder();

async function compile(args: string[], env: Record<string, string>, timeoutMs = 120_000) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "scripts/compile.ts", ...args],
    cwd: ROOT,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const started = Date.now();
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const out = await child.output();
  clearTimeout(timer);
  return {
    code: out.code,
    killed: out.signal === "SIGKILL",
    ms: Date.now() - started,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr).trim(),
  };
}

/** A DENO_DIR with everything of the real one (module and npm caches) but its downloads. */
async function denoDirWithoutDownloads(into: string): Promise<string> {
  const info = await new Deno.Command(Deno.execPath(), { args: ["info", "--json"] }).output();
  const real = JSON.parse(dec.decode(info.stdout)).denoDir as string;
  const dir = `${into}/deno-dir`;
  await Deno.mkdir(dir);
  for await (const e of Deno.readDir(real)) {
    if (e.name !== "dl") await Deno.symlink(`${real}/${e.name}`, `${dir}/${e.name}`);
  }
  return dir;
}

Deno.test("parseCompileArgs: repeatable --target, --out, and an error naming what is wrong", () => {
  assert.deepEqual(parseCompileArgs([]), { ok: true, args: { targets: [], outDir: "dist" } });
  assert.deepEqual(
    parseCompileArgs([
      "--target",
      "aarch64-apple-darwin",
      "--target=x86_64-pc-windows-msvc",
      "--out",
      "o",
    ]),
    {
      ok: true,
      args: { targets: ["aarch64-apple-darwin", "x86_64-pc-windows-msvc"], outDir: "o" },
    },
  );
  const bad = parseCompileArgs(["--target", "sparc-sun-solaris"]);
  assert.ok(!bad.ok && /unknown target sparc-sun-solaris; expected one of x86_64/.test(bad.error));
  assert.ok(!parseCompileArgs(["--fast"]).ok);
  assert.ok(!parseCompileArgs(["--out"]).ok);
});

Deno.test("writeChecksums: sha256sum's format for this version's artifacts only", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/halton-meter-1.0.0-x86_64-unknown-linux-gnu`, "abc");
    await Deno.writeTextFile(`${dir}/halton-meter-1.0.0-x86_64-pc-windows-msvc.exe`, "");
    await Deno.writeTextFile(`${dir}/halton-meter-0.9.0-x86_64-unknown-linux-gnu`, "old");
    await Deno.writeTextFile(`${dir}/halton-meter-1.0.0.js`, "bundle");
    await writeChecksums(dir, "1.0.0");
    assert.equal(
      await Deno.readTextFile(`${dir}/SHA256SUMS`),
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  halton-meter-1.0.0-x86_64-pc-windows-msvc.exe\n" +
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  halton-meter-1.0.0-x86_64-unknown-linux-gnu\n",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compile without denort in DENORT_BIN or Deno's cache, download host silent: one line, bounded, nothing written", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hm-compile-" });
  // A download host that accepts connections and never answers: what a filtered network does.
  const silent = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const c of silent) held.push(c);
  })().catch(() => {});
  try {
    const r = await compile(["--target", "x86_64-unknown-linux-gnu", "--out", `${dir}/out`], {
      DENO_DIR: await denoDirWithoutDownloads(dir),
      HALTON_METER_DENORT_URL: `http://127.0.0.1:${(silent.addr as Deno.NetAddr).port}`,
    });
    assert.equal(r.killed, false, `still running after ${r.ms} ms: hangs on the download`);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr.split("\n").length, 1, r.stderr);
    assert.match(
      r.stderr,
      /^compile: cannot build x86_64-unknown-linux-gnu: denort \d+\.\d+\.\d+ is neither in DENORT_BIN nor in Deno's cache \(.*deno-dir\/dl\/release\/v[\d.]+\) and http:\/\/127\.0\.0\.1:\d+ cannot be reached \(no answer within 10 s\); set DENORT_BIN/,
    );
    assert.equal(await Deno.stat(`${dir}/out`).then(() => true, () => false), false);
  } finally {
    silent.close();
    for (const c of held) c.close();
    await accepting;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compile: a DENORT_BIN that is missing, not an executable, or for another target is refused in one line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hm-compile-" });
  try {
    const script = `${dir}/denort`;
    await Deno.writeTextFile(script, "#!/bin/sh\n", { mode: 0o755 });
    const cases: [string, string[], RegExp][] = [
      [`${dir}/none`, [], /^compile: DENORT_BIN=.*\/none: no such file$/],
      [script, [], /^compile: DENORT_BIN=.*\/denort is a script \(#!\), not an executable$/],
      [
        Deno.execPath(),
        ["--target", "aarch64-apple-darwin"],
        /^compile: cannot build aarch64-apple-darwin: DENORT_BIN=.* is built for x86_64-unknown-linux-gnu/,
      ],
    ];
    for (const [bin, args, expected] of cases) {
      const r = await compile([...args, "--out", `${dir}/out`], { DENORT_BIN: bin });
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, expected);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "compile with a full deno as DENORT_BIN: bundle, deno compile and header check run offline; the smoke run refuses the binary",
  ignore: Deno.build.target !== "x86_64-unknown-linux-gnu",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "hm-compile-" });
    try {
      const r = await compile(["--out", dir], { DENORT_BIN: Deno.execPath() });
      assert.equal(r.code, 1, r.stderr);
      assert.match(
        r.stderr,
        /^compile: cannot build x86_64-unknown-linux-gnu: .*halton-meter-[\d.]+-x86_64-unknown-linux-gnu does not run as halton-meter [\d.]+ \(--version --json said "error: unexpected argument '--json' found"\); is its base the denort of Deno/,
      );
      assert.deepEqual([...Deno.readDirSync(dir)], [], "the refused binary is removed");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
