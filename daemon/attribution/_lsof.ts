/**
 * Reading `lsof -F` output (macOS, where no /proc exists): one field per line, the first
 * character naming it (`p` pid, `f` descriptor, `n` name, ...), each process's fields after its
 * `p` line. Pure; lines that do not parse are skipped.
 */

function isLoopback(address: string): boolean {
  const a = address.replace(/^\[|\]$/g, "").toLowerCase();
  return a.startsWith("127.") || a === "::1" || a.startsWith("::ffff:127.");
}

/** `address:port` (IPv6 in brackets) → its port and whether the address is loopback. */
function endpoint(text: string): { port: number; loopback: boolean } | null {
  const colon = text.lastIndexOf(":");
  if (colon <= 0 || !/^\d{1,5}$/.test(text.slice(colon + 1))) return null;
  return { port: Number(text.slice(colon + 1)), loopback: isLoopback(text.slice(0, colon)) };
}

/**
 * The pid holding the client's side of a loopback connection, from
 * `lsof -nP -iTCP:<port> -sTCP:ESTABLISHED -Fpn`: the process with a name
 * `127.0.0.1:<port>->127.0.0.1:<serverPort>` (the server's side reads the other way round).
 */
export function lsofSocketOwner(
  stdout: string,
  client: { port: number; serverPort: number },
): number | null {
  let pid: number | null = null;
  for (const line of stdout.split("\n")) {
    if (line.startsWith("p")) {
      pid = /^p\d+$/.test(line) ? Number(line.slice(1)) : null;
      continue;
    }
    if (!line.startsWith("n") || pid === null) continue;
    const [from, to, extra] = line.slice(1).split("->");
    if (to === undefined || extra !== undefined) continue;
    const local = endpoint(from);
    const remote = endpoint(to.replace(/\s.*$/, ""));
    if (
      local?.loopback && remote?.loopback && local.port === client.port &&
      remote.port === client.serverPort
    ) return pid;
  }
  return null;
}

/** The working directory from `lsof -a -p <pid> -d cwd -Fn`: its `n` line; null when absent. */
export function lsofCwd(stdout: string): string | null {
  for (const line of stdout.split("\n")) {
    if (line.startsWith("n/")) return line.slice(1);
  }
  return null;
}
