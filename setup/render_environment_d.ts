const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `~/.config/environment.d/halton-meter.conf`: the systemd user manager exports these to
 * every unit and graphical session it starts (Linux apps mode). Values are double-quoted;
 * systemd expands `$` in them after unquoting, so characters whose meaning would change
 * are refused rather than guessed at. An empty value leaves the variable unset.
 */
export function renderEnvironmentD(env: Record<string, string>): string {
  const lines = ["# Written by halton-meter init --apps; halton-meter uninstall removes it."];
  for (const [name, value] of Object.entries(env)) {
    if (!NAME.test(name)) {
      throw new Error(`Cannot write ${JSON.stringify(name)} to environment.d: not a variable name`);
    }
    // deno-lint-ignore no-control-regex
    if (/[$"\\`\u0000-\u001f]/.test(value)) {
      throw new Error(
        `Cannot write ${name}=${
          JSON.stringify(value)
        } to environment.d: the value contains $, a quote, a backslash, a backtick or a control character; use a path without them`,
      );
    }
    lines.push(`${name}="${value}"`);
  }
  return lines.join("\n") + "\n";
}
