/**
 * The checkout wrapper (`./halton-meter`, via scripts/ensure_deno.sh) changes the
 * environment it runs `main.ts` in: it exports `DENO` and puts the pinned Deno's directory
 * first on `PATH`. A command run through `run` must see the user's environment instead, so
 * before sourcing that script the wrapper records, for each variable it may change, the
 * original value, and the list of those variables:
 *
 *   HALTON_METER_RESTORE="PATH DENO DENO_VERSION"
 *   HALTON_METER_CALLER_PATH=<the caller's PATH>    (absent when the caller had none)
 *
 * `callerEnv` undoes that. Nothing recorded (a compiled binary, `deno run main.ts`): the
 * environment is the user's already, and is returned as it is.
 */
export const RESTORE_LIST = "HALTON_METER_RESTORE";
export const CALLER_PREFIX = "HALTON_METER_CALLER_";

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `env` with each variable named in `HALTON_METER_RESTORE` set back to its recorded value
 * (or removed when the caller did not have it), and the records themselves removed.
 */
export function callerEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  const list = env[RESTORE_LIST];
  if (list === undefined) return { ...env };
  const out: Record<string, string> = { ...env };
  delete out[RESTORE_LIST];
  for (const name of list.split(/\s+/)) {
    if (!NAME.test(name)) continue;
    const original = env[CALLER_PREFIX + name];
    delete out[CALLER_PREFIX + name];
    if (original === undefined) delete out[name];
    else out[name] = original;
  }
  return out;
}
