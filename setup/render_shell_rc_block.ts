import { NODE_OPTIONS } from "./node_options.ts";

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

/** fish `string match` glob: `*`, `?` and `\\` are special, a backslash escapes them. */
function fishGlobLiteral(value: string): string {
  return value.replace(/[*?\\]/g, "\\$&");
}

/**
 * `NODE_OPTIONS` is the user's too: our option is appended to whatever it holds, and only
 * when it is not there yet, so re-sourcing the file or a nested shell adds it once.
 */
function nodeOptionsLines(option: string, shell: Shell): string[] {
  if (shell === "fish") {
    return [
      `if not string match -q -- ${fishQuote(`* ${fishGlobLiteral(option)} *`)} " $NODE_OPTIONS "`,
      `    set -gx NODE_OPTIONS (string join -- ' ' $NODE_OPTIONS ${fishQuote(option)})`,
      "end",
    ];
  }
  return [
    `case " \${NODE_OPTIONS-} " in`,
    `  *${posixQuote(` ${option} `)}*) ;;`,
    `  *) export NODE_OPTIONS="\${NODE_OPTIONS:+$NODE_OPTIONS }"${posixQuote(option)} ;;`,
    "esac",
  ];
}

/**
 * The lines that set `env` in `shell`: every variable is set, except `NODE_OPTIONS`, whose
 * value (our preload option) is appended to the user's. What `up` prints for another shell,
 * and the body of the rc block.
 */
export function renderShellExports(env: Record<string, string>, shell: Shell): string[] {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    checkEntry(name, value);
    if (name === NODE_OPTIONS) {
      lines.push(...nodeOptionsLines(value, shell));
      continue;
    }
    lines.push(
      shell === "fish"
        ? `set -gx ${name} ${fishQuote(value)}`
        : `export ${name}=${posixQuote(value)}`,
    );
  }
  return lines;
}

/**
 * The marked block `init --apps` puts in `~/.bashrc`, `~/.zshrc` or fish's `conf.d`.
 * Ends with a newline; feed it to `applyRcBlock`. The lines are `renderShellExports`.
 */
export function renderShellRcBlock(env: Record<string, string>, shell: Shell): string {
  return [
    RC_BEGIN_MARKER,
    "# Added by halton-meter init --apps; halton-meter uninstall removes this block.",
    ...renderShellExports(env, shell),
    RC_END_MARKER,
    "",
  ].join("\n");
}
