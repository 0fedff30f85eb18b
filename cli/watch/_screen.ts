/**
 * Drawing `watch` in place: the alternate screen (the user's scrollback comes back untouched on
 * exit), the cursor hidden, and each frame written only where it differs from the last one, each
 * changed row addressed (`CSI row;1H`), rewritten and cleared to its end (`CSI K`): nothing is
 * ever cleared and printed again, so nothing flickers. A resize redraws every row once.
 */
import type { Line, Tone } from "./render_frame.ts";

const CSI = "\x1b[";

const SGR: Record<Tone, string> = {
  title: "1;36",
  head: "1",
  dim: "2",
  warn: "33",
  bad: "31",
};

export interface ScreenOutput {
  write(text: string): void;
}

export class Screen {
  #out: ScreenOutput;
  #colour: boolean;
  #previous: string[] = [];

  constructor(out: ScreenOutput, colour: boolean) {
    this.#out = out;
    this.#colour = colour;
  }

  /** Alternate screen, cursor hidden, cleared once. */
  enter(): void {
    this.#out.write(`${CSI}?1049h${CSI}?25l${CSI}H${CSI}2J`);
    this.#previous = [];
  }

  /** The next frame rewrites every row (after a resize). */
  invalidate(): void {
    this.#previous = [];
  }

  #styled(l: Line): string {
    if (!this.#colour || !l.tone || l.text === "") return l.text;
    return `${CSI}${SGR[l.tone]}m${l.text}${CSI}0m`;
  }

  /** `rows`: the terminal's height (below the frame, rows left from the last one are cleared). */
  draw(lines: readonly Line[], rows: number): void {
    const next = lines.map((l) => this.#styled(l));
    let out = "";
    const full = this.#previous.length === 0;
    for (let i = 0; i < next.length; i++) {
      if (!full && next[i] === this.#previous[i]) continue;
      out += `${CSI}${i + 1};1H${next[i]}${CSI}K`;
    }
    // Rows the last frame had and this one has not (or, after a resize, everything below).
    if ((full || this.#previous.length > next.length) && next.length < rows) {
      out += `${CSI}${next.length + 1};1H${CSI}J`;
    }
    this.#previous = next;
    if (out) this.#out.write(out);
  }

  /** Cursor shown, attributes reset, back to the normal screen as it was. */
  leave(): void {
    this.#out.write(`${CSI}0m${CSI}?25h${CSI}?1049l`);
  }
}
