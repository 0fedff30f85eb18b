/**
 * The rest of an exchange answered with 101 Switching Protocols (see _run_exchange.ts): both
 * directions are forwarded byte for byte until either side closes, and then the other side is
 * closed too, so a client that exits (or vanishes) does not leave an upstream connection
 * open. For a WebSocket, a copy of each direction goes through a pure reader
 * (adapters/websocket) and its messages to the observer; with a policy, each client message
 * is held until it is decided.
 */
import type tls from "node:tls";
import {
  closePayload,
  createWsReader,
  encodeWsFrame,
  MAX_WS_MESSAGE_BYTES,
  permessageDeflateAccepted,
  type WsEvent,
  type WsReader,
} from "../../adapters/mod.ts";
import type { ClientInput } from "./_client_input.ts";
import type { UpstreamConn } from "./create_upstream_pool.ts";
import { classifyUpstreamError } from "./classify_error.ts";
import { concatAll, type Failure } from "./_exchange_io.ts";
import type { ExchangeObserver, WsDecision, WsMessageInfo } from "./types.ts";

export interface Upgraded {
  sock: tls.TLSSocket;
  input: ClientInput;
  up: UpstreamConn;
  /** The 101 head as it goes to the client. */
  head: Uint8Array;
  /** The 101's headers (for the observer and the WebSocket extensions). */
  headers: Headers;
  /** The 101's `Upgrade` value. */
  switchedTo: string;
  /** Client bytes read after the upgrade request: already the new protocol's. */
  clientRest: Uint8Array;
  /** Server bytes read after the 101 head: written to the client with it. */
  serverFirst: Uint8Array;
  obs: ExchangeObserver | undefined;
  guard: (what: string, fn: () => void) => void;
  now: () => number;
  /** Writes to the client; throws once the client is gone. */
  toClient: (bytes: Uint8Array) => Promise<void> | void;
  clientGone: () => boolean;
}

export interface UpgradedEnd {
  bytesUp: number;
  bytesDown: number;
  closedBy: "client" | "server" | "policy";
  /** The upstream failed (not a close): the session's error. */
  failure?: Failure;
}

/** Held client bytes past this are forwarded undecided (fail-open): the reader's cap + framing. */
const MAX_HOLD = MAX_WS_MESSAGE_BYTES + 1024 * 1024;

export async function runUpgraded(s: Upgraded): Promise<UpgradedEnd> {
  const { obs, up: u } = s;
  const headWrite = s.toClient(concatAll([s.head, s.serverFirst]));
  if (obs?.onResponseHead) {
    s.guard("onResponseHead", () => obs.onResponseHead?.({ status: 101, headers: s.headers }));
  }
  await headWrite;
  let bytesUp = 0;
  let bytesDown = s.serverFirst.length;
  let closedBy: UpgradedEnd["closedBy"] | null = null;
  let failure: Failure | undefined;
  const deflate = permessageDeflateAccepted(s.headers.get("sec-websocket-extensions"));
  const readers = /websocket/i.test(s.switchedTo) && (obs?.onWsMessage || obs?.decideWsMessage)
    ? { client: createWsReader({ deflate }), server: createWsReader({ deflate }) }
    : null;
  let decide = obs?.decideWsMessage ? obs.decideWsMessage.bind(obs) : null;

  const utf8 = new TextDecoder();
  const info = (from: WsMessageInfo["from"], e: WsEvent): WsMessageInfo | null => {
    if (e.type === "error") {
      return { from, text: null, binary: false, error: e.message, fatal: true, at: s.now() };
    }
    if (e.type !== "message") return null;
    const text = e.opcode === 1 && e.data !== null ? utf8.decode(e.data) : null;
    return { from, text, binary: e.opcode === 2, error: e.error, at: s.now() };
  };
  const tell = (m: WsMessageInfo | null) => {
    if (m && obs?.onWsMessage) s.guard("onWsMessage", () => obs.onWsMessage?.(m));
  };
  /** Who sent the first close frame: the one who ended the session, whoever drops TCP first. */
  let closeFrameFrom: "client" | "server" | null = null;
  const tee = (from: WsMessageInfo["from"], reader: WsReader, bytes: Uint8Array) => {
    for (const e of reader.push(bytes)) {
      if (e.type === "close") closeFrameFrom ??= from;
      tell(info(from, e));
    }
  };

  /** Ends the session for a blocked message: the client hears why, the upstream nothing more. */
  const block = async (d: Extract<WsDecision, { action: "block" }>) => {
    closedBy ??= "policy";
    u.close();
    if (!readers?.server.atBoundary() || s.clientGone()) return s.sock.destroy();
    const frames = d.messages.map((m) =>
      encodeWsFrame({ opcode: 1, payload: new TextEncoder().encode(m) })
    );
    frames.push(encodeWsFrame({ opcode: 8, payload: closePayload(d.close.code, d.close.reason) }));
    try {
      await s.toClient(concatAll(frames));
    } catch { /* the client left meanwhile */ }
  };

  // With a decision step, a client message's bytes wait until it is whole and decided; bytes
  // that hold no open message (control frames between messages) go on at once.
  let held: Uint8Array[] = [];
  let heldBytes = 0;
  let forwarded = 0; // stream offset of the first held byte
  const fromClient = async (c: Uint8Array): Promise<boolean> => {
    bytesUp += c.length;
    if (!decide || !readers) {
      await u.write(c);
      if (readers) tee("client", readers.client, c);
      return true;
    }
    held.push(c);
    heldBytes += c.length;
    for (const e of readers.client.push(c)) {
      const m = info("client", e);
      if (e.type === "message" && m?.text != null) {
        let d: WsDecision = { action: "allow" };
        try {
          const r = decide(m);
          d = r instanceof Promise ? await r : r;
        } catch (err) {
          s.guard("decideWsMessage", () => {
            throw err;
          });
        }
        if (d.action === "block") {
          await release(e.start);
          await block(d);
          return false;
        }
      }
      tell(m);
    }
    if (readers.client.failed() || heldBytes > MAX_HOLD) {
      decide = null; // undecidable: forward what is held and everything after (fail-open)
      await release(forwarded + heldBytes);
    } else await release(readers.client.safeOffset());
    return true;
  };
  /** Forwards the held bytes up to stream offset `to`. */
  const release = async (to: number) => {
    const n = to - forwarded;
    if (n <= 0) return;
    const all = concatAll(held);
    held = n < all.length ? [all.subarray(n)] : [];
    heldBytes -= n;
    forwarded = to;
    await u.write(all.subarray(0, n));
  };

  const clientPump = (async () => {
    if (s.clientRest.length && !(await fromClient(s.clientRest))) return;
    for (let c = await s.input.next(); c !== null; c = await s.input.next()) {
      if (!(await fromClient(c))) return;
    }
    closedBy ??= "client";
  })().catch(() => {
    closedBy ??= s.clientGone() ? "client" : "server";
  }).finally(() => u.close()); // the client is done: so is the upstream

  if (readers) tee("server", readers.server, s.serverFirst);
  for (;;) {
    let chunk: Uint8Array | null;
    try {
      chunk = await u.read();
    } catch (err) {
      if (closedBy === null && !s.clientGone()) failure = classifyUpstreamError(err);
      break;
    }
    if (chunk === null || closedBy === "policy") break;
    bytesDown += chunk.length;
    let w: Promise<void> | void;
    try {
      w = s.toClient(chunk);
    } catch {
      break;
    }
    if (readers) tee("server", readers.server, chunk);
    await w;
  }
  closedBy ??= s.clientGone() ? "client" : "server";
  s.input.cancel(); // the upstream is done: so is the client
  await clientPump;
  // Set by the pumps (a closure TypeScript does not follow).
  const ended = closedBy as UpgradedEnd["closedBy"] | null;
  const by = ended === "policy"
    ? ended
    : closeFrameFrom ?? ended ?? (s.clientGone() ? "client" : "server");
  return { bytesUp, bytesDown, closedBy: by, failure };
}
