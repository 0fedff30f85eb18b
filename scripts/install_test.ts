/**
 * install.sh against a release server on loopback (stand-in executables), under dash, bash and
 * bash --posix (macOS's /bin/sh), as an unprivileged user (root drops to nobody): the OS and
 * CPU are faked with a `uname` on PATH, and PATH holds exactly the tools a case allows.
 * Every failure must stop with its message and leave an installed binary as it was.
 */
import assert from "node:assert/strict";
import { DEFAULT_RELEASE_URL } from "../core/mod.ts";
import {
  type FakeRelease,
  publish,
  standIn,
  startFakeRelease,
} from "../tests/_support/fake_release.ts";

const SCRIPT = new URL("./install.sh", import.meta.url).pathname;
const ROOT_USER = Deno.uid() === 0;
const NOBODY = 65534;
const dec = new TextDecoder();

const SHELLS = [
  { name: "dash", argv: ["/usr/bin/dash"] },
  { name: "bash", argv: ["/usr/bin/bash"] },
  { name: "bash --posix", argv: ["/usr/bin/bash", "--posix"] },
];
type Shell = typeof SHELLS[number];

const BASE_TOOLS = [
  "grep",
  "cut",
  "head",
  "mkdir",
  "mktemp",
  "mv",
  "chmod",
  "rm",
  "ldd",
  "curl",
  "wget",
  "sha256sum",
  "shasum",
];

async function which(name: string): Promise<string> {
  const out = await new Deno.Command("sh", { args: ["-c", `command -v ${name}`], stdout: "piped" })
    .output();
  const path = dec.decode(out.stdout).trim();
  assert.ok(out.success && path.startsWith("/"), `${name} is not installed`);
  return path;
}

interface Bed {
  dir: string;
  home: string;
  release: FakeRelease;
  /** The PATH a case gets: `tools` symlinked, uname faked as `os`/`arch`. */
  tools(os: string, arch: string, without?: string[]): Promise<string>;
  install(
    shell: Shell,
    path: string,
    args?: string[],
    opts?: { stdin?: boolean; env?: Record<string, string> },
  ): Promise<{ code: number; stdout: string; stderr: string }>;
  /** A directory the installer's user owns. */
  ownDir(path: string): Promise<string>;
  close(): Promise<void>;
}

async function makeBed(): Promise<Bed> {
  const dir = await Deno.makeTempDir({ prefix: "hm-install-" });
  await Deno.chmod(dir, 0o755);
  const release = startFakeRelease();
  const script = `${dir}/install.sh`;
  await Deno.copyFile(SCRIPT, script);
  await Deno.chmod(script, 0o644);
  const ownDir = async (path: string) => {
    await Deno.mkdir(path, { recursive: true });
    if (ROOT_USER) await Deno.chown(path, NOBODY, NOBODY);
    return path;
  };
  const home = await ownDir(`${dir}/home`);
  let n = 0;
  return {
    dir,
    home,
    release,
    ownDir,
    async tools(os, arch, without = []) {
      const bin = `${dir}/tools-${n++}`;
      await Deno.mkdir(bin);
      for (const t of BASE_TOOLS.filter((t) => !without.includes(t))) {
        await Deno.symlink(await which(t), `${bin}/${t}`);
      }
      await Deno.writeTextFile(
        `${bin}/uname`,
        `#!/bin/sh\ncase "$1" in -s) echo ${os} ;; -m) echo ${arch} ;; *) exit 1 ;; esac\n`,
        { mode: 0o755 },
      );
      return bin;
    },
    async install(shell, path, args = [], opts = {}) {
      const run = opts.stdin
        ? [...shell.argv, "-s", "--", ...args]
        : [...shell.argv, script, ...args];
      const argv = ROOT_USER
        ? [
          await which("setpriv"),
          `--reuid=${NOBODY}`,
          `--regid=${NOBODY}`,
          "--clear-groups",
          "--",
          ...run,
        ]
        : run;
      const child = new Deno.Command(argv[0], {
        args: argv.slice(1),
        cwd: dir,
        clearEnv: true,
        env: {
          HOME: home,
          PATH: path,
          SHELL: "/bin/bash",
          HALTON_METER_RELEASE_URL: release.url,
          ...opts.env,
        },
        stdin: opts.stdin ? "piped" : "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      if (opts.stdin) {
        const w = child.stdin.getWriter();
        await w.write(await Deno.readFile(script));
        await w.close();
      }
      const out = await child.output();
      return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
    },
    async close() {
      await release.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Releases 1.0.0 (four targets) and 1.1.0, the latest, without an Intel macOS build. */
async function publishReleases(bed: Bed): Promise<void> {
  await publish(bed.release, "1.0.0", {
    "x86_64-unknown-linux-gnu": standIn("1.0.0", "x86_64-unknown-linux-gnu"),
    "aarch64-unknown-linux-gnu": standIn("1.0.0", "aarch64-unknown-linux-gnu"),
    "x86_64-apple-darwin": standIn("1.0.0", "x86_64-apple-darwin"),
    "aarch64-apple-darwin": standIn("1.0.0", "aarch64-apple-darwin"),
  });
  await publish(bed.release, "1.1.0", {
    "x86_64-unknown-linux-gnu": standIn("1.1.0", "x86_64-unknown-linux-gnu"),
    "aarch64-unknown-linux-gnu": standIn("1.1.0", "aarch64-unknown-linux-gnu"),
    "aarch64-apple-darwin": standIn("1.1.0", "aarch64-apple-darwin"),
    "x86_64-pc-windows-msvc": "MZ not for this script",
  }, { latest: true });
  // 1.2.0's SHA256SUMS does not match its artifact (a tampered or truncated download).
  await publish(bed.release, "1.2.0", {
    "x86_64-unknown-linux-gnu": standIn("1.2.0", "x86_64-unknown-linux-gnu"),
  }, { sums: (s) => s.replace(/^[0-9a-f]{8}/, "00000000") });
}

const leftovers = (prefix: string) =>
  [...Deno.readDirSync(prefix)].map((e) => e.name).filter((n) => n !== "halton-meter");

for (const shell of SHELLS) {
  Deno.test(`install.sh (${shell.name}): piped into sh it installs the latest; again, nothing changes; --version pins; a plain run upgrades by one rename`, async () => {
    const bed = await makeBed();
    try {
      await publishReleases(bed);
      const path = await bed.tools("Linux", "x86_64");
      const prefix = `${bed.home}/.local/bin`;
      const dest = `${prefix}/halton-meter`;

      const first = await bed.install(shell, path, [], { stdin: true });
      assert.equal(first.code, 0, first.stderr);
      assert.equal(await Deno.readTextFile(dest), standIn("1.1.0", "x86_64-unknown-linux-gnu"));
      assert.equal((await Deno.stat(dest)).mode! & 0o777, 0o755);
      assert.match(
        first.stdout,
        /^Installed halton-meter 1\.1\.0 \(x86_64-unknown-linux-gnu\) to .*\/\.local\/bin\/halton-meter$/m,
      );
      assert.ok(first.stdout.includes(`${prefix} is not on your PATH. To add it:`), first.stdout);
      assert.ok(first.stdout.includes(`echo 'export PATH="${prefix}:$PATH"' >> ~/.bashrc`));
      assert.ok(first.stdout.includes(`Next: ${dest} onboard`), first.stdout);
      assert.deepEqual(await leftovers(prefix), []);

      const ino = (await Deno.stat(dest)).ino;
      const again = await bed.install(shell, path);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /halton-meter 1\.1\.0 is already installed at /);
      assert.equal((await Deno.stat(dest)).ino, ino, "an unchanged binary is left in place");

      const pinned = await bed.install(shell, `${prefix}:${path}`, ["--version", "v1.0.0"]);
      assert.equal(pinned.code, 0, pinned.stderr);
      assert.equal(await Deno.readTextFile(dest), standIn("1.0.0", "x86_64-unknown-linux-gnu"));
      assert.match(pinned.stdout, /^Next: halton-meter onboard$/m, "on PATH: no hint");
      assert.doesNotMatch(pinned.stdout, /not on your PATH/);

      const before = (await Deno.stat(dest)).ino;
      const up = await bed.install(shell, `${prefix}:${path}`, [`--prefix=${prefix}`]);
      assert.equal(up.code, 0, up.stderr);
      assert.equal(await Deno.readTextFile(dest), standIn("1.1.0", "x86_64-unknown-linux-gnu"));
      assert.notEqual((await Deno.stat(dest)).ino, before, "replaced by a rename, not rewritten");
      assert.deepEqual(await leftovers(prefix), []);
    } finally {
      await bed.close();
    }
  });

  Deno.test(`install.sh (${shell.name}): the OS and CPU pick the artifact; wget and shasum do when curl and sha256sum are missing`, async () => {
    const bed = await makeBed();
    try {
      await publishReleases(bed);
      const cases: [string, string, string, string[]][] = [
        ["Darwin", "arm64", "aarch64-apple-darwin", []],
        ["Linux", "aarch64", "aarch64-unknown-linux-gnu", ["curl", "sha256sum"]],
        ["Linux", "amd64", "x86_64-unknown-linux-gnu", ["curl"]],
      ];
      for (const [os, arch, target, without] of cases) {
        const prefix = await bed.ownDir(`${bed.dir}/p-${target}`);
        const r = await bed.install(shell, await bed.tools(os, arch, without), [
          "--prefix",
          prefix,
        ]);
        assert.equal(r.code, 0, `${os} ${arch}: ${r.stderr}`);
        assert.equal(
          await Deno.readTextFile(`${prefix}/halton-meter`),
          standIn("1.1.0", target as never),
        );
      }
    } finally {
      await bed.close();
    }
  });

  Deno.test(`install.sh (${shell.name}): each failure says why and leaves the installed binary untouched`, async () => {
    const bed = await makeBed();
    try {
      await publishReleases(bed);
      const prefix = await bed.ownDir(`${bed.dir}/installed`);
      const old = standIn("1.0.0", "x86_64-unknown-linux-gnu");
      await Deno.writeTextFile(`${prefix}/halton-meter`, old, { mode: 0o755 });
      const locked = `${bed.dir}/locked`;
      await Deno.mkdir(locked);
      await Deno.writeTextFile(`${locked}/halton-meter`, old, { mode: 0o755 });
      if (!ROOT_USER) await Deno.chmod(locked, 0o555); // as root: owned by root, so not nobody's
      const linux = await bed.tools("Linux", "x86_64");
      const cases: [string, string, string[], RegExp, string][] = [
        [
          "checksum mismatch",
          linux,
          ["--version", "1.2.0"],
          /^halton-meter install: checksum mismatch for halton-meter-1\.2\.0-x86_64-unknown-linux-gnu: SHA256SUMS says 00000000[0-9a-f]{56}, the download is [0-9a-f]{64}; nothing was installed$/,
          prefix,
        ],
        [
          "no artifact for the platform",
          await bed.tools("Darwin", "x86_64"),
          [],
          /^halton-meter install: the release at http:\/\/127\.0\.0\.1:\d+\/releases\/latest\/download has no build for x86_64-apple-darwin$/,
          prefix,
        ],
        [
          "no curl and no wget",
          await bed.tools("Linux", "x86_64", ["curl", "wget"]),
          [],
          /^halton-meter install: neither curl nor wget is installed: install one of them and run this again$/,
          prefix,
        ],
        [
          "unwritable prefix",
          linux,
          [],
          /^halton-meter install: cannot write to .*\/locked: pass --prefix with a directory you can write \(no root needed\)$/,
          locked,
        ],
        [
          "a version that was never released",
          linux,
          ["--version", "9.9.9"],
          /^halton-meter install: cannot download http:.*\/download\/v9\.9\.9\/SHA256SUMS \(is 9\.9\.9 a released version\?\)$/,
          prefix,
        ],
        [
          "an OS without a build",
          await bed.tools("FreeBSD", "amd64"),
          [],
          /^halton-meter install: no release is built for the operating system FreeBSD/,
          prefix,
        ],
      ];
      for (const [what, path, args, expected, into] of cases) {
        const r = await bed.install(shell, path, [...args, "--prefix", into]);
        assert.equal(r.code, 1, `${what}: ${r.stdout}${r.stderr}`);
        // The last line is ours (curl or wget may say why first).
        assert.match(r.stderr.trim().split("\n").at(-1)!, expected, `${what}: ${r.stderr}`);
        assert.equal(
          await Deno.readTextFile(`${into}/halton-meter`),
          old,
          `${what}: binary changed`,
        );
        assert.deepEqual(await leftovers(into), [], `${what}: files left in ${into}`);
      }
    } finally {
      await bed.close();
    }
  });
}

Deno.test("install.sh and upgrade agree: the same default release location", async () => {
  const script = await Deno.readTextFile(SCRIPT);
  assert.ok(script.includes(`DEFAULT_RELEASE_URL="${DEFAULT_RELEASE_URL}"`));
});

Deno.test({
  name: "install.sh passes shellcheck as POSIX sh",
  ignore: !(await which("shellcheck").then(() => true, () => false)),
  async fn() {
    const out = await new Deno.Command("shellcheck", { args: ["-s", "sh", SCRIPT] }).output();
    assert.equal(out.code, 0, dec.decode(out.stdout) + dec.decode(out.stderr));
  },
});
