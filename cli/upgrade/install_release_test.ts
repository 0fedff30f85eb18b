import assert from "node:assert/strict";
import { publish, standIn, startFakeRelease } from "../../tests/_support/fake_release.ts";
import { installRelease, type InstallReleaseOptions } from "./install_release.ts";

const T = "x86_64-unknown-linux-gnu" as const;

async function bed() {
  const dir = await Deno.makeTempDir({ prefix: "hm-upgrade-" });
  const release = startFakeRelease();
  await publish(release, "1.0.0", { [T]: standIn("1.0.0", T) });
  await publish(release, "1.1.0", {
    [T]: standIn("1.1.0", T),
    "x86_64-pc-windows-msvc": "MZ 1.1.0",
  }, { latest: true });
  await publish(release, "1.2.0", { [T]: standIn("1.2.0", T) }, {
    sums: (s) => s.replace(/^[0-9a-f]{4}/, "ffff"),
  });
  const dest = `${dir}/bin/halton-meter`;
  const opts = (o: Partial<InstallReleaseOptions> = {}): InstallReleaseOptions => ({
    releaseUrl: release.url,
    target: T,
    dest,
    os: "linux",
    ...o,
  });
  const ran: string[] = [];
  const deps = (runs: string | null = null) => ({
    fetch,
    tryRun: (path: string) => (ran.push(path), Promise.resolve(runs)),
  });
  const left = () => [...Deno.readDirSync(`${dir}/bin`)].map((e) => e.name).sort();
  return {
    dest,
    opts,
    deps,
    ran,
    left,
    async close() {
      await release.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.test("installRelease: the latest, then nothing to do, then a pinned version by one rename", async () => {
  const b = await bed();
  try {
    const first = await installRelease(b.opts(), b.deps());
    assert.deepEqual(first, { kind: "installed", version: "1.1.0", dest: b.dest });
    assert.equal(await Deno.readTextFile(b.dest), standIn("1.1.0", T));
    assert.equal((await Deno.stat(b.dest)).mode! & 0o777, 0o755);
    assert.equal(b.ran.length, 1, "the new binary is tried before it is put in place");
    assert.deepEqual(b.left(), ["halton-meter"]);

    const again = await installRelease(b.opts(), b.deps());
    assert.deepEqual(again, { kind: "current", version: "1.1.0", dest: b.dest });

    const ino = (await Deno.stat(b.dest)).ino;
    const pinned = await installRelease(b.opts({ version: "v1.0.0" }), b.deps());
    assert.equal(pinned.kind, "installed");
    assert.equal(await Deno.readTextFile(b.dest), standIn("1.0.0", T));
    assert.notEqual((await Deno.stat(b.dest)).ino, ino);
  } finally {
    await b.close();
  }
});

Deno.test("installRelease: every failure says why and leaves the installed binary as it was", async () => {
  const b = await bed();
  try {
    await installRelease(b.opts({ version: "1.0.0" }), b.deps());
    const cases: [Partial<InstallReleaseOptions>, string | null, RegExp][] = [
      [
        { version: "1.2.0" },
        null,
        /^checksum mismatch for halton-meter-1\.2\.0-x86_64-unknown-linux-gnu: SHA256SUMS says ffff[0-9a-f]{60}, the download is [0-9a-f]{64}; nothing was installed$/,
      ],
      [
        { version: "1.0.0", target: "aarch64-apple-darwin" },
        null,
        /^the release at http:.*\/download\/v1\.0\.0 has no build for aarch64-apple-darwin$/,
      ],
      [
        { version: "9.9.9" },
        null,
        /^cannot download http:.*\/v9\.9\.9\/SHA256SUMS: HTTP 404 \(is 9\.9\.9 a released version\?\)$/,
      ],
      [
        {},
        "--version exited 126",
        /^the downloaded halton-meter 1\.1\.0 does not run here \(x86_64-unknown-linux-gnu\): --version exited 126; nothing was installed$/,
      ],
      [
        { releaseUrl: "http://127.0.0.1:9/releases" },
        null,
        /^cannot download http:\/\/127\.0\.0\.1:9\/releases\/latest\/download\/SHA256SUMS: .+/,
      ],
    ];
    for (const [o, runs, expected] of cases) {
      const r = await installRelease(b.opts(o), b.deps(runs));
      assert.equal(r.kind, "failed");
      assert.match(r.kind === "failed" ? r.reason : "", expected);
      assert.equal(await Deno.readTextFile(b.dest), standIn("1.0.0", T));
      assert.deepEqual(b.left(), ["halton-meter"], "no temporary file left");
    }
  } finally {
    await b.close();
  }
});

Deno.test("installRelease on Windows: the running .exe moves aside, the new one takes its name", async () => {
  const b = await bed();
  try {
    const dest = b.dest.replace(/halton-meter$/, "halton-meter.exe");
    await Deno.mkdir(dest.slice(0, dest.lastIndexOf("/")), { recursive: true });
    await Deno.writeTextFile(dest, "MZ old");
    const r = await installRelease(
      b.opts({ dest, os: "windows", target: "x86_64-pc-windows-msvc" }),
      b.deps(),
    );
    assert.deepEqual(r, { kind: "installed", version: "1.1.0", dest });
    assert.equal(await Deno.readTextFile(dest), "MZ 1.1.0");
    assert.equal(await Deno.readTextFile(`${dest}.old`), "MZ old");
  } finally {
    await b.close();
  }
});
