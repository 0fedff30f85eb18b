/**
 * `deno task compile [--target T]… [--out DIR]`: the release binaries,
 * `DIR/halton-meter-<version>-<target>[.exe]` (default DIR: dist), and `DIR/SHA256SUMS`.
 *
 * What is compiled is the bundle of main.ts (scripts/bundle.ts): the one file the tests run
 * from an empty directory (tests/bundle_test.ts), so the binary holds exactly the code that
 * was proven, and none of the test-only npm packages deno.json imports (the SDKs are 40 MB).
 * The lookup worker runs the entry module itself, so nothing needs `--include`.
 *
 * The base binary (`denort`) of every target comes from DENORT_BIN (one target: the one its
 * header names), or Deno's cache (`$DENO_DIR/dl/release/v<deno>/denort-<target>.zip`), or is
 * downloaded by `deno compile` — only after a probe of the download host answered, so a
 * machine that cannot reach it fails at once with one line instead of hanging.
 */
import { sha256Hex, VERSION } from "../core/mod.ts";
import { DAEMON_SOURCE_PERMISSIONS } from "../setup/mod.ts";
import { bundleProgram } from "./bundle.ts";
import {
  artifactName,
  isTarget,
  readExecutableHead,
  type Target,
  targetOfExecutable,
  TARGETS,
} from "./release_targets.ts";

/**
 * One binary runs every role, so it carries the union of their permissions: the daemon's,
 * `--allow-all`, which Deno requires for reading other processes' /proc entries
 * (setup/launch_command.ts).
 */
export const BINARY_PERMISSIONS = DAEMON_SOURCE_PERMISSIONS;

/** Where `deno compile` downloads denort from; HALTON_METER_DENORT_URL replaces it (tests). */
export const DENORT_HOST = "https://dl.deno.land";
const PROBE_TIMEOUT_MS = 10_000;
const COMPILE_TIMEOUT_MS = 10 * 60_000;

export interface CompileArgs {
  targets: Target[];
  outDir: string;
}

/** Parses `--target T` (repeatable) and `--out DIR`; an error names what is wrong. */
export function parseCompileArgs(args: string[]): { ok: true; args: CompileArgs } | {
  ok: false;
  error: string;
} {
  const targets: Target[] = [];
  let outDir = "dist";
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split(/=(.*)/s, 2);
    const value = inline ?? args[++i];
    if (flag !== "--target" && flag !== "--out") {
      return { ok: false, error: `unknown argument ${args[i]}` };
    }
    if (value === undefined) return { ok: false, error: `${flag} needs a value` };
    if (flag === "--out") outDir = value;
    else if (!isTarget(value)) {
      return { ok: false, error: `unknown target ${value}; expected one of ${TARGETS.join(", ")}` };
    } else if (!targets.includes(value)) targets.push(value);
  }
  return { ok: true, args: { targets, outDir } };
}

export interface CompileDeps {
  env(name: string): string | undefined;
  /** Resolves when `url` answers (any HTTP status is an answer), else says why not. */
  probe(url: string, timeoutMs: number): Promise<{ status: number } | { error: string }>;
  print(line: string): void;
  printError(line: string): void;
}

type Base = { kind: "denort_bin"; path: string } | { kind: "cache" } | { kind: "download" };

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

async function denoDir(): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as { denoDir?: unknown };
  if (typeof info.denoDir !== "string") throw new Error("deno info --json named no denoDir");
  return info.denoDir;
}

/** The base binary of each target, or the one-line reason none can be had. */
async function planBases(
  wanted: Target[],
  deps: CompileDeps,
): Promise<
  { ok: true; targets: Target[]; base: Map<Target, Base> } | { ok: false; error: string }
> {
  const deno = Deno.version.deno;
  const bin = deps.env("DENORT_BIN");
  if (bin !== undefined && bin !== "") {
    if (!(await exists(bin))) return { ok: false, error: `DENORT_BIN=${bin}: no such file` };
    const of = targetOfExecutable(await readExecutableHead(bin));
    if ("other" in of) return { ok: false, error: `DENORT_BIN=${bin} is ${of.other}` };
    const others = wanted.filter((t) => t !== of.target);
    if (others.length > 0) {
      return {
        ok: false,
        error: `cannot build ${others.join(", ")}: DENORT_BIN=${bin} is built for ${of.target} ` +
          `(build other targets from Deno's cache, or one at a time with their own DENORT_BIN)`,
      };
    }
    return {
      ok: true,
      targets: [of.target],
      base: new Map([[of.target, { kind: "denort_bin", path: bin }]]),
    };
  }
  const targets = wanted.length > 0 ? wanted : [...TARGETS];
  const cache = `${await denoDir()}/dl/release/v${deno}`;
  const base = new Map<Target, Base>();
  const missing: Target[] = [];
  for (const t of targets) {
    if (await exists(`${cache}/denort-${t}.zip`)) base.set(t, { kind: "cache" });
    else {
      base.set(t, { kind: "download" });
      missing.push(t);
    }
  }
  if (missing.length > 0) {
    const host = deps.env("HALTON_METER_DENORT_URL") || DENORT_HOST;
    const url = `${host}/release/v${deno}/denort-${missing[0]}.zip`;
    const answer = await deps.probe(url, PROBE_TIMEOUT_MS);
    const why = "error" in answer
      ? `${host} cannot be reached (${answer.error})`
      : answer.status >= 400
      ? `${url} answered ${answer.status}`
      : null;
    if (why !== null) {
      return {
        ok: false,
        error: `cannot build ${missing.join(", ")}: denort ${deno} is neither in DENORT_BIN nor ` +
          `in Deno's cache (${cache}) and ${why}; set DENORT_BIN to the denort of Deno ${deno} ` +
          `for the target (denort-<target>.zip from ${DENORT_HOST}) to build offline`,
      };
    }
  }
  return { ok: true, targets, base };
}

/** Writes `SHA256SUMS` for every artifact of `version` in `outDir` (sha256sum's format). */
export async function writeChecksums(outDir: string, version: string): Promise<string> {
  const prefix = `halton-meter-${version}-`;
  const names: string[] = [];
  for await (const e of Deno.readDir(outDir)) {
    if (e.isFile && e.name.startsWith(prefix) && !e.name.endsWith(".js")) names.push(e.name);
  }
  names.sort();
  const lines = [];
  for (const name of names) {
    lines.push(`${await sha256Hex(await Deno.readFile(`${outDir}/${name}`))}  ${name}\n`);
  }
  const path = `${outDir}/SHA256SUMS`;
  await Deno.writeTextFile(path, lines.join(""));
  return path;
}

interface Ran {
  code: number;
  output: string;
}

async function runBounded(
  program: string,
  args: string[],
  env: Record<string, string>,
): Promise<Ran> {
  const child = new Deno.Command(program, {
    args,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  })
    .spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), COMPILE_TIMEOUT_MS);
  try {
    const out = await child.output();
    const text = new TextDecoder().decode(out.stderr) + new TextDecoder().decode(out.stdout);
    return { code: out.signal === "SIGKILL" ? -1 : out.code, output: text };
  } finally {
    clearTimeout(timer);
  }
}

/** The line of a tool's output that says what went wrong: its `error` line, else its first. */
function reasonLine(text: string): string {
  // deno colours its errors on a terminal or without NO_COLOR: the message is plain text.
  // deno-lint-ignore no-control-regex
  const plain = text.replace(/\x1b\[[0-9;]*m/g, "");
  const lines = plain.split("\n").map((l) => l.trim())
    .filter((l) => l !== "");
  return lines.find((l) => /error/i.test(l)) ?? lines[0] ?? "(nothing)";
}

/** Compiles one target; resolves with null, or the one-line reason it failed. */
async function compileTarget(
  t: Target,
  bundle: string,
  out: string,
  base: Base,
): Promise<string | null> {
  const env: Record<string, string> = base.kind === "denort_bin" ? { DENORT_BIN: base.path } : {};
  const ran = await runBounded(Deno.execPath(), [
    "compile",
    "--no-config",
    "--no-check",
    ...BINARY_PERMISSIONS,
    "--target",
    t,
    "--output",
    out,
    bundle,
  ], env);
  if (ran.code === -1) {
    return `deno compile did not finish within ${COMPILE_TIMEOUT_MS / 60_000} min`;
  }
  if (ran.code !== 0) return `deno compile exited ${ran.code}: ${reasonLine(ran.output)}`;
  const of = targetOfExecutable(await readExecutableHead(out));
  if (!("target" in of) || of.target !== t) {
    return `the output is ${"target" in of ? `built for ${of.target}` : of.other}, not for ${t}`;
  }
  if (t !== Deno.build.target) return null;
  // A binary for this machine is run: a wrong base (a full deno, not denort) shows here.
  const smoke = await runBounded(out, ["--version", "--json"], {});
  try {
    const v = JSON.parse(smoke.output.trim());
    if (v.version === VERSION && v.compiled === true) return null;
  } catch { /* said below */ }
  return `${out} does not run as halton-meter ${VERSION} (--version --json said "${
    reasonLine(smoke.output).slice(0, 120)
  }"); is its base the denort of Deno ${Deno.version.deno}?`;
}

/** The compile task; resolves with the exit code. */
export async function runCompile(argv: string[], deps: CompileDeps): Promise<number> {
  const parsed = parseCompileArgs(argv);
  if (!parsed.ok) {
    deps.printError(`compile: ${parsed.error}`);
    return 2;
  }
  const plan = await planBases(parsed.args.targets, deps);
  if (!plan.ok) {
    deps.printError(`compile: ${plan.error}`);
    return 1;
  }
  const { outDir } = parsed.args;
  await Deno.mkdir(outDir, { recursive: true });
  const scratch = await Deno.makeTempDir({ prefix: "halton-meter-compile-" });
  try {
    const bundle = await bundleProgram(`${scratch}/halton-meter.js`);
    for (const t of plan.targets) {
      const out = `${outDir}/${artifactName(VERSION, t)}`;
      const failed = await compileTarget(t, bundle, out, plan.base.get(t)!)
        .catch((err: Error) => err.message.split("\n")[0]);
      if (failed !== null) {
        await Deno.remove(out).catch(() => {});
        deps.printError(`compile: cannot build ${t}: ${failed}`);
        return 1;
      }
      deps.print(`${out}`);
    }
    deps.print(await writeChecksums(outDir, VERSION));
    return 0;
  } catch (err) {
    deps.printError(`compile: ${(err as Error).message.split("\n")[0]}`);
    return 1;
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
}

/** A HEAD request bounded by `timeoutMs`. */
export async function probeUrl(
  url: string,
  timeoutMs: number,
): Promise<{ status: number } | { error: string }> {
  try {
    const res = await fetch(url, { method: "HEAD", signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    return { status: res.status };
  } catch (err) {
    const e = err as Error;
    if (e.name === "TimeoutError") return { error: `no answer within ${timeoutMs / 1000} s` };
    // Deno's fetch says "fetch failed"; the cause says why (DNS, refused, TLS).
    const cause = e.cause instanceof Error ? e.cause.message : e.message;
    return {
      error: cause.split("\n")[0].replace(/^error sending request for url \([^)]*\): /, ""),
    };
  }
}

if (import.meta.main) {
  Deno.exit(
    await runCompile(Deno.args, {
      env: (name) => Deno.env.get(name),
      probe: probeUrl,
      print: (l) => console.log(l),
      printError: (l) => console.error(l),
    }),
  );
}
