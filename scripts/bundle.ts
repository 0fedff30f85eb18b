/**
 * `deno task bundle [OUT]`: the program as one JavaScript file, built by `deno bundle` from
 * main.ts — the same module graph `deno compile` embeds, npm packages included. Copied alone
 * into any directory it runs with `deno run -A halton-meter.js …`; the tests use it to prove
 * the compiled shape (nothing read from the source tree at run time) where `denort` is not
 * available. Default OUT: dist/halton-meter-<version>.js.
 */
import { VERSION } from "../core/mod.ts";

/** The checkout this script belongs to (build tooling runs from a checkout). */
export const ROOT = new URL("..", import.meta.url).pathname;

/** Bundles main.ts into `out`; throws with deno's own words when it fails. */
export async function bundleProgram(out: string, deno = Deno.execPath()): Promise<string> {
  const result = await new Deno.Command(deno, {
    args: ["bundle", "--quiet", "--platform", "deno", "--output", out, "main.ts"],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const said = new TextDecoder().decode(result.stderr)
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.includes("experimental"))
    .join("\n");
  if (!result.success) {
    throw new Error(
      `Cannot bundle main.ts into ${out}: deno bundle exited ${result.code}\n${said}`,
    );
  }
  return out;
}

if (import.meta.main) {
  const out = Deno.args[0] ?? `${ROOT}dist/halton-meter-${VERSION}.js`;
  await Deno.mkdir(out.slice(0, out.lastIndexOf("/") + 1) || ".", { recursive: true });
  try {
    console.log(await bundleProgram(out));
  } catch (err) {
    console.error((err as Error).message);
    Deno.exit(1);
  }
}
