/**
 * `ExportTraceServiceRequest` in protobuf, written by hand for the one shape we send: one
 * resource, one scope, spans with string/int/double/bool attributes. Field numbers and types
 * from the official definitions (opentelemetry-proto v1: collector/trace/v1/trace_service.proto,
 * trace/v1/trace.proto, common/v1/common.proto, resource/v1/resource.proto); the bytes are the
 * ones `@opentelemetry/otlp-transformer`'s serializer writes for the same spans, which a test
 * checks (otlp_trace_body_test.ts), so collectors see no difference.
 *
 * The resource and scope are encoded once per exporter; span bytes go straight into one buffer,
 * and the request's header (whose lengths depend on the spans) is written in front of them last.
 */
import {
  int64Size,
  ProtobufWriter,
  putVarint32,
  varintSize,
  WIRE_FIXED32,
  WIRE_FIXED64,
  WIRE_LEN,
  WIRE_VARINT,
} from "./_protobuf_writer.ts";
import { type AttributeList, type CallSpan, type Scope, SPAN_KIND_CLIENT } from "./call_span.ts";

// ExportTraceServiceRequest.resource_spans = 1; ResourceSpans.resource = 1, .scope_spans = 2;
// ScopeSpans.scope = 1, .spans = 2.
const RESOURCE_SPANS = 1;
const RESOURCE = 1;
const SCOPE_SPANS = 2;
const SCOPE = 1;
const SPANS = 2;
// Resource.attributes = 1, .dropped_attributes_count = 2; InstrumentationScope.name = 1, .version = 2.
const RESOURCE_ATTRIBUTES = 1;
const RESOURCE_DROPPED = 2;
const SCOPE_NAME = 1;
const SCOPE_VERSION = 2;
// Span.
const TRACE_ID = 1;
const SPAN_ID = 2;
const NAME = 5;
const KIND = 6;
const START_TIME = 7;
const END_TIME = 8;
const ATTRIBUTES = 9;
const DROPPED_ATTRIBUTES = 10;
const DROPPED_EVENTS = 12;
const DROPPED_LINKS = 14;
const STATUS = 15;
const FLAGS = 16;
// Status.message = 2, .code = 3.
const STATUS_MESSAGE = 2;
const STATUS_CODE = 3;
// KeyValue.key = 1, .value = 2; AnyValue.string_value = 1, bool_value = 2, int_value = 3,
// double_value = 4.
const KEY = 1;
const VALUE = 2;
const STRING_VALUE = 1;
const BOOL_VALUE = 2;
const INT_VALUE = 3;
const DOUBLE_VALUE = 4;
/**
 * W3C trace flags `sampled` (0x01) and SpanFlags' `CONTEXT_HAS_IS_REMOTE` (0x100) with
 * `CONTEXT_IS_REMOTE` clear: our spans are roots, with no remote parent.
 */
const SPAN_FLAGS = 0x101;

const MIN_INT64 = -(2 ** 63);
const MAX_INT64 = 2 ** 63;

/** A span's length is reserved as 2 bytes (128 B to 16 KiB); others shift on the rare miss. */
const SPAN_LENGTH_RESERVE = 2;

/** Epoch ms as fixed64 nanoseconds, exactly: the same split into seconds and nanoseconds as before. */
export function writeNanos(w: ProtobufWriter, ms: number): void {
  const s = Math.floor(ms / 1000);
  const n = Math.round((ms - s * 1000) * 1e6);
  // s * 1e9 + n overflows 2^53: split s into 16-bit halves so every product stays exact.
  const sHigh = Math.floor(s / 65536);
  const a = sHigh * 1e9; // times 2^16
  const b = (s - sHigh * 65536) * 1e9 + n;
  const aHigh = Math.floor(a / 65536);
  const low = (a - aHigh * 65536) * 65536 + (b % 4294967296);
  const carry = Math.floor(low / 4294967296);
  w.fixed64(low - carry * 4294967296, aHigh + Math.floor(b / 4294967296) + carry);
}

function hexDigit(c: number): number {
  return c <= 57 ? c - 48 : (c | 0x20) - 87; // 0-9, a-f, A-F
}

/** A `bytes` field from hex digits. */
function writeHexBytes(w: ProtobufWriter, field: number, hex: string): void {
  const n = hex.length >> 1;
  w.tag(field, WIRE_LEN);
  w.varint(n);
  const buf = w.reserve(n);
  let p = w.pos;
  for (let i = 0; i < hex.length; i += 2) {
    buf[p++] = (hexDigit(hex.charCodeAt(i)) << 4) | hexDigit(hex.charCodeAt(i + 1));
  }
  w.pos = p;
}

/**
 * What comes before a `KeyValue`'s value, the same for every value of a key: `key` (tag, length,
 * UTF-8) and the tag of `value`. Encoded once per key: the same few dozen are in every span.
 */
function keyPrefixes(): (key: string) => Uint8Array {
  const cache = new Map<string, Uint8Array>();
  return (key) => {
    let bytes = cache.get(key);
    if (bytes === undefined) {
      const w = new ProtobufWriter(key.length * 3 + 8);
      w.tag(KEY, WIRE_LEN);
      w.string(key);
      w.tag(VALUE, WIRE_LEN);
      bytes = w.finish().slice();
      cache.set(key, bytes);
    }
    return bytes;
  };
}

/**
 * One `KeyValue` in `field` (a one-byte tag): string, bool, int64 for whole numbers, else double.
 * Lengths are known before the value is written, so nothing is moved afterwards; a string is
 * assumed ASCII and written again, encoded, if it is not.
 */
function writeKeyValue(
  w: ProtobufWriter,
  tag: number,
  prefix: Uint8Array,
  value: string | number | boolean,
): void {
  let any: number;
  let bytes: Uint8Array | null = null;
  const int = typeof value === "number" && Number.isInteger(value) && value >= MIN_INT64 &&
    value < MAX_INT64;
  if (typeof value === "string") {
    any = 1 + varintSize(value.length) + value.length;
  } else if (typeof value === "boolean") {
    any = 2;
  } else if (int) {
    any = 1 + int64Size(value);
  } else {
    any = 9;
  }
  for (;;) {
    const kv = prefix.length + varintSize(any) + any;
    const start = w.pos;
    const buf = w.reserve(kv + 6);
    let p = start;
    buf[p++] = tag;
    p = putVarint32(buf, p, kv);
    for (let i = 0; i < prefix.length; i++) buf[p++] = prefix[i];
    p = putVarint32(buf, p, any);
    if (typeof value === "string") {
      buf[p++] = STRING_VALUE * 8 + WIRE_LEN;
      if (bytes !== null) {
        p = putVarint32(buf, p, bytes.length);
        buf.set(bytes, p);
        w.pos = p + bytes.length;
        return;
      }
      const n = value.length;
      p = putVarint32(buf, p, n);
      let ascii = true;
      for (let i = 0; i < n; i++) {
        const c = value.charCodeAt(i);
        if (c > 0x7f) {
          ascii = false;
          break;
        }
        buf[p++] = c;
      }
      if (ascii) {
        w.pos = p;
        return;
      }
      // Not ASCII: again, with the UTF-8 bytes and their length.
      bytes = new TextEncoder().encode(value);
      any = 1 + varintSize(bytes.length) + bytes.length;
      w.pos = start;
      continue;
    }
    if (typeof value === "boolean") {
      buf[p++] = BOOL_VALUE * 8 + WIRE_VARINT;
      buf[p++] = value ? 1 : 0;
      w.pos = p;
    } else if (int) {
      // As the SDK's serializer does: a whole number is an int, even a cost of exactly 0.
      buf[p++] = INT_VALUE * 8 + WIRE_VARINT;
      w.pos = p;
      w.varint(value);
    } else {
      buf[p++] = DOUBLE_VALUE * 8 + WIRE_FIXED64;
      w.pos = p;
      w.double(value);
    }
    return;
  }
}

/** Repeated `KeyValue`s in `field` (a field number below 16). */
function writeAttributes(
  w: ProtobufWriter,
  field: number,
  list: AttributeList,
  prefixOf: (key: string) => Uint8Array,
): void {
  const tag = field * 8 + WIRE_LEN;
  for (let i = 0; i < list.length; i += 2) {
    writeKeyValue(w, tag, prefixOf(list[i] as string), list[i + 1]);
  }
}

export interface TraceBatch {
  add(span: CallSpan): void;
  /** Spans added. */
  readonly count: number;
  /** The request; the batch is not to be used after. */
  finish(): Uint8Array;
}

export interface ProtobufTraceEncoder {
  batch(): TraceBatch;
}

export function createProtobufTraceEncoder(
  resource: Record<string, string>,
  scope: Scope,
): ProtobufTraceEncoder {
  const keyBytes = keyPrefixes();
  const head = new ProtobufWriter(1024);
  head.tag(RESOURCE, WIRE_LEN);
  const r = head.begin();
  const attributes: AttributeList = [];
  for (const [k, v] of Object.entries(resource)) attributes.push(k, v);
  writeAttributes(head, RESOURCE_ATTRIBUTES, attributes, keyBytes);
  head.tag(RESOURCE_DROPPED, WIRE_VARINT);
  head.varint(0);
  head.end(r);
  const resourceField = head.finish().slice();
  const s = new ProtobufWriter(256);
  s.tag(SCOPE, WIRE_LEN);
  const m = s.begin();
  s.tag(SCOPE_NAME, WIRE_LEN);
  s.string(scope.name);
  if (scope.version) {
    s.tag(SCOPE_VERSION, WIRE_LEN);
    s.string(scope.version);
  }
  s.end(m);
  const scopeField = s.finish().slice();
  // Room in front of the spans for: tag, length (<= 5), resource, tag, length, scope.
  const headroom = resourceField.length + scopeField.length + 12;

  // Each batch starts at about the size of the last, so its buffer is seldom grown (copied).
  let lastSize = 64 * 1024;
  return {
    batch() {
      const w = new ProtobufWriter(Math.ceil(lastSize * 1.1), headroom);
      let count = 0;
      return {
        get count() {
          return count;
        },
        add(span) {
          count++;
          w.tag(SPANS, WIRE_LEN);
          const at = w.begin(SPAN_LENGTH_RESERVE);
          writeHexBytes(w, TRACE_ID, span.traceId);
          writeHexBytes(w, SPAN_ID, span.spanId);
          w.tag(NAME, WIRE_LEN);
          w.string(span.name);
          w.tag(KIND, WIRE_VARINT);
          w.varint(SPAN_KIND_CLIENT);
          w.tag(START_TIME, WIRE_FIXED64);
          writeNanos(w, span.startMs);
          w.tag(END_TIME, WIRE_FIXED64);
          writeNanos(w, span.endMs);
          writeAttributes(w, ATTRIBUTES, span.attributes, keyBytes);
          // Zero counts are written as the SDK's serializer writes them (decoders read 0 either way).
          w.tag(DROPPED_ATTRIBUTES, WIRE_VARINT);
          w.varint(0);
          w.tag(DROPPED_EVENTS, WIRE_VARINT);
          w.varint(0);
          w.tag(DROPPED_LINKS, WIRE_VARINT);
          w.varint(0);
          w.tag(STATUS, WIRE_LEN);
          const st = w.begin();
          if (span.statusMessage !== "") {
            w.tag(STATUS_MESSAGE, WIRE_LEN);
            w.string(span.statusMessage);
          }
          w.tag(STATUS_CODE, WIRE_VARINT);
          w.varint(span.statusCode);
          w.end(st);
          w.tag(FLAGS, WIRE_FIXED32);
          w.fixed32(SPAN_FLAGS);
          w.end(at);
        },
        finish() {
          const spansLength = w.pos - headroom;
          const scopeSpans = scopeField.length + spansLength;
          const resourceSpans = resourceField.length + 1 + varintSize(scopeSpans) + scopeSpans;
          const h = new ProtobufWriter(headroom);
          h.tag(RESOURCE_SPANS, WIRE_LEN);
          h.varint(resourceSpans);
          h.raw(resourceField);
          h.tag(SCOPE_SPANS, WIRE_LEN);
          h.varint(scopeSpans);
          h.raw(scopeField);
          lastSize = Math.max(64 * 1024, w.pos);
          return w.prepend(headroom, h.finish());
        },
      };
    },
  };
}
