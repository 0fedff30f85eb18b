/**
 * Reading Linux's `/proc/net/tcp` and `/proc/net/tcp6`: one socket per line,
 * `sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...`, addresses
 * as hex `IP:PORT`. The IP is in the kernel's byte order (little-endian on every platform
 * Deno runs on: x86_64, aarch64), the port is a plain hex number.
 */

/** A client socket found in the table: its inode (for `/proc/<pid>/fd`) and owner uid. */
export interface ProcSocket {
  inode: string;
  uid: number;
}

const ESTABLISHED = "01";

function isLoopback(hexIp: string): boolean {
  // 127.0.0.0/8 is "xxxxxx7F"; IPv4-mapped ::ffff:127.x.x.x and ::1 in tcp6.
  if (hexIp.length === 8) return hexIp.endsWith("7F");
  if (hexIp.length !== 32) return false;
  const upper = hexIp.toUpperCase();
  return (upper.startsWith("0000000000000000FFFF0000") && upper.endsWith("7F")) ||
    upper === "00000000000000000000000001000000";
}

function portHex(port: number): string {
  return port.toString(16).toUpperCase().padStart(4, "0");
}

/**
 * The ESTABLISHED socket whose local end is loopback:`port` and whose remote end is
 * loopback:`serverPort`: the client's side of the connection (the server's side has the
 * ports the other way round). Null when absent, or when the kernel no longer ties it to a
 * file (inode 0: the socket is orphaned). Pure; lines that do not parse are skipped.
 */
export function findLoopbackSocket(
  table: string,
  client: { port: number; serverPort: number },
): ProcSocket | null {
  const local = `:${portHex(client.port)} `;
  const remote = `:${portHex(client.serverPort)} `;
  for (let start = 0; start < table.length;) {
    let end = table.indexOf("\n", start);
    if (end < 0) end = table.length;
    const line = table.slice(start, end);
    start = end + 1;
    // Cheap filter first: most lines of a busy table are other ports.
    if (!line.includes(local) || !line.includes(remote)) continue;
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || f[3] !== ESTABLISHED) continue;
    const [lIp, lPort] = f[1].split(":");
    const [rIp, rPort] = f[2].split(":");
    if (parseInt(lPort, 16) !== client.port || parseInt(rPort, 16) !== client.serverPort) {
      continue;
    }
    if (!isLoopback(lIp) || !isLoopback(rIp)) continue;
    const uid = Number(f[7]);
    const inode = f[9];
    if (!/^\d+$/.test(inode) || inode === "0" || !Number.isInteger(uid)) continue;
    return { inode, uid };
  }
  return null;
}
