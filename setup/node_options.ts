/**
 * `NODE_OPTIONS` belongs to the user (`--max-old-space-size=8192` is common): we add our
 * preload option to it and take only that option away again, never replacing the value.
 * Node splits the value on spaces (honouring double quotes), so options are compared as
 * space-delimited runs: the option `nodePreloadOption` renders is one such run.
 */

/** The one variable whose value is extended rather than set (see `proxyEnv`). */
export const NODE_OPTIONS = "NODE_OPTIONS";

/**
 * `current` with `option` added at the end, once: a value that already carries it (a
 * nested shell, `run` inside an apps shell, a re-applied login environment) is returned
 * unchanged, so applying twice never duplicates it.
 */
export function appendNodeOption(current: string | undefined, option: string): string {
  if (current === undefined || current === "") return option;
  return hasNodeOption(current, option) ? current : `${current} ${option}`;
}

/** Whether `value` carries `option` as whole space-delimited options. */
export function hasNodeOption(value: string, option: string): boolean {
  return ` ${value} `.includes(` ${option} `);
}

// `--require <path>` or `--require "<path>"` (backslash escapes inside the quotes).
const REQUIRE = /(^| )--require (?:"((?:[^"\\]|\\.)*)"|([^\s"]+))(?= |$)/g;
const PRELOAD_FILE = /[\\/]node[\\/]proxy-preload\.cjs$/;

/**
 * `value` without any Halton Meter preload option (`--require <dir>/node/proxy-preload.cjs`,
 * whatever the home), and without the space `appendNodeOption` put before it: the inverse
 * of `appendNodeOption`, byte for byte, also for a user value that changed meanwhile. Used
 * where the value lives outside our files (launchctl, the registry). Other `--require`
 * options are the user's and stay.
 */
export function removePreloadOptions(value: string): string {
  let cutAtStart = false;
  const rest = value.replace(
    REQUIRE,
    (whole: string, lead: string, quoted: string | undefined, bare: string | undefined) => {
      const path = quoted === undefined ? bare ?? "" : quoted.replace(/\\(.)/g, "$1");
      if (!PRELOAD_FILE.test(path)) return whole;
      if (lead === "") cutAtStart = true;
      return "";
    },
  );
  // An option that opened the value leaves the separator of the one after it.
  return cutAtStart && rest.startsWith(" ") ? rest.slice(1) : rest;
}
