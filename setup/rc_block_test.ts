import assert from "node:assert/strict";
import { sampleTexts } from "./_samples.ts";
import { applyRcBlock, removeRcBlock } from "./rc_block.ts";
import { RC_BEGIN_MARKER, RC_END_MARKER, renderShellRcBlock } from "./render_shell_rc_block.ts";

const A = renderShellRcBlock({ HTTPS_PROXY: "http://127.0.0.1:8081" }, "bash");
const B = renderShellRcBlock({ HTTPS_PROXY: "http://127.0.0.1:9999", X: "y" }, "bash");

const TEXTS = sampleTexts(400, [
  "export PATH=$HOME/bin:$PATH",
  "\n",
  "\n",
  "\r\n",
  "  ",
  "# >>> halton-meter",
  " # >>> halton-meter >>>",
  "# <<< halton-meter <<< ",
  "alias ll='ls -l'",
  "é\t",
]);

Deno.test("applyRcBlock then removeRcBlock restores the original bytes", () => {
  for (const text of TEXTS) {
    const applied = applyRcBlock(text, A);
    assert.equal(removeRcBlock(applied), text, JSON.stringify(text));
    assert.ok(applied.startsWith(text), JSON.stringify(text));
    const replaced = applyRcBlock(applied, B);
    assert.equal(removeRcBlock(replaced), text, JSON.stringify(text));
  }
});

Deno.test("applyRcBlock is idempotent and replacing equals applying fresh", () => {
  for (const text of TEXTS) {
    const once = applyRcBlock(text, A);
    assert.equal(applyRcBlock(once, A), once, JSON.stringify(text));
    assert.equal(applyRcBlock(once, B), applyRcBlock(text, B), JSON.stringify(text));
  }
});

Deno.test("applyRcBlock exact outputs at the trailing-newline edges", () => {
  assert.equal(applyRcBlock("", A), A);
  assert.equal(applyRcBlock("a\n", A), "a\n" + A);
  assert.equal(applyRcBlock("a", A), "a\n" + A.slice(0, -1));
  assert.equal(applyRcBlock("a\r\n", A), "a\r\n" + A);
  assert.equal(removeRcBlock(A), "");
});

Deno.test("applyRcBlock replaces in place and keeps what the user added after the block", () => {
  const text = "before\n" + A + "after\n";
  assert.equal(applyRcBlock(text, B), "before\n" + B + "after\n");
  assert.equal(removeRcBlock(text), "before\nafter\n");
});

Deno.test("applyRcBlock collapses duplicate blocks into one; removeRcBlock removes all", () => {
  const text = "one\n" + A + "two\n" + A + "three\n";
  assert.equal(applyRcBlock(text, B), "one\n" + B + "two\nthree\n");
  assert.equal(removeRcBlock(text), "one\ntwo\nthree\n");
});

Deno.test("removeRcBlock recognises a block whose lines gained CRLF endings", () => {
  const crlf = A.replaceAll("\n", "\r\n");
  assert.equal(removeRcBlock("x\r\n" + crlf + "y\r\n"), "x\r\ny\r\n");
});

Deno.test("rc block editing refuses broken files and malformed blocks", () => {
  assert.throws(() => removeRcBlock(`a\n${RC_BEGIN_MARKER}\nexport X=1\n`), /never closed/);
  assert.throws(
    () => applyRcBlock(`${RC_BEGIN_MARKER}\n${RC_BEGIN_MARKER}\n${RC_END_MARKER}\n`, A),
    /not closed before line 2/,
  );
  assert.throws(() => applyRcBlock("", "export X=1\n"), /must start with its marker/);
  assert.throws(() => applyRcBlock("", A.slice(0, -1)), /must start with its marker/);
  // A lone end marker is the user's business: left alone.
  assert.equal(removeRcBlock(`${RC_END_MARKER}\n`), `${RC_END_MARKER}\n`);
});
