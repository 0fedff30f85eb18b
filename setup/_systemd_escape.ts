// Control characters and newlines would end the directive or be mangled by C unescaping.
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001F\u007F]/;

function refuseControl(what: string, value: string): void {
  if (CONTROL.test(value)) {
    throw new Error(
      `Cannot write ${what} ${
        JSON.stringify(value)
      } into a systemd unit: it contains a control character or newline; use a path without one`,
    );
  }
}

/** `%` starts a specifier in every directive we write; `%%` is a literal percent sign. */
export function escapeSpecifiers(value: string): string {
  return value.replaceAll("%", "%%");
}

const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * One word of an `ExecStart=` line. systemd splits on whitespace unless quoted, honours
 * C escapes inside double quotes (so `\` and `"` are escaped), expands `$VAR` (so `$`
 * becomes `$$`), expands `%` specifiers (so `%%`), and treats a lone `;` as a separator.
 */
export function escapeSystemdExecWord(value: string): string {
  refuseControl("argument", value);
  const literal = escapeSpecifiers(value).replaceAll("$", () => "$$");
  if (PLAIN_WORD.test(value)) return literal;
  return `"${literal.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

/** One `Environment=` assignment, always double-quoted (`Environment="K=V"`); `$` is not expanded there. */
export function quoteSystemdEnvironment(name: string, value: string): string {
  refuseControl("environment value", value);
  const escaped = escapeSpecifiers(`${name}=${value}`).replaceAll("\\", "\\\\").replaceAll(
    '"',
    '\\"',
  );
  return `"${escaped}"`;
}

/** A path directive such as `StandardOutput=append:PATH` (no quoting, specifiers only). */
export function escapeSystemdPath(path: string): string {
  refuseControl("path", path);
  if (path !== path.trim()) {
    throw new Error(
      `Cannot write path ${
        JSON.stringify(path)
      } into a systemd unit: leading or trailing whitespace would be stripped`,
    );
  }
  return escapeSpecifiers(path);
}
