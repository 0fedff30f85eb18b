/**
 * Each bench owns one marker-delimited section of docs/BENCHMARKS.md; writing it
 * must leave the rest of the file (other benches, hand-written prose) untouched.
 */

const DEFAULT_HEADER = "# Benchmarks\n\nRun with `deno task bench [name]`; each section below is " +
  "rewritten by its bench.\n";

export function sectionMarkers(name: string): { start: string; end: string } {
  return { start: `<!-- bench:${name}:start -->`, end: `<!-- bench:${name}:end -->` };
}

/**
 * Returns `doc` with the section `name` replaced by `body` (appended when the
 * markers are absent). Throws when the markers are unbalanced, rather than guess.
 */
export function replaceSection(doc: string, name: string, body: string): string {
  const { start, end } = sectionMarkers(name);
  const block = `${start}\n${body.trim()}\n${end}`;
  const s = doc.indexOf(start);
  const e = doc.indexOf(end);
  if (s === -1 && e === -1) {
    const base = doc.trim() === "" ? DEFAULT_HEADER : doc;
    return `${base.replace(/\n*$/, "")}\n\n${block}\n`;
  }
  if (s === -1 || e === -1 || e < s || doc.indexOf(start, s + 1) !== -1) {
    throw new Error(
      `Cannot update bench section "${name}": markers ${start} / ${end} are missing, repeated ` +
        "or out of order; fix them by hand in the document and re-run",
    );
  }
  return doc.slice(0, s) + block + doc.slice(e + end.length);
}

/** Rewrites section `name` of the markdown file at `path`, creating the file if needed. */
export async function writeDocSection(path: string, name: string, body: string): Promise<void> {
  let doc = "";
  try {
    doc = await Deno.readTextFile(path);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) {
      throw new Error(`Cannot read ${path} to update bench section "${name}"`, { cause: err });
    }
  }
  await Deno.writeTextFile(path, replaceSection(doc, name, body));
}
