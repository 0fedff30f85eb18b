import { NODE_OPTIONS } from "./node_options.ts";

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `~/.config/environment.d/halton-meter.conf`: the systemd user manager exports these to
 * every unit and graphical session it starts (Linux apps mode). Values are double-quoted,
 * `"` and `\` escaped; systemd expands `$` in them after unquoting, so `$` and backticks
 * are refused rather than guessed at. An empty value leaves the variable unset.
 *
 * `NODE_OPTIONS` (our preload option) is appended to the value the manager already has
 * (`/etc/environment`, earlier `environment.d` files; environment.d(5) documents
 * `${KEY:+ALTERNATE}`). The generators start from a flushed environment at each reload, so
 * this does not accumulate; a user file that sorts after ours and sets `NODE_OPTIONS`
 * outright wins over it, as it should.
 */
export function renderEnvironmentD(env: Record<string, string>): string {
  const lines = ["# Written by halton-meter init --apps; halton-meter uninstall removes it."];
  for (const [name, value] of Object.entries(env)) {
    if (!NAME.test(name)) {
      throw new Error(`Cannot write ${JSON.stringify(name)} to environment.d: not a variable name`);
    }
    // deno-lint-ignore no-control-regex
    if (/[$`\u0000-\u001f]/.test(value)) {
      throw new Error(
        `Cannot write ${name}=${
          JSON.stringify(value)
        } to environment.d: the value contains $, a backtick or a control character; use a path without them`,
      );
    }
    const quoted = value.replace(/["\\]/g, "\\$&");
    lines.push(
      name === NODE_OPTIONS ? `${name}="\${${name}:+$${name} }${quoted}"` : `${name}="${quoted}"`,
    );
  }
  return lines.join("\n") + "\n";
}
