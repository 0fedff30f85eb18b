import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { seededRandom } from "../../adapters/_golden.ts";
import { asciiLower, compileGlob, globToSql } from "./glob.ts";

function matches(pattern: string | string[], value: string): boolean {
  return compileGlob(pattern)(value);
}

Deno.test("compileGlob: * matches any run, also none, across every character", () => {
  assert.ok(matches("claude-*", "claude-"));
  assert.ok(matches("claude-*", "claude-sonnet-4-5-20250929"));
  assert.ok(matches("*", ""));
  assert.ok(matches("*", "anything/at all\nwith newline"));
  assert.ok(matches("*opus*", "claude-opus-4-1"));
  assert.ok(matches("a*b*c", "abc"));
  assert.ok(matches("a*b*c", "a--b--c"));
  assert.ok(!matches("a*b*c", "a--c--b"));
  assert.ok(!matches("claude-*", "claud-x"));
  assert.ok(!matches("claude-*", "my-claude-x"), "anchored at the start");
  assert.ok(!matches("*-mini", "gpt-4o-mini-2024"), "anchored at the end");
  assert.ok(matches("**", "x"));
});

Deno.test("compileGlob: ? matches exactly one character (a code point)", () => {
  assert.ok(matches("gpt-?o", "gpt-4o"));
  assert.ok(!matches("gpt-?o", "gpt-o"));
  assert.ok(!matches("gpt-?o", "gpt-41o"));
  assert.ok(matches("???", "abc"));
  assert.ok(!matches("???", "ab"));
  assert.ok(matches("?", "é"));
  assert.ok(matches("?", "😀"), "one astral code point is one character");
  assert.ok(!matches("??", "😀"));
  assert.ok(matches("a?c", "a\nc"));
});

Deno.test("compileGlob: regex-special characters are literals", () => {
  const cases: [string, string, string][] = [
    // pattern, matching value, a value a regex reading would wrongly match
    ["gpt-4.1", "gpt-4.1", "gpt-4x1"],
    ["a+b", "a+b", "aab"],
    ["f(x)", "f(x)", "fx"],
    ["[abc]", "[abc]", "a"],
    ["a-z", "a-z", "b"],
    ["models/gemini-2.5-pro", "models/gemini-2.5-pro", "models/gemini-2x5-pro"],
    ["^start$", "^start$", "start"],
    ["a|b", "a|b", "a"],
    ["x{2}", "x{2}", "xx"],
    ["back\\slash", "back\\slash", "backslash"],
    ["end]", "end]", "end"],
  ];
  for (const [pattern, yes, no] of cases) {
    assert.ok(matches(pattern, yes), `${pattern} should match ${yes}`);
    assert.ok(!matches(pattern, no), `${pattern} should not match ${no}`);
    // The same pattern behind a wildcard goes through the regex path rather than the literal set.
    assert.ok(matches(`${pattern}*`, `${yes}-suffix`), `${pattern}* should match ${yes}-suffix`);
    assert.ok(!matches(`${pattern}*`, `${no}-suffix`), `${pattern}* should not match ${no}-suffix`);
  }
  assert.ok(matches("[*", "[anything"));
  assert.ok(matches("*]", "x]"));
  assert.ok(matches("[?]", "[x]"));
  assert.ok(!matches("[?]", "x"));
});

Deno.test("compileGlob: ASCII letters match either case, other letters match themselves", () => {
  assert.ok(matches("Claude-*", "CLAUDE-OPUS"));
  assert.ok(matches("claude-opus", "Claude-Opus"));
  assert.ok(matches("GPT-?O", "gpt-4o"));
  assert.ok(matches("é", "é"));
  assert.ok(!matches("é", "É"), "non-ASCII letters are not folded (as SQLite lower())");
  assert.ok(!matches("straße", "STRASSE"));
  assert.ok(!matches("k", "\u212a"), "the Kelvin sign is not k");
});

Deno.test("compileGlob: a list matches when any glob does; literals and wildcards mixed", () => {
  const m = compileGlob(["gpt-4o", "claude-*", "o?-mini"]);
  assert.ok(m("gpt-4o"));
  assert.ok(m("GPT-4O"));
  assert.ok(m("claude-haiku"));
  assert.ok(m("o3-mini"));
  assert.ok(!m("gpt-4o-mini"));
  assert.ok(!m("o3-pro"));
  assert.ok(!compileGlob([])("anything"), "an empty list matches nothing");
  const literalsOnly = compileGlob(["a.b", "c+d"]);
  assert.ok(literalsOnly("A.B"));
  assert.ok(!literalsOnly("axb"));
});

Deno.test("asciiLower and globToSql: ASCII only, [ made literal for SQLite", () => {
  assert.equal(asciiLower("AbC-ÉÀ-Z"), "abc-ÉÀ-z");
  assert.equal(globToSql("Claude-*"), "claude-*");
  assert.equal(globToSql("[x]?"), "[[]x]?");
  assert.equal(globToSql("[["), "[[][[]");
});

Deno.test("compileGlob agrees with SQLite lower(value) GLOB globToSql(pattern)", () => {
  const alphabet = [..."*?[]-.aAzZ^!\\/ b", "é", "É", "ß", "ж", "Ж", "😀"];
  const valueAlphabet = alphabet.filter((c) => c !== "*" && c !== "?").concat(["*", "?"]);
  const rand = seededRandom(20260308);
  const pick = (list: string[]) => list[Math.floor(rand() * list.length)];
  const word = (list: string[], max: number) => {
    let s = "";
    const n = Math.floor(rand() * (max + 1));
    for (let i = 0; i < n; i++) s += pick(list);
    return s;
  };
  using db = new DatabaseSync(":memory:");
  const stmt = db.prepare("SELECT lower(?) GLOB ? AS m");
  let positives = 0;
  const runs = 4000;
  for (let i = 0; i < runs; i++) {
    const pattern = word(alphabet, 7);
    const matcher = compileGlob(pattern);
    // Values derived from the pattern match often enough to test both answers.
    const derived = [...pattern].map((c) =>
      c === "*" ? word(valueAlphabet, 3) : c === "?" ? pick(valueAlphabet) : c
    ).join("");
    for (const value of [word(valueAlphabet, 6), derived, asciiLower(derived).toUpperCase()]) {
      const row = stmt.get(value, globToSql(pattern)) as { m: number };
      const sql = row.m === 1;
      assert.equal(
        matcher(value),
        sql,
        `pattern ${JSON.stringify(pattern)} value ${JSON.stringify(value)}: SQLite says ${sql}`,
      );
      if (sql) positives++;
    }
  }
  assert.ok(positives > runs / 2, `too few matching cases (${positives}) to mean anything`);
});
