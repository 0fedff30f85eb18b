import assert from "node:assert/strict";
import { Screen } from "./_screen.ts";

function screen(colour = false) {
  const out: string[] = [];
  return { s: new Screen({ write: (t) => out.push(t) }, colour), out };
}

Deno.test("Screen: only changed rows are rewritten, each addressed and cleared to its end", () => {
  const { s, out } = screen();
  s.enter();
  assert.equal(out.shift(), "\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J");
  s.draw([{ text: "a" }, { text: "b" }, { text: "c" }], 10);
  assert.equal(out.shift(), "\x1b[1;1Ha\x1b[K\x1b[2;1Hb\x1b[K\x1b[3;1Hc\x1b[K\x1b[4;1H\x1b[J");
  s.draw([{ text: "a" }, { text: "B" }, { text: "c" }], 10);
  assert.equal(out.shift(), "\x1b[2;1HB\x1b[K");
  s.draw([{ text: "a" }, { text: "B" }, { text: "c" }], 10);
  assert.equal(out.length, 0, "an unchanged frame writes nothing");
  // A shorter frame clears what the longer one left below it.
  s.draw([{ text: "a" }], 10);
  assert.equal(out.shift(), "\x1b[2;1H\x1b[J");
  // After a resize every row is written again; a frame filling the screen clears nothing below.
  s.invalidate();
  s.draw([{ text: "a" }, { text: "b" }], 2);
  assert.equal(out.shift(), "\x1b[1;1Ha\x1b[K\x1b[2;1Hb\x1b[K");
  s.leave();
  assert.equal(out.shift(), "\x1b[0m\x1b[?25h\x1b[?1049l");
});

Deno.test("Screen: tones are drawn with colour only when asked", () => {
  const plain = screen(false);
  plain.s.draw([{ text: "x", tone: "bad" }], 5);
  // deno-lint-ignore no-control-regex
  assert.doesNotMatch(plain.out.join(""), /\x1b\[[0-9;]*m/);
  const coloured = screen(true);
  coloured.s.draw([{ text: "x", tone: "bad" }], 5);
  // deno-lint-ignore no-control-regex
  assert.match(coloured.out.join(""), /\x1b\[31mx\x1b\[0m/);
});
