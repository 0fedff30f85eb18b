/**
 * A WebSocket client for black-box tests, run as its own process (so it takes HTTPS_PROXY and
 * DENO_CERT from its environment like any tool): Deno's own `WebSocket`, driven by a plan
 * given as JSON in the first argument. It prints one JSON line per thing that happened:
 * `{"open":true}`, `{"recv":text}`, `{"close":code,"reason":...}`, `{"error":message}`.
 *
 * Plan: `url`, `headers` (sent with the upgrade), `send` (client messages in order), `waitFor`
 * (per message: a regexp a server message's `type` must match before the next message goes,
 * or null), `vanishAfter` (exit without a close frame after that many server messages).
 * Without `vanishAfter` it closes normally (1000) once everything is sent and answered.
 */

export interface WsPlan {
  url: string;
  headers?: Record<string, string>;
  send: string[];
  waitFor?: (string | null)[];
  vanishAfter?: number;
}

if (import.meta.main) {
  const plan: WsPlan = JSON.parse(Deno.args[0]);
  const say = (v: unknown) => console.log(JSON.stringify(v));
  const deadline = setTimeout(() => {
    say({ error: "timed out" });
    Deno.exit(2);
  }, 30_000);
  // Deno's WebSocket takes headers; with DOM types in the graph (the browser tests' driver)
  // the global's type is the DOM one, which does not know them.
  const DenoWebSocket = WebSocket as unknown as new (
    url: string,
    options: { headers: Record<string, string> },
  ) => WebSocket;
  const ws = new DenoWebSocket(plan.url, { headers: plan.headers ?? {} });
  let received = 0;
  let wake: ((type: string) => void) | null = null;
  const closed = new Promise<void>((resolve) => {
    ws.onclose = (e) => {
      say({ close: e.code, reason: e.reason });
      wake?.("");
      resolve();
    };
  });
  ws.onerror = (e) => say({ error: e instanceof ErrorEvent ? e.message : e.type });
  ws.onmessage = (e) => {
    const text = String(e.data);
    say({ recv: text });
    received++;
    if (plan.vanishAfter !== undefined && received >= plan.vanishAfter) Deno.exit(0);
    let type = "";
    try {
      type = String(JSON.parse(text).type);
    } catch { /* not JSON */ }
    wake?.(type);
  };
  await new Promise<void>((resolve) => ws.onopen = () => resolve());
  say({ open: true });
  for (let i = 0; i < plan.send.length; i++) {
    if (ws.readyState !== WebSocket.OPEN) break;
    const until = plan.waitFor?.[i] ? new RegExp(plan.waitFor[i] as string) : null;
    const answered = until &&
      new Promise<void>((resolve) => {
        wake = (type) => {
          if (type === "" || until.test(type)) {
            wake = null;
            resolve();
          }
        };
      });
    ws.send(plan.send[i]);
    if (answered) await answered;
  }
  if (plan.vanishAfter !== undefined) await new Promise(() => {}); // the deadline ends it
  if (ws.readyState === WebSocket.OPEN) ws.close(1000, "done");
  await closed;
  clearTimeout(deadline);
}
