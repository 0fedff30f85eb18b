/**
 * `halton-meter usage blocks [--since WHEN] [--until WHEN] [--tz ZONE] [--active] [--json]
 * [--provider P] [--project P] [--key FP]`
 *
 * Model calls in 5-hour windows: aligned to Anthropic's own resets where the responses said them
 * (`anthropic-ratelimit-unified-5h-reset`), else from the first call rounded down to the hour,
 * as ccusage cuts them; spend, tokens and calls per block, and for the active block the burn
 * rate and where it leads by the block's end. Default: blocks of the last 3 days. Read from the
 * database (works while the daemon is stopped). Rules: daemon/store/usage_blocks.ts.
 */
import { homePaths } from "../../core/mod.ts";
import { type BlocksQuery, type UsageBlock, usageBlocks } from "../../daemon/store/mod.ts";
import { readDatabase } from "./_database.ts";
import { parseSpan, resolveTimeZone } from "./parse_span.ts";
import { renderBlocks } from "./render_blocks.ts";

export interface BlocksOptions {
  home: string;
  json: boolean;
  since?: string;
  until?: string;
  timeZone?: string;
  /** Only the block `now` falls in. */
  active: boolean;
  filter: Pick<BlocksQuery, "provider" | "project" | "key">;
  colour: boolean;
  print: (line: string) => void;
  printError: (line: string) => void;
}

export interface BlocksDeps {
  now(): number;
  readBlocks(dbPath: string, q: BlocksQuery): UsageBlock[] | null;
}

export const defaultBlocksDeps: BlocksDeps = {
  now: Date.now,
  readBlocks: (path, q) => readDatabase(path, (db) => usageBlocks(db, q)),
};

export function runBlocks(opts: BlocksOptions, deps: BlocksDeps = defaultBlocksDeps): number {
  const fail = (message: string) => {
    opts.printError(`halton-meter usage blocks: ${message}`);
    return 2;
  };
  const zone = resolveTimeZone(opts.timeZone);
  if (!zone.ok) return fail(zone.message);
  const { timeZone } = zone;
  const now = deps.now();
  const parsed = parseSpan({ since: opts.since ?? "3d", until: opts.until }, now, timeZone);
  if (!parsed.ok) return fail(parsed.message);
  const { since, until } = parsed.span;
  const path = homePaths(opts.home).db;
  let blocks: UsageBlock[];
  try {
    blocks = deps.readBlocks(path, {
      since: opts.active ? now : since,
      until: opts.active ? undefined : until ?? undefined,
      now,
      ...opts.filter,
    }) ?? [];
  } catch (err) {
    opts.printError(
      `halton-meter usage blocks: cannot read ${path}: ${
        (err as Error).message
      }; run \`halton-meter doctor\``,
    );
    return 1;
  }
  if (opts.active) blocks = blocks.filter((b) => b.active);
  if (opts.active && !opts.json && blocks.length === 0) {
    opts.print("No active block: no model call in the last 5 hours.");
    return 0;
  }
  opts.print(renderBlocks(
    blocks,
    { since, until, timeZone, now },
    opts.json ? "json" : "table",
    opts.colour,
  ));
  return 0;
}
