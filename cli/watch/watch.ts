/**
 * `halton-meter watch [--tz ZONE] [--interval SECONDS]` — a live view in the terminal: today's
 * spend, the active 5-hour block (burn, projection, Anthropic's own count), budgets (from the
 * daemon's `/v1/budgets`) and the last model calls as they land, refreshed every second (the
 * database is polled: a row is there within ~50 ms of its call's end).
 *
 * Drawn in place on the alternate screen (no flicker, the scrollback untouched); follows
 * resizes; `q` or Ctrl-C quits with exit 0 and the terminal as it was; `NO_COLOR` respected.
 */
import { resolveTimeZone } from "../usage/parse_span.ts";
import { Screen } from "./_screen.ts";
import { createWatchSource, type WatchSource } from "./read_watch_data.ts";
import { renderFrame } from "./render_frame.ts";

export interface WatchOptions {
  home: string;
  timeZone?: string;
  intervalMs: number;
  colour: boolean;
  printError: (line: string) => void;
}

/** The terminal `watch` draws on and reads keys from. */
export interface WatchTerminal {
  isTerminal(): boolean;
  size(): { columns: number; rows: number };
  write(text: string): void;
  setRaw(on: boolean): void;
  /** Key presses as bytes; ends when input ends. */
  keys(): AsyncIterable<Uint8Array>;
  /** Calls `fn` on each resize; returns the unsubscribe. */
  onResize(fn: () => void): () => void;
  /** Calls `fn` on SIGINT, SIGTERM, SIGHUP; returns the unsubscribe. */
  onStop(fn: () => void): () => void;
}

export interface WatchDeps {
  now(): number;
  terminal: WatchTerminal;
  /** Default: the database and the daemon of `home`. */
  source?: WatchSource;
}

const QUIT_KEYS = new Set([0x71, 0x51, 0x03, 0x04]); // q, Q, Ctrl-C, Ctrl-D

export async function runWatch(opts: WatchOptions, deps: WatchDeps): Promise<number> {
  const term = deps.terminal;
  const zone = resolveTimeZone(opts.timeZone);
  if (!zone.ok) {
    opts.printError(`halton-meter watch: ${zone.message}`);
    return 2;
  }
  const { timeZone } = zone;
  if (!term.isTerminal()) {
    opts.printError(
      "halton-meter watch: needs a terminal (stdin and stdout); for scripts use `halton-meter usage --json`",
    );
    return 2;
  }
  const source = deps.source ?? createWatchSource({ home: opts.home, timeZone });
  const screen = new Screen(term, opts.colour);
  let quit = false;
  let wake = () => {};
  const stop = () => {
    quit = true;
    wake();
  };
  const unsubscribe = [
    term.onStop(stop),
    term.onResize(() => {
      screen.invalidate();
      wake();
    }),
  ];
  void (async () => {
    for await (const bytes of term.keys()) {
      if (bytes.some((b) => QUIT_KEYS.has(b))) return stop();
    }
  })().catch(() => {});
  term.setRaw(true);
  screen.enter();
  try {
    while (!quit) {
      const data = await source.read(deps.now());
      if (quit) break;
      const size = term.size();
      screen.draw(renderFrame(data, size), size.rows);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, opts.intervalMs);
      });
      clearTimeout(timer);
    }
  } finally {
    screen.leave();
    term.setRaw(false);
    for (const u of unsubscribe) u();
  }
  return 0;
}

/** The process's own terminal. */
export function processTerminal(): WatchTerminal {
  const encoder = new TextEncoder();
  const signals: Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  return {
    isTerminal: () => Deno.stdin.isTerminal() && Deno.stdout.isTerminal(),
    size() {
      try {
        return Deno.consoleSize();
      } catch {
        return { columns: 80, rows: 24 };
      }
    },
    write(text) {
      const bytes = encoder.encode(text);
      for (let off = 0; off < bytes.length;) off += Deno.stdout.writeSync(bytes.subarray(off));
    },
    setRaw(on) {
      try {
        Deno.stdin.setRaw(on);
      } catch { /* not a terminal any more (closed): nothing to restore */ }
    },
    async *keys() {
      const buf = new Uint8Array(64);
      for (;;) {
        const n = await Deno.stdin.read(buf);
        if (n === null) return;
        yield buf.slice(0, n);
      }
    },
    onResize(fn) {
      if (Deno.build.os === "windows") return () => {};
      Deno.addSignalListener("SIGWINCH", fn);
      return () => Deno.removeSignalListener("SIGWINCH", fn);
    },
    onStop(fn) {
      const own = signals.filter((s) => Deno.build.os !== "windows" || s === "SIGINT");
      for (const s of own) Deno.addSignalListener(s, fn);
      return () => own.forEach((s) => Deno.removeSignalListener(s, fn));
    },
  };
}
