/**
 * The collector of `bench export`, in its own process as a real one would be (receiving ~40 MB
 * of spans in the bench process slowed the load it generates, which showed as a cost of export):
 * answers 200 to every OTLP/HTTP request and counts them; `GET /stats` says how many and how
 * many bytes. Prints `SINK_READY <port>`; exits when stdin closes (so it dies with the bench).
 */
const stats = { requests: 0, bytes: 0 };
const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
  if (req.method === "GET" && new URL(req.url).pathname === "/stats") return Response.json(stats);
  const body = await req.arrayBuffer();
  stats.requests++;
  stats.bytes += body.byteLength;
  return new Response(null, { status: 200 });
});
console.log(`SINK_READY ${server.addr.port}`);
for await (const _ of Deno.stdin.readable) { /* until EOF */ }
await server.shutdown();
