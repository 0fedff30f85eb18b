/** Raw TCP tunnel for hosts that are not intercepted: no decryption, backpressure, half-close. */
import net from "node:net";

export interface TunnelTarget {
  host: string;
  port: number;
}

/**
 * Connects to `target`, then answers the client's CONNECT with 200 and splices the sockets.
 * Resolves when both sides are closed. A failed connect answers 502 instead.
 */
export function openRawTunnel(
  client: net.Socket,
  target: TunnelTarget,
  rest: Uint8Array,
  onConnectError: (err: Error) => void,
): { done: Promise<void>; destroy(): void } {
  const upstream = net.connect({ host: target.host, port: target.port, allowHalfOpen: true });
  let connected = false;
  const done = new Promise<void>((resolve) => {
    let closed = 0;
    const onClose = () => {
      if (++closed === 2) resolve();
    };
    client.once("close", onClose);
    upstream.once("close", onClose);
  });
  upstream.once("connect", () => {
    connected = true;
    upstream.setNoDelay(true);
    client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    if (rest.length) upstream.write(rest);
    // pipe() gives backpressure; its default end:true forwards each side's FIN (half-close).
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
  });
  upstream.on("error", (err: Error) => {
    if (!connected) {
      onConnectError(err);
      const msg = `Cannot tunnel to ${target.host}:${target.port}: ${err.message}\n`;
      client.end(
        `HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/plain\r\nconnection: close\r\n` +
          `content-length: ${Buffer.byteLength(msg)}\r\n\r\n${msg}`,
      );
    } else {
      client.destroy();
    }
  });
  client.on("error", () => upstream.destroy());
  client.once("close", () => {
    if (connected) upstream.end();
  });
  upstream.once("close", () => {
    if (connected) client.end();
  });
  return {
    done,
    destroy() {
      client.destroy();
      upstream.destroy();
    },
  };
}
