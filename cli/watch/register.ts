import type { Command } from "commander";
import { clockFromEnv, resolveHome } from "../../core/mod.ts";

/** `watch`: the live terminal view (cli/watch/watch.ts). */
export function registerWatchCommand(program: Command, setCode: (code: number) => void): void {
  const now = clockFromEnv(Deno.env) ?? Date.now;
  program
    .command("watch")
    .description(
      "live view: today's spend, the 5-hour block, budgets and the last calls (q quits)",
    )
    .option("--tz <zone>", 'time zone "today" is cut in (default: the machine\'s)')
    .option("--interval <seconds>", "refresh every this many seconds", "1")
    .action(async (o: { tz?: string; interval: string }) => {
      const seconds = Number(o.interval);
      if (!(seconds >= 0.2 && seconds <= 3600)) {
        console.error(
          `halton-meter watch: --interval "${o.interval}" is not a number of seconds from 0.2 to 3600`,
        );
        setCode(2);
        return;
      }
      // Loaded here: the policy view it uses is heavy, and `usage` shares this CLI.
      const { processTerminal, runWatch } = await import("./watch.ts");
      setCode(
        await runWatch(
          {
            home: resolveHome(Deno.env),
            timeZone: o.tz,
            intervalMs: seconds * 1000,
            colour: !Deno.env.get("NO_COLOR"),
            printError: (l) => console.error(l),
          },
          { now, terminal: processTerminal() },
        ),
      );
    });
}
