/**
 * Nothing in the program reads the source tree at run time: every local module of main.ts's
 * graph (what `deno bundle` and `deno compile` embed, the roles' dynamic imports included) is
 * checked for paths taken from its own location. Such a path points into the checkout from
 * `deno run main.ts`, and at nothing from a bundle or a compiled binary. Only main.ts may name
 * its own URL: it is the entry module, and hands it on (launch context, lookup worker).
 */
import assert from "node:assert/strict";

const ROOT = new URL("..", import.meta.url).pathname;

interface GraphModule {
  specifier: string;
  local?: string;
}

/** The local files of main.ts's module graph. */
async function graphFiles(): Promise<string[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "main.ts"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as { modules: GraphModule[] };
  return info.modules
    .filter((m) => m.specifier.startsWith("file:") && m.local !== undefined)
    .map((m) => m.local!);
}

/** The code without comments: block comments and whole comment lines. */
function code(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .split("\n")
    .filter((l) => !l.trim().startsWith("//"))
    .join("\n");
}

const RULES: { what: string; pattern: RegExp; allowedIn: string[] }[] = [
  {
    what: "a path from the module's own location (import.meta.url/dirname/filename/resolve)",
    pattern: /import\.meta\.(url|dirname|filename|resolve)\b/,
    allowedIn: ["main.ts"],
  },
  {
    what: "Deno.mainModule (the test file under `deno test`, undefined in a worker)",
    pattern: /Deno\.mainModule\b/,
    allowedIn: [],
  },
  {
    what: "a worker on a module of its own (not in a bundle; needs --include when compiled)",
    pattern: /new Worker\(\s*(new URL|["'`])/,
    allowedIn: [],
  },
  {
    what: "a dynamic import of a computed specifier (neither bundled nor compiled in)",
    pattern: /\bimport\(\s*[^"'\s)]/,
    allowedIn: [],
  },
];

Deno.test("main.ts's module graph reads nothing relative to the source tree at run time", async () => {
  const files = await graphFiles();
  assert.ok(files.length > 100, `only ${files.length} local modules in the graph`);
  assert.ok(files.some((f) => f.endsWith("/daemon/run_daemon.ts")), "dynamic imports followed");
  const found: string[] = [];
  for (const file of files) {
    const rel = file.slice(ROOT.length);
    const text = code(await Deno.readTextFile(file));
    for (const rule of RULES) {
      if (rule.allowedIn.includes(rel)) continue;
      const m = rule.pattern.exec(text);
      if (m) found.push(`${rel}: ${rule.what}: "${m[0]}"`);
    }
  }
  assert.deepEqual(found, []);
});

Deno.test("no test or build module is part of the program's graph", async () => {
  const testOnly: string[] = [];
  for (const file of await graphFiles()) {
    const rel = file.slice(ROOT.length);
    const helper = /(^|\/)(tests|scripts|testdata)\/|\/_(test_|fake_|golden|scripted_|testing)/;
    // setup/self_test.ts is the product's self-test, not a test file: it declares no Deno.test.
    const isTest = rel.endsWith("_test.ts") &&
      (await Deno.readTextFile(file)).includes("Deno.test(");
    if (helper.test(rel) || isTest) testOnly.push(rel);
  }
  assert.deepEqual(testOnly, []);
});
