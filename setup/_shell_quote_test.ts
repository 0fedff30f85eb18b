import assert from "node:assert/strict";
import { appleScriptString, shellLine, shellQuote } from "./_shell_quote.ts";

const WORDS = [
  "plain",
  "",
  "two words",
  `it's`,
  `"double"`,
  "$HOME `id` $(id)",
  "back\\slash",
  "new\nline",
  "*?[glob]",
  "'",
  "-n",
];

Deno.test("shellQuote: sh reads every word back unchanged", async () => {
  const out = await new Deno.Command("sh", {
    args: ["-c", `printf '%s\\0' ${WORDS.map(shellQuote).join(" ")}`],
    stdout: "piped",
  }).output();
  assert.equal(out.code, 0);
  assert.deepEqual(new TextDecoder().decode(out.stdout).split("\0").slice(0, -1), WORDS);
});

Deno.test("shellQuote: safe words stay bare, others are single-quoted", () => {
  assert.equal(shellLine(["sudo", "rm", "-f", "/a/b.crt"]), "sudo rm -f /a/b.crt");
  assert.equal(shellQuote("a b"), "'a b'");
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
});

Deno.test("appleScriptString escapes only backslash and double quote", () => {
  assert.equal(appleScriptString(`a "b" \\ 'c'`), `"a \\"b\\" \\\\ 'c'"`);
});
