import type { Command } from "commander";
import { clockFromEnv, resolveHome } from "../../core/mod.ts";
import type { ReconcileSource } from "./reconcile.ts";

const WHEN = "today, yesterday, this-week, 7d, 2026-11-01, ... (default: 7d)";

/** `reconcile claude-code` and `reconcile codex` (cli/reconcile/reconcile.ts). */
export function registerReconcileCommand(
  program: Command,
  setCode: (code: number) => void,
): void {
  const now = clockFromEnv(Deno.env) ?? Date.now;
  const reconcile = program
    .command("reconcile")
    .description("a client's own logs against the wire: calls, tokens and cost that differ");
  const source = (name: ReconcileSource, description: string, dir: string, extra?: string) => {
    const c = reconcile
      .command(name)
      .description(description)
      .option("--dir <dir>", `where its logs are (default: ${dir})`)
      .option("--since <when>", `entries from: ${WHEN}`)
      .option("--until <when>", "entries before (a date or period: its end)")
      .option("--tz <zone>", "time zone days are cut in (default: the machine's)")
      .option("--json", "machine-readable output (docs/REPORTS.md)");
    if (name === "claude-code") {
      c.option(
        "--dedupe <rule>",
        "a response written several times counts once: first (as ccusage) or last",
        "first",
      );
    }
    if (extra) c.addHelpText("after", extra);
    c.action(async (o: {
      dir?: string;
      since?: string;
      until?: string;
      tz?: string;
      json?: boolean;
      dedupe?: string;
    }) => {
      // Loaded here: pricing is heavy, and `usage` shares this CLI.
      const { runReconcile } = await import("./reconcile.ts");
      setCode(
        await runReconcile(
          {
            home: resolveHome(Deno.env),
            source: name,
            dir: o.dir,
            since: o.since,
            until: o.until,
            timeZone: o.tz,
            dedupe: o.dedupe ?? "first",
            json: o.json ?? false,
            colour: !Deno.env.get("NO_COLOR") && Deno.stdout.isTerminal(),
            env: Deno.env,
            print: (l) => console.log(l),
            printError: (l) => console.error(l),
          },
          { now },
        ),
      );
    });
  };
  source(
    "claude-code",
    "Claude Code's session logs (~/.claude/projects) vs the wire, matched by request and message id",
    "~/.claude/projects, or $CLAUDE_CONFIG_DIR/projects",
  );
  source(
    "codex",
    "Codex CLI's session logs (~/.codex/sessions) vs the wire, matched by time and input tokens",
    "~/.codex/sessions, or $CODEX_HOME/sessions",
    "\nCodex's rollout files record each response's token usage (token_count events) but no\n" +
      "request or response id, so entries are matched with the metered call that ended within\n" +
      "2 minutes of the entry and had the same input token count.",
  );
}
