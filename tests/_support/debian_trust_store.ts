/**
 * A Debian trust store in a temporary directory for real `update-ca-certificates` runs:
 * every directory the tool touches is redirected with its own flags, so nothing outside
 * `root` changes and no root is needed beyond being allowed to run the tool.
 */
import assert from "node:assert/strict";

/** Where Debian's ca-certificates keeps the Mozilla roots the sandbox copies a few of. */
export const MOZILLA_CERTS = "/usr/share/ca-certificates/mozilla";

export interface DebianTrustStore {
  /** `--certsdir`: holds `mozilla/<copied roots>`. */
  share: string;
  /** `--localcertsdir`: where the trust code drops the CA. */
  local: string;
  /** `--etccertsdir`: the hashed links and the generated bundle. */
  etc: string;
  hooks: string;
  conf: string;
  /** The generated bundle OpenSSL clients load (`<etc>/ca-certificates.crt`). */
  bundle: string;
  /** The flags that point `update-ca-certificates` at this store. */
  args: string[];
  /** Names of the copied roots (`<share>/mozilla/<name>`), sorted. */
  roots: string[];
}

/**
 * Builds the store under `root` with the first three Mozilla roots (a few keep the run fast;
 * the mechanism is the same for all of them) and runs `update-ca-certificates` once, so the
 * bundle exists as on a real machine. `local` overrides the local certs directory.
 */
export async function makeDebianTrustStore(
  root: string,
  opts: { local?: string } = {},
): Promise<DebianTrustStore> {
  const share = `${root}/share`;
  const local = opts.local ?? `${root}/local`;
  const etc = `${root}/etc-certs`;
  const hooks = `${root}/hooks`;
  const conf = `${root}/ca-certificates.conf`;
  for (const dir of [`${share}/mozilla`, local, etc, hooks]) {
    await Deno.mkdir(dir, { recursive: true });
  }
  const names: string[] = [];
  for await (const e of Deno.readDir(MOZILLA_CERTS)) {
    if (e.name.endsWith(".crt")) names.push(e.name);
  }
  names.sort();
  const roots = names.slice(0, 3);
  for (const n of roots) await Deno.copyFile(`${MOZILLA_CERTS}/${n}`, `${share}/mozilla/${n}`);
  await Deno.writeTextFile(conf, roots.map((n) => `mozilla/${n}\n`).join(""));
  const args = [
    "--certsconf",
    conf,
    "--certsdir",
    share,
    "--localcertsdir",
    local,
    "--etccertsdir",
    etc,
    "--hooksdir",
    hooks,
  ];
  const first = await new Deno.Command("update-ca-certificates", {
    args,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const d = new TextDecoder();
  assert.equal(first.code, 0, d.decode(first.stdout) + d.decode(first.stderr));
  return { share, local, etc, hooks, conf, bundle: `${etc}/ca-certificates.crt`, args, roots };
}
