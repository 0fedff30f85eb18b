/**
 * A test hook: `HALTON_METER_TEST_CLOCK=<file>` makes the daemon and the CLI read the time from
 * that file (an ISO 8601 instant or epoch ms), running forward in real time from when the file
 * was last written. Black-box tests use it to cross a budget's calendar boundary without
 * waiting for midnight. Unset (always, outside tests): the real clock.
 */
export function clockFromEnv(
  env: { get(key: string): string | undefined },
): (() => number) | undefined {
  const path = env.get("HALTON_METER_TEST_CLOCK");
  if (!path) return undefined;
  return () => {
    try {
      const text = Deno.readTextFileSync(path).trim();
      const base = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
      const written = Deno.statSync(path).mtime?.getTime() ?? Date.now();
      if (Number.isFinite(base)) return base + Math.max(0, Date.now() - written);
    } catch { /* fall through to the real clock */ }
    return Date.now();
  };
}
