/**
 * `--name N` pairs into a copy of `defaults`, for benches whose options are all positive
 * numbers: `null` (a usage error) when a name is not one of them or N is not above 0.
 */
export function parsePositiveOptions<T extends { [K in keyof T]: number }>(
  args: readonly string[],
  defaults: T,
): T | null {
  const o = { ...defaults };
  for (let i = 0; i < args.length; i++) {
    const key = args[i].replace(/^--/, "") as keyof T;
    const v = Number(args[++i]);
    if (!(key in o) || !(v > 0)) return null;
    o[key] = v as T[keyof T];
  }
  return o;
}
