/**
 * Everything a bench starts (child processes, listeners, temp dirs) registers its
 * undo here, so one `close()` — from the normal path, an error, or Ctrl-C — tears
 * it all down exactly once.
 */
export interface CleanupScope {
  /** Registers `fn`; cleanups run last-registered first. After close() began, runs `fn` at once. */
  defer(what: string, fn: () => void | Promise<void>): void;
  /** Runs every cleanup once; later calls wait for the same run. Never throws. */
  close(): Promise<void>;
  /** Aborted as soon as close() begins, so long loops can stop early. */
  readonly signal: AbortSignal;
}

export function createCleanupScope(
  deps: { warn: (msg: string) => void } = { warn: (m) => console.error(m) },
): CleanupScope {
  const stack: { what: string; fn: () => void | Promise<void> }[] = [];
  const controller = new AbortController();
  let closing: Promise<void> | null = null;

  const runOne = async (what: string, fn: () => void | Promise<void>) => {
    try {
      await fn();
    } catch (err) {
      deps.warn(`bench: cleanup of ${what} failed: ${err instanceof Error ? err.message : err}`);
    }
  };

  return {
    signal: controller.signal,
    defer(what, fn) {
      if (closing) {
        closing = closing.then(() => runOne(what, fn));
        return;
      }
      stack.push({ what, fn });
    },
    close() {
      if (!closing) {
        controller.abort(new Error("bench cleanup started"));
        closing = (async () => {
          while (stack.length > 0) {
            const item = stack.pop()!;
            await runOne(item.what, item.fn);
          }
        })();
      }
      return closing;
    },
  };
}
