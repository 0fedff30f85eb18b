import { type Command, Option } from "commander";
import { clockFromEnv, resolveHome } from "../../core/mod.ts";
import { defaultBlocksDeps, runBlocks } from "./blocks.ts";
import { defaultUsageDeps, runUsage } from "./usage.ts";

const print = (l: string) => console.log(l);
const printError = (l: string) => console.error(l);
const repeat = (v: string, acc: string[]) => [...acc, v];
/** Colour only on a terminal, and never when NO_COLOR is set (no-color.org). */
const colour = () => !Deno.env.get("NO_COLOR") && Deno.stdout.isTerminal();

const WHEN = "today, yesterday, this-week, last-week, this-month, last-month, 30m, 12h, 7d, " +
  "2026-11-01, 2026-11, 2026-11-01T09:30";

interface FilterFlags {
  project?: string;
  model?: string;
  provider?: string;
  client?: string;
  key?: string;
}

/** `usage` and `usage blocks` (reports from the database; docs/REPORTS.md). */
export function registerUsageCommands(program: Command, setCode: (code: number) => void): void {
  // The same test clock as the daemon's, so black-box tests can fix "today".
  const now = clockFromEnv(Deno.env) ?? Date.now;
  const usage = program
    .command("usage")
    .description(
      "what was spent: model calls by day/week/month/project/model/... (reads the database)",
    )
    .enablePositionalOptions()
    .addOption(
      new Option(
        "--group-by <key>",
        "day, week, month, hour, project, model, provider, client, key or endpoint; repeat " +
          "(or comma-separate) for a breakdown, outermost first",
      ).argParser(repeat).default([] as string[], "model"),
    )
    .option("--since <when>", `where the report starts: ${WHEN}`, "today")
    .option("--until <when>", "where it ends (a date or period: its end)")
    .option("--tz <zone>", "time zone days are cut in (default: the machine's)")
    .option("--all", "include requests that are not model calls, and blocked calls")
    .option("--json", "machine-readable output (docs/REPORTS.md)")
    .option("--csv", "CSV with a header row (docs/REPORTS.md)")
    .option("--project <name>", "only this project")
    .option("--model <model>", "only this model")
    .option("--provider <provider>", "only this provider")
    .option("--client <client>", "only this client family (claude-code, curl, ...)")
    .option("--key <fingerprint>", "only this API-key fingerprint")
    .action((
      o: FilterFlags & {
        groupBy: string[];
        since: string;
        until?: string;
        tz?: string;
        all?: boolean;
        json?: boolean;
        csv?: boolean;
      },
    ) => {
      if (o.json && o.csv) {
        printError("halton-meter usage: --json and --csv: choose one");
        setCode(2);
        return;
      }
      const filter: FilterFlags = {};
      for (const k of ["project", "model", "provider", "client", "key"] as const) {
        if (o[k] !== undefined) filter[k] = o[k];
      }
      setCode(runUsage(
        {
          home: resolveHome(Deno.env),
          format: o.json ? "json" : o.csv ? "csv" : "table",
          since: o.since,
          until: o.until,
          timeZone: o.tz,
          groupBy: o.groupBy,
          all: o.all ?? false,
          filter,
          colour: colour(),
          print,
          printError,
        },
        { ...defaultUsageDeps, now },
      ));
    });

  usage
    .command("blocks")
    .description(
      "5-hour windows (aligned to Anthropic's resets when seen): spend, burn rate, projection",
    )
    .option("--since <when>", `blocks ending after: ${WHEN}`, "3d")
    .option("--until <when>", "blocks starting before")
    .option("--tz <zone>", "time zone times are shown in (default: the machine's)")
    .option("--active", "only the block running now")
    .option("--json", "machine-readable output (docs/REPORTS.md)")
    .option("--provider <provider>", "only this provider's calls")
    .option("--project <name>", "only this project's calls")
    .option("--key <fingerprint>", "only this API key / account")
    .action((o: {
      since: string;
      until?: string;
      tz?: string;
      active?: boolean;
      json?: boolean;
      provider?: string;
      project?: string;
      key?: string;
    }) => {
      setCode(runBlocks(
        {
          home: resolveHome(Deno.env),
          json: o.json ?? false,
          since: o.since,
          until: o.until,
          timeZone: o.tz,
          active: o.active ?? false,
          filter: { provider: o.provider, project: o.project, key: o.key },
          colour: colour(),
          print,
          printError,
        },
        { ...defaultBlocksDeps, now },
      ));
    });
}
