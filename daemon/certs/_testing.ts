// Test helpers (not exported from mod.ts).
import { generateKeyPairSync } from "node:crypto";

const keyPool = new Map<number, string>();

/** The n-th RSA-2048 test key, generated once per test process to keep tests fast. */
export function testKeyPem(n = 0): string {
  let pem = keyPool.get(n);
  if (pem === undefined) {
    pem = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      publicKeyEncoding: { type: "spki", format: "pem" },
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
    }).privateKey;
    keyPool.set(n, pem);
  }
  return pem;
}

/** Runs a command, returning exit code and decoded output. */
export async function run(
  cmd: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** `openssl x509 -noout -text` of a PEM certificate. */
export async function x509Text(dir: string, pem: string): Promise<string> {
  const path = await Deno.makeTempFile({ dir, suffix: ".pem" });
  await Deno.writeTextFile(path, pem);
  const res = await run("openssl", ["x509", "-in", path, "-noout", "-text"]);
  if (res.code !== 0) throw new Error(`openssl x509 failed: ${res.stderr}`);
  return res.stdout;
}

export function modeOf(info: Deno.FileInfo): number {
  return (info.mode ?? 0) & 0o777;
}
