/**
 * Benchmark dispatcher: `deno task bench [name...] [options]`.
 *
 *   deno task bench              run every bench in scripts/bench/benches.ts
 *   deno task bench edge         the edge's raw tunnel vs direct vs HAProxy
 *   deno task bench edge --help  a bench's own options
 *
 * Common options: --no-write (print only), --docs <path> (default docs/BENCHMARKS.md).
 * Each bench prints a markdown report and rewrites only its own marker-delimited
 * section of the docs file. Ctrl-C stops every process it started and removes its
 * temp dirs.
 */
import { BENCHES, createCleanupScope, writeDocSection } from "./bench/mod.ts";

const DEFAULT_DOCS = new URL("../docs/BENCHMARKS.md", import.meta.url).pathname;

const USAGE = `usage: deno task bench [name...] [--no-write] [--docs <path>] [bench options]

benches:
${Object.entries(BENCHES).map(([n, b]) => `  ${n.padEnd(10)} ${b.summary}`).join("\n")}

With no name, runs them all. Bench options (e.g. --bytes for edge) go to the named
benches; \`deno task bench <name> --help\` lists them.`;

interface Invocation {
  names: string[];
  benchArgs: string[];
  write: boolean;
  docsPath: string;
  help: boolean;
}

function parseArgs(args: readonly string[]): Invocation | string {
  const inv: Invocation = {
    names: [],
    benchArgs: [],
    write: true,
    docsPath: DEFAULT_DOCS,
    help: false,
  };
  let i = 0;
  for (; i < args.length && !args[i].startsWith("-"); i++) {
    if (!(args[i] in BENCHES)) {
      return `unknown bench "${args[i]}": expected one of ${Object.keys(BENCHES).join(", ")}`;
    }
    inv.names.push(args[i]);
  }
  for (; i < args.length; i++) {
    const a = args[i];
    if (a === "--no-write") inv.write = false;
    else if (a === "--help" || a === "-h") inv.help = true;
    else if (a === "--docs" || a.startsWith("--docs=")) {
      const v = a.includes("=") ? a.slice("--docs=".length) : args[++i];
      if (!v) return "--docs needs a path";
      inv.docsPath = v;
    } else inv.benchArgs.push(a);
  }
  if (inv.names.length === 0) inv.names = Object.keys(BENCHES);
  return inv;
}

async function main(args: readonly string[]): Promise<number> {
  const inv = parseArgs(args);
  if (typeof inv === "string") {
    console.error(`bench: ${inv}\n\n${USAGE}`);
    return 2;
  }
  if (inv.help) {
    console.log(USAGE);
    if (args.some((a) => !a.startsWith("-"))) {
      for (const name of inv.names) console.log(`\n${(await BENCHES[name].load()).usage}`);
    }
    return 0;
  }

  const scope = createCleanupScope();
  const onSignal = () => {
    if (scope.signal.aborted) return; // Ctrl-C reaches us twice under `deno task`
    console.error("\nbench: interrupted; stopping processes and removing temp dirs");
    scope.close().finally(() => Deno.exit(130));
  };
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  for (const s of signals) Deno.addSignalListener(s, onSignal);
  const command = ["deno task bench", ...args].join(" ");
  let code = 0;
  try {
    for (const name of inv.names) {
      const bench = await BENCHES[name].load();
      const outcome = await bench.run({
        args: inv.benchArgs,
        scope,
        command,
        log: (msg) => console.error(msg),
      });
      if (outcome.kind === "usage-error") {
        console.error(`bench ${name}: ${outcome.message}`);
        return 2;
      }
      console.log(outcome.report);
      if (inv.write) {
        await writeDocSection(inv.docsPath, name, outcome.report);
        console.error(`bench ${name}: results written to ${inv.docsPath}`);
      }
      if (!outcome.allTargetsMet) console.error(`bench ${name}: some targets missed (see above)`);
    }
  } catch (err) {
    if (scope.signal.aborted) return 130;
    console.error(`bench: failed: ${err instanceof Error ? err.stack ?? err.message : err}`);
    code = 1;
  } finally {
    await scope.close();
    for (const s of signals) Deno.removeSignalListener(s, onSignal);
  }
  return code;
}

main(Deno.args).then((code) => Deno.exit(code));
