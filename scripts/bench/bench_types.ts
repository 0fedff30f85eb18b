import type { CleanupScope } from "./cleanup_scope.ts";

/** What the dispatcher hands every bench. */
export interface BenchContext {
  /** Options after the bench names, for the bench to parse (unknown ones are its error). */
  args: string[];
  /** Register every process/listener/dir here; closed on exit, error and Ctrl-C. */
  scope: CleanupScope;
  /** The command line as the user typed it, recorded with the results. */
  command: string;
  /** Progress lines (stderr); results go to stdout. */
  log(msg: string): void;
}

export type BenchOutcome =
  /** `report`: markdown, printed and written into the bench's section of docs/BENCHMARKS.md. */
  | { kind: "done"; report: string; allTargetsMet: boolean }
  | { kind: "usage-error"; message: string };

export interface Bench {
  /** Its options, shown by `deno task bench <name> --help`. */
  usage: string;
  run(ctx: BenchContext): Promise<BenchOutcome>;
}

/** Registry entries load lazily so one bench's imports never slow another. */
export type BenchLoader = () => Promise<Bench>;
