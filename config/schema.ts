import { z } from "zod";

const port = z.number().int().min(0).max(65535);
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/;
const hostPort = z.string().regex(HOST_PORT, 'expected "host:port", e.g. "127.0.0.1:19443"');
// zod reports a bad record key only as "Invalid key in record"; check keys ourselves to say more.
const resolveMap = z.record(z.string(), hostPort).superRefine((rec, ctx) => {
  for (const key of Object.keys(rec)) {
    if (!HOST_PORT.test(key)) {
      ctx.addIssue({
        code: "custom",
        path: [key],
        message: 'key expected as "host:port", e.g. "api.anthropic.com:443"',
      });
    }
  }
});
const ms = z.number().int().min(1).max(3_600_000);

/**
 * The user's `config.json`. Every object is strict: an unknown key is an error
 * naming the key, because a typo silently ignored is a setting silently lost.
 */
export const configSchema = z.strictObject({
  ports: z.strictObject({ edge: port, internal: port, api: port }).partial().optional(),
  upstream: z.strictObject({
    /** Where to connect for `host:port` (like curl --resolve); TLS server name unchanged. */
    resolve: resolveMap.optional(),
    /** Extra PEM file trusted for upstream TLS, besides the system roots. */
    ca_file: z.string().min(1).optional(),
  }).optional(),
  intercept: z.strictObject({
    hosts: z.array(z.string().regex(/^[A-Za-z0-9.*-]+$/, "expected a host name, * allowed"))
      .optional(),
  }).optional(),
  edge: z.strictObject({
    head_timeout_ms: ms,
    connect_timeout_ms: ms,
    daemon_connect_timeout_ms: ms,
    drain_timeout_ms: ms,
    /** 0 = never close raw tunnels opened during a daemon outage (see the README). */
    rehome_idle_ms: z.number().int().min(0).max(3_600_000),
    max_connections: z.number().int().min(1).max(1_000_000),
  }).partial().optional(),
  daemon: z.strictObject({
    drain_timeout_ms: ms,
    max_request_body_bytes: z.number().int().min(0),
  }).partial().optional(),
  store: z.strictObject({
    /** Request/response bodies are never stored unless this is turned on. */
    store_bodies: z.boolean(),
    /** Space the spool file keeps allocated so rows fit when the disk is full (0: none). */
    spool_reserve_bytes: z.number().int().min(0).max(64 * 1024 * 1024),
    /** Rows held in memory at most while neither the database nor the spool takes them. */
    memory_queue_rows: z.number().int().min(100).max(1_000_000),
  }).partial().optional(),
  pricing: z.strictObject({ auto_update: z.boolean() }).partial().optional(),
  log: z.strictObject({ max_bytes: z.number().int().min(4096) }).partial().optional(),
});

export type Config = z.infer<typeof configSchema>;
