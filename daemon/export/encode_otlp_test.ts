// deno-lint-ignore-file no-explicit-any
import assert from "node:assert/strict";
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import * as generated from "otlp-proto-decoder/build/src/generated/root.js";
import { makeRecord } from "../store/_test_record.ts";
import { tempPaths } from "../store/_test_helpers.ts";
import { type ExportRow, openStore } from "../store/mod.ts";
import { type CallSpan, callSpan, SPAN_COLUMNS } from "./call_span.ts";
import { createTraceEncoder } from "./encode_otlp.ts";
import { toSdkSpan } from "./_test_sdk_span.ts";

// The protobufjs code generated from the official .proto files (otlp-transformer 0.57).
const root = ((generated as any).default ?? generated) as any;
const TraceRequest = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

const RESOURCE = {
  "service.name": "halton-meter",
  "service.version": "0.9.1",
  "host.name": "alice-laptop",
  "team": "data ∑ eng",
};
const SCOPE = { name: "halton-meter", version: "0.9.1" };

/** Rows as the store returns them: full, sparse, failed, blocked, non-ASCII, long values. */
async function storedRows(): Promise<ExportRow[]> {
  const t = await tempPaths();
  const store = openStore({ path: t.path, spoolPath: t.spoolPath });
  try {
    const base = makeRecord();
    const records = [
      makeRecord({ id: "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b" }),
      makeRecord({
        id: "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c",
        ttfbMs: null,
        requestModel: null,
        stream: false,
        status: 200,
        usage: {
          ...base.usage,
          cacheWrite5mTokens: null,
          cacheWrite1hTokens: null,
          reasoningTokens: null,
          webSearchRequests: null,
          webFetchRequests: null,
          serviceTier: null,
          responseId: null,
          errorType: null,
          errorMessage: null,
          providerCostUsd: null,
        },
        project: null,
        projectSource: null,
        client: null,
        apiKeyFingerprint: null,
        providerRequestId: null,
        policy: null,
      }),
      makeRecord({
        id: "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5d",
        status: 529,
        usage: { ...base.usage, errorType: null, errorMessage: "x".repeat(500) },
        project: "prøject ✓ 🚀",
        requestModel: "m".repeat(300),
      }),
      makeRecord({
        id: "0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5e",
        status: 402,
        cost: { ...base.cost, totalUsd: 0, inputUsd: 0, outputUsd: 0 },
        policy: { action: "block", id: "budget:daily", message: "over" },
        bytesDown: 6_000_000_000,
      }),
      makeRecord({ id: "not-a-uuid", endpoint: "count_tokens", provider: "google" }),
    ];
    for (const r of records) store.enqueue(r);
    await store.flush();
    return store.exportRowsAfter({ rowid: 0, id: null }, 100, SPAN_COLUMNS).rows;
  } finally {
    await store.close();
    await t.cleanup();
  }
}

/** Values the database does not produce today but the encoder must still get right. */
function oddSpans(row: ExportRow): CallSpan[] {
  return [
    { ...callSpan(row), startMs: 1_750_000_000_000.25, endMs: 1_750_000_000_999.999 },
    { ...callSpan(row), attributes: ["neg", -5, "big", 2 ** 53, "frac", 0.1, "no", false] },
    { ...callSpan(row), attributes: [], name: "", startMs: 0, endMs: 4_102_444_800_000 },
  ];
}

function sdkBytes(spans: CallSpan[]): Uint8Array {
  const resource = resourceFromAttributes(RESOURCE);
  const bytes = ProtobufTraceSerializer.serializeRequest(
    spans.map((s) => toSdkSpan(s, resource, SCOPE)),
  );
  assert.ok(bytes);
  return bytes;
}

function ourBytes(spans: CallSpan[], protocol: "http/protobuf" | "http/json"): Uint8Array {
  const batch = createTraceEncoder(protocol, RESOURCE, SCOPE).batch();
  for (const s of spans) batch.add(s);
  assert.equal(batch.count, spans.length);
  return batch.finish();
}

const decode = (bytes: Uint8Array) =>
  TraceRequest.toObject(TraceRequest.decode(bytes), { longs: String, bytes: String });

Deno.test("trace protobuf: the SDK serializer's bytes, decoded alike by the official definitions", async () => {
  const rows = await storedRows();
  assert.equal(rows.length, 5);
  const spans = [...rows.map(callSpan), ...oddSpans(rows[0])];
  const ours = ourBytes(spans, "http/protobuf");
  const sdk = sdkBytes(spans);
  assert.deepEqual(decode(ours), decode(sdk));
  assert.deepEqual(ours, sdk, "byte for byte");

  // One full batch: lengths past 2 bytes (the request) and spans past 127 bytes.
  const many = Array.from({ length: 512 }, (_, i) => callSpan(rows[i % rows.length]));
  assert.deepEqual(ourBytes(many, "http/protobuf"), sdkBytes(many));
});

Deno.test("trace protobuf: what a collector reads back", async () => {
  const rows = await storedRows();
  const msg = TraceRequest.decode(ourBytes(rows.map(callSpan), "http/protobuf"));
  const rs = msg.resourceSpans[0];
  const resource = Object.fromEntries(
    rs.resource.attributes.map((kv: any) => [kv.key, kv.value.stringValue]),
  );
  assert.deepEqual(resource, RESOURCE);
  assert.deepEqual({ ...rs.scopeSpans[0].scope }, { ...SCOPE, attributes: [] });
  const spans = rs.scopeSpans[0].spans;
  assert.equal(spans.length, 5);
  const [full, sparse, failed, blocked, other] = spans;
  const attr = (s: any, key: string) => s.attributes.find((kv: any) => kv.key === key)?.value;
  assert.equal(Buffer.from(full.traceId).toString("hex"), "0199a1b2c3d47e5f8a9b0c1d2e3f4a5b");
  assert.equal(full.kind, 3);
  assert.equal(String(full.startTimeUnixNano), "1750000000000000000");
  assert.equal(String(full.endTimeUnixNano), "1750000001500000000");
  assert.equal(full.status.code, 2, "error.type overloaded_error");
  assert.equal(full.status.message, "Overloaded");
  assert.equal(attr(full, "halton_meter.cost.usd").doubleValue, 0.0125);
  assert.equal(Number(attr(full, "gen_ai.usage.input_tokens").intValue), 1200);
  assert.equal(attr(full, "gen_ai.request.stream").boolValue, true);
  assert.equal(sparse.status.code, 0);
  assert.equal(sparse.name, "chat claude-sonnet-4-5-20250929");
  assert.equal(attr(sparse, "halton_meter.project"), undefined, "absent, not empty");
  assert.equal(attr(sparse, "gen_ai.request.stream"), undefined);
  assert.equal(attr(failed, "halton_meter.project").stringValue, "prøject ✓ 🚀");
  assert.equal(attr(failed, "error.type").stringValue, "529");
  assert.equal(failed.status.message, "x".repeat(500));
  assert.equal(Number(attr(blocked, "halton_meter.cost.usd").intValue), 0, "whole: an int");
  assert.equal(Number(attr(blocked, "halton_meter.bytes_down").intValue), 6_000_000_000);
  assert.equal(attr(blocked, "halton_meter.policy.action").stringValue, "block");
  assert.match(Buffer.from(other.traceId).toString("hex"), /^[0-9a-f]{32}$/);
  assert.equal(other.name, "count_tokens claude-sonnet-4-5");
  assert.equal(attr(other, "gen_ai.provider.name").stringValue, "gcp.gemini");
});

Deno.test("trace JSON: the SDK serializer's document", async () => {
  const rows = await storedRows();
  const spans = [...rows.map(callSpan), ...oddSpans(rows[0])];
  const resource = resourceFromAttributes(RESOURCE);
  const sdk = JsonTraceSerializer.serializeRequest(spans.map((s) => toSdkSpan(s, resource, SCOPE)));
  assert.ok(sdk);
  const text = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b));
  assert.deepEqual(text(ourBytes(spans, "http/json")), text(sdk));
});

Deno.test("trace encoder: batches are independent, an empty one is a valid request", () => {
  const encoder = createTraceEncoder("http/protobuf", RESOURCE, SCOPE);
  const empty = encoder.batch().finish();
  assert.deepEqual(decode(empty).resourceSpans[0].scopeSpans[0].spans ?? [], []);
  assert.equal(encoder.contentType, "application/x-protobuf");
  assert.equal(createTraceEncoder("http/json", RESOURCE, SCOPE).contentType, "application/json");
});
