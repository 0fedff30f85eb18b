import assert from "node:assert/strict";
import {
  type BodyFraming,
  createBodyFramer,
  requestFraming,
  responseFraming,
} from "./create_body_framer.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Feeds `bytes` in the given pieces; returns used bytes, payload text and done. */
function feed(framing: BodyFraming, bytes: Uint8Array, cuts: number[]) {
  const f = createBodyFramer(framing);
  let used = 0;
  let payload = "";
  let done = false;
  let start = 0;
  for (const end of [...cuts, bytes.length]) {
    if (done) break;
    const r = f.push(bytes.subarray(start, end));
    if ("kind" in r) return { error: r.message };
    used += r.used;
    payload += r.payload.map((p) => dec.decode(p)).join("");
    done = r.done;
    if (r.used < end - start) break; // the rest belongs to the next message
    start = end;
  }
  return { used, payload, done };
}

function rng(seed: number) {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

Deno.test("createBodyFramer: chunked, at every split point and at random ones", () => {
  const body = "5\r\nhello\r\n1;ext=1\r\n \r\nB\r\n, world!!!!\r\n0\r\nx-trailer: 1\r\n\r\n";
  const next = "POST /next HTTP/1.1\r\n\r\n";
  const bytes = enc.encode(body + next);
  const want = { used: enc.encode(body).length, payload: "hello , world!!!!", done: true };
  assert.deepEqual(feed({ kind: "chunked" }, bytes, []), want);
  for (let i = 1; i < bytes.length; i++) {
    assert.deepEqual(feed({ kind: "chunked" }, bytes, [i]), want, `split at ${i}`);
  }
  const r = rng(42);
  for (let n = 0; n < 300; n++) {
    const cuts = Array.from(
      { length: 1 + Math.floor(r() * 8) },
      () => Math.floor(r() * bytes.length),
    )
      .sort((a, b) => a - b);
    assert.deepEqual(feed({ kind: "chunked" }, bytes, cuts), want, `cuts ${cuts}`);
  }
  // one byte at a time
  assert.deepEqual(
    feed({ kind: "chunked" }, bytes, Array.from({ length: bytes.length }, (_, i) => i + 1)),
    want,
  );
});

Deno.test("createBodyFramer: chunked without trailers, incomplete, and malformed", () => {
  assert.deepEqual(feed({ kind: "chunked" }, enc.encode("3\r\nabc\r\n0\r\n\r\n"), [5]), {
    used: 13,
    payload: "abc",
    done: true,
  });
  assert.deepEqual(feed({ kind: "chunked" }, enc.encode("3\r\nabc\r\n"), []), {
    used: 8,
    payload: "abc",
    done: false,
  });
  assert.match(feed({ kind: "chunked" }, enc.encode("zz\r\n"), []).error!, /bad chunk size/);
  assert.match(feed({ kind: "chunked" }, enc.encode("3\r\nabcX"), []).error!, /CRLF/);
  assert.match(
    feed({ kind: "chunked" }, enc.encode("1".repeat(5000)), []).error!,
    /exceeds/,
  );
  // Random garbage never throws.
  const r = rng(7);
  for (let n = 0; n < 500; n++) {
    const junk = Uint8Array.from({ length: Math.floor(r() * 64) }, () => Math.floor(r() * 256));
    feed({ kind: "chunked" }, junk, [Math.floor(r() * junk.length)]);
  }
});

Deno.test("createBodyFramer: length, none, close", () => {
  const bytes = enc.encode("0123456789NEXT");
  assert.deepEqual(feed({ kind: "length", length: 10 }, bytes, [3, 7]), {
    used: 10,
    payload: "0123456789",
    done: true,
  });
  assert.deepEqual(feed({ kind: "none" }, bytes, []), { used: 0, payload: "", done: true });
  assert.deepEqual(feed({ kind: "close" }, bytes, [4]), {
    used: 14,
    payload: "0123456789NEXT",
    done: false,
  });
});

Deno.test("requestFraming / responseFraming follow RFC 9112 §6.3", () => {
  const h = (...kv: string[]) => {
    const out: [string, string][] = [];
    for (let i = 0; i < kv.length; i += 2) out.push([kv[i], kv[i + 1]]);
    return out;
  };
  assert.deepEqual(requestFraming(h("Content-Length", "12")), { kind: "length", length: 12 });
  assert.deepEqual(requestFraming(h("content-length", "0")), { kind: "none" });
  assert.deepEqual(requestFraming(h()), { kind: "none" });
  assert.deepEqual(requestFraming(h("Transfer-Encoding", "chunked")), { kind: "chunked" });
  assert.equal(requestFraming(h("Transfer-Encoding", "gzip")).kind, "error");
  assert.equal(requestFraming(h("content-length", "5", "content-length", "6")).kind, "error");
  assert.equal(requestFraming(h("content-length", "-1")).kind, "error");
  assert.deepEqual(requestFraming(h("content-length", "7, 7")), { kind: "length", length: 7 });

  assert.deepEqual(responseFraming(h("content-length", "9"), "GET", 200), {
    kind: "length",
    length: 9,
  });
  assert.deepEqual(responseFraming(h("content-length", "9"), "HEAD", 200), { kind: "none" });
  assert.deepEqual(responseFraming(h(), "GET", 204), { kind: "none" });
  assert.deepEqual(responseFraming(h(), "GET", 304), { kind: "none" });
  assert.deepEqual(responseFraming(h(), "GET", 103), { kind: "none" });
  assert.deepEqual(responseFraming(h(), "GET", 200), { kind: "close" });
  assert.deepEqual(responseFraming(h("transfer-encoding", "gzip, chunked"), "POST", 200), {
    kind: "chunked",
  });
  assert.deepEqual(responseFraming(h("transfer-encoding", "gzip"), "POST", 200), {
    kind: "close",
  });
});
