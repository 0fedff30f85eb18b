export const RC_BEGIN_MARKER = "# >>> halton-meter >>>";
export const RC_END_MARKER = "# <<< halton-meter <<<";

export type Shell = "bash" | "zsh" | "fish";

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function checkEntry(name: string, value: string): void {
  if (!NAME.test(name)) {
    throw new Error(`Cannot write ${JSON.stringify(name)} to a shell rc file: not a variable name`);
  }
  // A newline could forge a marker line and break block removal.
  if (/[\r\n\0]/.test(value)) {
    throw new Error(
      `Cannot write ${name}=${
        JSON.stringify(value)
      } to a shell rc file: the value contains a newline or NUL`,
    );
  }
}

/** POSIX single quotes: everything literal; a quote is closed, escaped and reopened. */
function posixQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** fish single quotes: only `\\` and `\'` are escapes inside them. */
function fishQuote(value: string): string {
  return `'${value.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
}

/**
 * The marked block `init --apps` puts in `~/.bashrc`, `~/.zshrc` or fish's `conf.d`.
 * Ends with a newline; feed it to `applyRcBlock`.
 */
export function renderShellRcBlock(env: Record<string, string>, shell: Shell): string {
  const lines = [
    RC_BEGIN_MARKER,
    "# Added by halton-meter init --apps; halton-meter uninstall removes this block.",
  ];
  for (const [name, value] of Object.entries(env)) {
    checkEntry(name, value);
    lines.push(
      shell === "fish"
        ? `set -gx ${name} ${fishQuote(value)}`
        : `export ${name}=${posixQuote(value)}`,
    );
  }
  lines.push(RC_END_MARKER, "");
  return lines.join("\n");
}
