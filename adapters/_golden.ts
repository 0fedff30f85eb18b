// Test support (imported by *_test.ts only): loads the recorded exchanges in
// testdata/<family>/ and replays them through findAdapter with several chunkings.
import assert from "node:assert/strict";
import { emptyUsage, type Usage } from "../core/mod.ts";
import { createBodyDecoder, markUndecodable } from "./create_body_decoder.ts";
import { findAdapter } from "./find_adapter.ts";
import type { RequestInfo } from "./types.ts";

export interface Exchange {
  name: string;
  host: string;
  method: string;
  path: string;
  query: string;
  status: number;
  requestHeaders: Record<string, string>;
  responseHeaders: Record<string, string>;
  expectAdapter: { provider: string; endpoint: string };
  expectRequest: Record<string, unknown>;
  request: Uint8Array | null;
  response: Uint8Array;
  expected: Usage;
}

const TESTDATA = new URL("./testdata/", import.meta.url);

type JsonRecord = Record<string, unknown>;

function isRecord(v: unknown): v is JsonRecord {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function readRecord(url: URL): JsonRecord {
  const value: unknown = JSON.parse(Deno.readTextFileSync(url));
  if (!isRecord(value)) {
    throw new Error(`Cannot load exchange: ${url.pathname} is not a JSON object`);
  }
  return value;
}

function field<T>(rec: JsonRecord, key: string, guard: (v: unknown) => v is T, where: string): T {
  const v = rec[key];
  if (!guard(v)) throw new Error(`Cannot load exchange: ${where} has a bad or missing "${key}"`);
  return v;
}

const isString = (v: unknown): v is string => typeof v === "string";
const isNumber = (v: unknown): v is number => typeof v === "number";
const isStringMap = (v: unknown): v is Record<string, string> =>
  isRecord(v) && Object.values(v).every(isString);
const isAdapterKind = (v: unknown): v is { provider: string; endpoint: string } =>
  isRecord(v) && isString(v["provider"]) && isString(v["endpoint"]);
const USAGE_KEYS = Object.keys(emptyUsage()).sort().join(",");
const isUsage = (v: unknown): v is Usage =>
  isRecord(v) && Object.keys(v).sort().join(",") === USAGE_KEYS;

/** Every `<name>.exchange.json` in testdata/<family>/ with its sibling files, sorted by name. */
export function loadExchanges(family: string): Exchange[] {
  const dir = new URL(`${family}/`, TESTDATA);
  const names = [...Deno.readDirSync(dir)]
    .map((e) => e.name)
    .filter((n) => n.endsWith(".exchange.json"))
    .map((n) => n.slice(0, -".exchange.json".length))
    .sort();
  return names.map((name) => {
    const where = `${family}/${name}`;
    const meta = readRecord(new URL(`${name}.exchange.json`, dir));
    let request: Uint8Array | null = null;
    try {
      request = Deno.readFileSync(new URL(`${name}.request.json`, dir));
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    const expected: unknown = readRecord(new URL(`${name}.expected.json`, dir));
    if (!isUsage(expected)) {
      throw new Error(`Cannot load exchange: ${where}.expected.json is not a Usage`);
    }
    return {
      name,
      host: field(meta, "host", isString, where),
      method: field(meta, "method", isString, where),
      path: field(meta, "path", isString, where),
      query: field(meta, "query", isString, where),
      status: field(meta, "status", isNumber, where),
      requestHeaders: field(meta, "requestHeaders", isStringMap, where),
      responseHeaders: field(meta, "responseHeaders", isStringMap, where),
      expectAdapter: field(meta, "expectAdapter", isAdapterKind, where),
      expectRequest: field(meta, "expectRequest", isRecord, where),
      request,
      response: Deno.readFileSync(new URL(field(meta, "responseFile", isString, where), dir)),
      expected,
    };
  });
}

/** A small deterministic PRNG (mulberry32) so random splits are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function splitWhole(bytes: Uint8Array): Uint8Array[] {
  return [bytes];
}

export function splitBytewise(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i++) out.push(bytes.subarray(i, i + 1));
  return out;
}

/** Random cut points (including empty chunks) from a seed. */
export function splitRandom(bytes: Uint8Array, seed: number): Uint8Array[] {
  const rand = seededRandom(seed);
  const out: Uint8Array[] = [];
  let i = 0;
  while (i < bytes.length) {
    const n = Math.floor(rand() * Math.min(64, bytes.length - i + 1));
    out.push(bytes.subarray(i, i + n));
    i += n;
  }
  return out;
}

/**
 * The daemon's path for one response: the body as sent goes through the content decoder
 * (a no-op without `content-encoding`), the decoded bytes to the adapter's parser, and a
 * body that could not be decoded is marked as the meter marks it.
 */
export async function replayResponse(
  ex: Exchange,
  chunks: Uint8Array[],
  request: RequestInfo,
): Promise<Usage> {
  const adapter = findAdapter(ex.host, ex.path);
  const headers = new Headers(ex.responseHeaders);
  const parser = adapter.createResponseParser({ status: ex.status, headers, request });
  const decoder = createBodyDecoder(headers.get("content-encoding"), (c) => parser.push(c));
  for (const c of chunks) decoder.write(c);
  await decoder.end();
  const usage = parser.finish();
  const failed = decoder.error();
  return failed === null ? usage : markUndecodable(usage, failed);
}

export function parseExchangeRequest(ex: Exchange): RequestInfo {
  const adapter = findAdapter(ex.host, ex.path);
  return adapter.parseRequest(ex.request, {
    path: ex.path,
    query: ex.query,
    headers: new Headers(ex.requestHeaders),
  });
}

/** One Deno.test per family; one step per exchange, each replayed whole, bytewise and at random cuts. */
export function registerGoldenTests(family: string): void {
  Deno.test(`golden exchanges: ${family}`, async (t) => {
    const exchanges = loadExchanges(family);
    assert.ok(exchanges.length > 0, `no exchanges in testdata/${family}`);
    for (const ex of exchanges) {
      await t.step(ex.name, async () => {
        const adapter = findAdapter(ex.host, ex.path);
        assert.deepEqual(
          { provider: adapter.provider, endpoint: adapter.endpoint },
          ex.expectAdapter,
        );
        const request = parseExchangeRequest(ex);
        const actual = new Map<string, unknown>(Object.entries(request));
        for (const [key, value] of Object.entries(ex.expectRequest)) {
          assert.deepEqual(actual.get(key), value, `request.${key}`);
        }
        assert.deepEqual(
          await replayResponse(ex, splitWhole(ex.response), request),
          ex.expected,
          "whole",
        );
        assert.deepEqual(
          await replayResponse(ex, splitBytewise(ex.response), request),
          ex.expected,
          "bytewise",
        );
        for (const seed of [1, 2, 3, 42, 1337]) {
          assert.deepEqual(
            await replayResponse(ex, splitRandom(ex.response, seed), request),
            ex.expected,
            `random split, seed ${seed}`,
          );
        }
      });
    }
  });
}
