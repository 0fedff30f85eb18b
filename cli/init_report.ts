/**
 * Output helpers shared by `init` and `uninstall`: numbered progress lines
 * (`  1/8  Generating CA certificate…`) with indented result lines under each, and the
 * bookkeeping of steps that need the user (`manual`) or went wrong (`failed`).
 */
import type { BackendReport, SetupReport, SetupStep } from "../setup/mod.ts";

const INDENT = "       ";
const MARK: Record<SetupStep["outcome"], string> = {
  done: "✓",
  skipped: "·",
  failed: "✗",
  manual: "!",
};

export interface Progress {
  /** Prints `  n/total  title…`. */
  step(title: string): void;
  /** Prints an indented result line: `       label       value`. */
  result(label: string, value?: string): void;
  /** Prints every step of a report and remembers the manual and failed ones. */
  report(report: SetupReport): void;
  /** A backend's report, in the same shape. */
  backend(report: BackendReport): void;
  /** Records a step that failed outside a report (an exception, a failed probe). */
  fail(action: string, detail: string, command?: string): void;
  readonly manual: SetupStep[];
  readonly failed: SetupStep[];
}

export function createProgress(total: number, print: (line: string) => void): Progress {
  let n = 0;
  const manual: SetupStep[] = [];
  const failed: SetupStep[] = [];
  const line = (step: SetupStep) => {
    print(`${INDENT}${MARK[step.outcome]} ${step.action}  ${step.detail}`.trimEnd());
    if (step.command !== undefined && step.outcome !== "done") {
      print(`${INDENT}    run: ${step.command}`);
    }
    if (step.outcome === "manual") manual.push(step);
    if (step.outcome === "failed") failed.push(step);
  };
  return {
    manual,
    failed,
    step(title) {
      n++;
      print(`  ${n}/${total}  ${title}`);
    },
    result(label, value) {
      print(value === undefined ? `${INDENT}${label}` : `${INDENT}${label.padEnd(17)} ${value}`);
    },
    report(report) {
      for (const step of report.steps) line(step);
      if (report.steps.length === 0) print(`${INDENT}· nothing to do`);
    },
    backend(report) {
      for (const s of report.steps) {
        line({
          action: s.role === null ? s.action : `${s.action} ${s.role}`,
          outcome: s.outcome,
          detail: s.detail,
        });
      }
    },
    fail(action, detail, command) {
      line(
        command === undefined
          ? { action, outcome: "failed", detail }
          : { action, outcome: "failed", detail, command },
      );
    },
  };
}

/** The closing list of what the user still has to do, and of what failed. */
export function printLeftovers(
  progress: Progress,
  what: string,
  printError: (line: string) => void,
): void {
  const list = (steps: readonly SetupStep[], header: string) => {
    if (steps.length === 0) return;
    printError(header);
    for (const s of steps) {
      printError(`  - ${s.action}: ${s.detail}`);
      if (s.command !== undefined) printError(`      ${s.command}`);
    }
  };
  list(
    progress.manual,
    `${what}: ${progress.manual.length} step(s) need you; run these, then ${what} again:`,
  );
  list(progress.failed, `${what}: ${progress.failed.length} step(s) failed:`);
}

/** Exit code: 1 when something failed, 3 when only manual steps remain, else 0. */
export function exitCodeOf(progress: Progress): number {
  if (progress.failed.length > 0) return 1;
  return progress.manual.length > 0 ? 3 : 0;
}

/**
 * The closing lines and the exit code: `<what> complete` (and `next`) only when nothing
 * failed and nothing waits on the user; else `<what> failed` / `<what> incomplete`, with the
 * leftovers listed on stderr.
 */
export function finishRun(
  progress: Progress,
  what: string,
  end: { summary: string; next: string },
  printError: (line: string) => void,
): number {
  const code = exitCodeOf(progress);
  if (code === 0) {
    progress.result(`${what} complete`, end.summary);
    progress.result(end.next);
  } else if (code === 3) {
    progress.result(`${what} incomplete`, `${end.summary}  (steps that need you are listed below)`);
  } else {
    progress.result(
      `${what} failed`,
      `${end.summary}  (${progress.failed.length} step(s) failed, listed below; halton-meter doctor)`,
    );
  }
  printLeftovers(progress, `halton-meter ${what}`, printError);
  return code;
}

/** Runs `fn`; an exception becomes a failed step instead of aborting the whole run. */
export async function contained<T>(
  progress: Progress,
  action: string,
  fn: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    progress.fail(action, err instanceof Error ? err.message : String(err));
    return undefined;
  }
}
