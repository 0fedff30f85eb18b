/**
 * Quotes one word for a POSIX shell (sh, bash, zsh): single quotes keep everything
 * literal, and a single quote itself is closed, escaped and reopened.
 */
export function shellQuote(word: string): string {
  if (word !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A whole command line from argv, each word quoted as needed. */
export function shellLine(argv: readonly string[]): string {
  return argv.map(shellQuote).join(" ");
}

/**
 * An AppleScript string literal: only backslash and double quote are special, so a
 * shell line survives `do shell script "..."` unchanged.
 */
export function appleScriptString(text: string): string {
  return `"${text.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}
