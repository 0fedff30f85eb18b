import assert from "node:assert/strict";
import { createLeafIssuer, type LeafIssuerDeps } from "./create_leaf_issuer.ts";
import { type CaMaterial, ensureCa } from "./ensure_ca.ts";
import { describeCert } from "./describe_cert.ts";
import { run, testKeyPem, x509Text } from "./_testing.ts";

const DAY = 86_400_000;

async function withCa(fn: (ca: CaMaterial, dir: string) => Promise<void>): Promise<void> {
  const home = await Deno.makeTempDir({ prefix: "halton-leaf-" });
  try {
    const ca = await ensureCa(home, { generateKeyPem: () => Promise.resolve(testKeyPem(0)) });
    await fn(ca, home);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

/** Deps with a pooled leaf key, a settable clock and a mint log. */
function testDeps(start = Date.now()) {
  const clock = { now: start };
  const mints: string[] = [];
  const deps: LeafIssuerDeps = {
    now: () => clock.now,
    generateKeyPem: () => Promise.resolve(testKeyPem(1)),
    onMint: (host) => mints.push(host),
  };
  return { clock, mints, deps };
}

async function verify(dir: string, ca: CaMaterial, certPem: string, extra: string[] = []) {
  const leafPath = await Deno.makeTempFile({ dir, suffix: ".pem" });
  await Deno.writeTextFile(leafPath, certPem);
  return await run("openssl", ["verify", ...extra, "-CAfile", ca.certPath, leafPath]);
}

Deno.test("leaf verifies against the CA, strictly, for sslserver", async () => {
  await withCa(async (ca, dir) => {
    const issuer = createLeafIssuer(ca, testDeps().deps);
    const leaf = await issuer.get("api.anthropic.com");
    const plain = await verify(dir, ca, leaf.certPem);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /: OK/);
    const strict = await verify(dir, ca, leaf.certPem, ["-x509_strict", "-purpose", "sslserver"]);
    assert.equal(strict.code, 0, strict.stderr);
    const named = await verify(dir, ca, leaf.certPem, ["-verify_hostname", "api.anthropic.com"]);
    assert.equal(named.code, 0, named.stderr);
    const wrong = await verify(dir, ca, leaf.certPem, ["-verify_hostname", "api.openai.com"]);
    assert.notEqual(wrong.code, 0);
  });
});

Deno.test("leaf carries the expected extensions, AKI = CA SKI, and validity", async () => {
  await withCa(async (ca, dir) => {
    const { deps, clock } = testDeps();
    const leaf = await createLeafIssuer(ca, deps).get("api.openai.com");
    const text = await x509Text(dir, leaf.certPem);
    assert.match(text, /Subject: CN\s*=\s*api\.openai\.com/);
    assert.match(text, /Issuer: CN\s*=\s*Halton Meter Local CA, O\s*=\s*Halton Meter/);
    assert.match(text, /Signature Algorithm: sha256WithRSAEncryption/);
    assert.match(text, /Public-Key: \(2048 bit\)/);
    assert.match(text, /X509v3 Basic Constraints: critical\s+CA:FALSE/);
    assert.match(text, /X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment/);
    assert.match(text, /X509v3 Extended Key Usage:\s+TLS Web Server Authentication/);
    assert.match(text, /X509v3 Subject Alternative Name:\s+DNS:api\.openai\.com\n/);
    const caText = await x509Text(dir, ca.certPem);
    const caSki = /Subject Key Identifier:\s+([0-9A-F:]+)/.exec(caText)?.[1];
    const leafAki = /Authority Key Identifier:\s+(?:keyid:)?([0-9A-F:]+)/.exec(text)?.[1];
    const leafSki = /Subject Key Identifier:\s+([0-9A-F:]+)/.exec(text)?.[1];
    assert.ok(caSki);
    assert.equal(leafAki, caSki);
    assert.notEqual(leafSki, caSki);
    const info = describeCert(leaf.certPem);
    assert.equal(info.notBefore.getTime(), Math.floor((clock.now - DAY) / 1000) * 1000);
    assert.equal(info.notAfter.getTime(), Math.floor((clock.now + 30 * DAY) / 1000) * 1000);
    assert.equal(leaf.notAfter.getTime(), clock.now + 30 * DAY);
    assert.notEqual(info.serialHex, describeCert(ca.certPem).serialHex);
  });
});

Deno.test("IP literals get an IP SAN, names a DNS SAN; hosts are normalized", async () => {
  await withCa(async (ca, dir) => {
    const { deps, mints } = testDeps();
    const issuer = createLeafIssuer(ca, deps);
    const cases: [string, RegExp][] = [
      ["127.0.0.1", /Subject Alternative Name:\s+IP Address:127\.0\.0\.1\n/],
      ["::1", /Subject Alternative Name:\s+IP Address:0:0:0:0:0:0:0:1\n/],
      ["[2001:DB8::ff:1]", /Subject Alternative Name:\s+IP Address:2001:DB8:0:0:0:0:FF:1\n/],
      ["::ffff:10.1.2.3", /Subject Alternative Name:\s+IP Address:0:0:0:0:0:FFFF:A01:203\n/],
      ["localhost", /Subject Alternative Name:\s+DNS:localhost\n/],
      ["1-2.example", /Subject Alternative Name:\s+DNS:1-2\.example\n/],
    ];
    for (const [host, san] of cases) {
      const text = await x509Text(dir, (await issuer.get(host)).certPem);
      assert.match(text, san, host);
    }
    const upper = await issuer.get("API.Example.COM.");
    assert.equal(upper.host, "api.example.com");
    assert.equal(await issuer.get("api.example.com"), upper);
    assert.equal(mints.filter((h) => h === "api.example.com").length, 1);
    const ip = await issuer.get("127.0.0.1");
    const ipCheck = await verify(dir, ca, ip.certPem, ["-verify_ip", "127.0.0.1"]);
    assert.equal(ipCheck.code, 0, ipCheck.stderr);
  });
});

Deno.test("long host names keep the full SAN and a 64-character CN", async () => {
  await withCa(async (ca, dir) => {
    const host = `${"a".repeat(60)}.${"b".repeat(60)}.example`;
    const leaf = await createLeafIssuer(ca, testDeps().deps).get(host);
    const info = describeCert(leaf.certPem);
    assert.equal(info.subjectCommonName, host.slice(0, 64));
    assert.ok((await x509Text(dir, leaf.certPem)).includes(`DNS:${host}`));
    const res = await verify(dir, ca, leaf.certPem, ["-verify_hostname", host]);
    assert.equal(res.code, 0, res.stderr);
  });
});

Deno.test("invalid host names are rejected with the value in the message", async () => {
  await withCa(async (ca) => {
    const { deps, mints } = testDeps();
    const issuer = createLeafIssuer(ca, deps);
    for (
      const bad of [
        "",
        "  ",
        ".",
        "a..b",
        "foo bar",
        "*.example.com",
        "-a.example",
        "é.example",
        "fe80::1%eth0",
        `${"x".repeat(64)}.com`,
      ]
    ) {
      await assert.rejects(() => issuer.get(bad), (err: unknown) => {
        assert.ok(err instanceof Error);
        assert.match(err.message, /^Cannot issue a certificate for/);
        if (bad.trim() !== "" && bad !== ".") {
          assert.ok(err.message.includes(JSON.stringify(bad)), err.message);
        }
        return true;
      }, bad);
    }
    assert.deepEqual(mints, []);
  });
});

Deno.test("20 concurrent requests for a new host mint once and share one object", async () => {
  await withCa(async (ca) => {
    const { deps, mints } = testDeps();
    const issuer = createLeafIssuer(ca, deps);
    const leaves = await Promise.all(Array.from({ length: 20 }, () => issuer.get("a.example")));
    assert.deepEqual(mints, ["a.example"]);
    for (const leaf of leaves) assert.equal(leaf, leaves[0]);
    assert.equal(issuer.size, 1);
  });
});

Deno.test("all hosts share one leaf key, generated once", async () => {
  await withCa(async (ca) => {
    let keygens = 0;
    const issuer = createLeafIssuer(ca, {
      generateKeyPem: () => {
        keygens++;
        return Promise.resolve(testKeyPem(1));
      },
    });
    const [a, b] = await Promise.all([issuer.get("a.example"), issuer.get("b.example")]);
    const c = await issuer.get("c.example");
    assert.equal(keygens, 1);
    assert.equal(a.keyPem, b.keyPem);
    assert.equal(a.keyPem, c.keyPem);
    assert.notEqual(a.certPem, b.certPem);
  });
});

Deno.test("a failed leaf keygen is retried on the next request", async () => {
  await withCa(async (ca) => {
    let calls = 0;
    const issuer = createLeafIssuer(ca, {
      generateKeyPem: () => {
        calls++;
        return calls === 1
          ? Promise.reject(new Error("entropy gone"))
          : Promise.resolve(testKeyPem(1));
      },
    });
    await assert.rejects(() => issuer.get("a.example"), /entropy gone/);
    assert.equal((await issuer.get("a.example")).host, "a.example");
    assert.equal(calls, 2);
  });
});

Deno.test("the LRU evicts the least recently used host", async () => {
  await withCa(async (ca) => {
    const { deps, mints } = testDeps();
    const issuer = createLeafIssuer(ca, deps, { maxEntries: 2 });
    const a1 = await issuer.get("a.example");
    await issuer.get("b.example");
    assert.equal(await issuer.get("a.example"), a1); // refreshes a; b is now oldest
    await issuer.get("c.example"); // evicts b
    assert.equal(issuer.size, 2);
    assert.equal(await issuer.get("a.example"), a1);
    assert.deepEqual(mints, ["a.example", "b.example", "c.example"]);
    await issuer.get("b.example"); // re-minted, evicts c
    assert.deepEqual(mints, ["a.example", "b.example", "c.example", "b.example"]);
    await issuer.get("a.example");
    assert.equal(mints.length, 4);
  });
});

Deno.test("a leaf is re-minted once within the renewal margin of expiry", async () => {
  await withCa(async (ca) => {
    const { deps, clock, mints } = testDeps();
    const issuer = createLeafIssuer(ca, deps, { validityDays: 30, renewMarginMs: 2 * DAY });
    const first = await issuer.get("a.example");
    clock.now += 28 * DAY - 1;
    assert.equal(await issuer.get("a.example"), first);
    clock.now += 2;
    const renewed = await issuer.get("a.example");
    assert.notEqual(renewed, first);
    assert.ok(renewed.notAfter > first.notAfter);
    assert.notEqual(describeCert(renewed.certPem).serialHex, describeCert(first.certPem).serialHex);
    assert.equal(await issuer.get("a.example"), renewed);
    assert.deepEqual(mints, ["a.example", "a.example"]);
  });
});

Deno.test("a failed renewal serves the cached leaf until it really expires", async () => {
  await withCa(async (ca) => {
    const { deps, clock } = testDeps();
    let failing = false;
    const issuer = createLeafIssuer(ca, {
      ...deps,
      onMint: () => {
        if (failing) throw new Error("signing broke");
      },
    });
    const first = await issuer.get("a.example");
    failing = true;
    clock.now += 29 * DAY; // inside the renewal margin, still valid
    assert.equal(await issuer.get("a.example"), first);
    clock.now += 2 * DAY; // past notAfter
    await assert.rejects(() => issuer.get("a.example"), /signing broke/);
    failing = false;
    assert.notEqual(await issuer.get("a.example"), first);
  });
});

Deno.test("a leaf never outlives its CA", async () => {
  await withCa(async (ca) => {
    const caNotAfter = describeCert(ca.certPem).notAfter.getTime();
    const { deps } = testDeps(caNotAfter - 10 * DAY);
    const leaf = await createLeafIssuer(ca, deps).get("a.example");
    assert.equal(leaf.notAfter.getTime(), caNotAfter);
  });
});

Deno.test("getSecureContext caches one context per leaf", async () => {
  await withCa(async (ca) => {
    const { deps, clock } = testDeps();
    const issuer = createLeafIssuer(ca, deps);
    const ctx = await issuer.getSecureContext("a.example");
    assert.equal(await issuer.getSecureContext("A.example"), ctx);
    clock.now += 29 * DAY;
    assert.notEqual(await issuer.getSecureContext("a.example"), ctx);
    await new Promise<void>((resolve, reject) =>
      issuer.sniCallback("bad name", (err) => {
        try {
          assert.ok(err instanceof Error);
          assert.match(err.message, /bad name/);
          resolve();
        } catch (e) {
          reject(e);
        }
      })
    );
  });
});

Deno.test("createLeafIssuer rejects a margin longer than the validity", async () => {
  await withCa((ca) => {
    assert.throws(
      () => createLeafIssuer(ca, {}, { validityDays: 1, renewMarginMs: 2 * DAY }),
      /must exceed the renewal margin/,
    );
    return Promise.resolve();
  });
});
