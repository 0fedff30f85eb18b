/** Runs `fn` with a fresh temporary directory (a HALTON_METER_HOME) and removes it after. */
export async function withTempHome(
  prefix: string,
  fn: (home: string) => Promise<void>,
): Promise<void> {
  const home = await Deno.makeTempDir({ prefix });
  try {
    await fn(home);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}
