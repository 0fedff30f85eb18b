import assert from "node:assert/strict";
import { replaceSection } from "./write_doc_section.ts";

const DOC = [
  "# Benchmarks",
  "",
  "prose stays",
  "",
  "<!-- bench:metered:start -->",
  "metered v1",
  "<!-- bench:metered:end -->",
  "",
  "<!-- bench:edge:start -->",
  "edge v1",
  "<!-- bench:edge:end -->",
  "",
  "tail prose",
  "",
].join("\n");

Deno.test("replaceSection rewrites only its own section", () => {
  const out = replaceSection(DOC, "edge", "edge v2\n| a | b |");
  assert.ok(out.includes("<!-- bench:edge:start -->\nedge v2\n| a | b |\n<!-- bench:edge:end -->"));
  assert.ok(!out.includes("edge v1"));
  assert.ok(out.includes("metered v1"));
  assert.ok(out.startsWith("# Benchmarks\n\nprose stays\n"));
  assert.ok(out.endsWith("\n\ntail prose\n"));
});

Deno.test("replaceSection appends a missing section and creates a header for an empty doc", () => {
  const added = replaceSection("# Benchmarks\n", "other", "x");
  assert.equal(added, "# Benchmarks\n\n<!-- bench:other:start -->\nx\n<!-- bench:other:end -->\n");
  const fresh = replaceSection("", "edge", "y");
  assert.match(fresh, /^# Benchmarks\n/);
  assert.match(fresh, /<!-- bench:edge:start -->\ny\n<!-- bench:edge:end -->\n$/);
});

Deno.test("replaceSection refuses unbalanced markers", () => {
  assert.throws(
    () => replaceSection("<!-- bench:edge:start -->\nno end\n", "edge", "z"),
    /markers .* missing, repeated or out of order/,
  );
});
