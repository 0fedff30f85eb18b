import assert from "node:assert/strict";

/**
 * Compares `actual` with `testdata/golden/<name>` byte for byte. `UPDATE_GOLDEN=1`
 * rewrites the file instead (review the diff before committing it).
 */
export async function assertGolden(name: string, actual: string): Promise<void> {
  const url = new URL(`./testdata/golden/${name}`, import.meta.url);
  if (Deno.env.get("UPDATE_GOLDEN") === "1") {
    await Deno.mkdir(new URL(".", url), { recursive: true });
    await Deno.writeTextFile(url, actual);
    return;
  }
  let expected: string;
  try {
    expected = await Deno.readTextFile(url);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      throw new Error(`Golden file ${url.pathname} is missing; run the tests with UPDATE_GOLDEN=1`);
    }
    throw err;
  }
  assert.equal(
    actual,
    expected,
    `Rendered output differs from golden ${name}; if the change is intended, rerun with UPDATE_GOLDEN=1 and review the diff`,
  );
}
