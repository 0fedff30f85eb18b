/**
 * Proves OS trust the only way that cannot lie: mint a leaf for a test name from our CA
 * (the daemon's own leaf issuer), serve it on an ephemeral loopback TLS listener, and let
 * a client nobody here wrote verify it with the system's default trust: `curl` without
 * any CA option, or `openssl s_client -verify_return_error`. Variables that would swap
 * the default store for our own bundle (SSL_CERT_FILE, CURL_CA_BUNDLE, ...) and proxies
 * are removed from the client's environment, or the answer would be a tautology.
 */
import tls from "node:tls";
import { type CaMaterial, createLeafIssuer } from "../daemon/certs/mod.ts";
import { COMMAND_NOT_FOUND, type CommandRunner } from "../setup/mod.ts";

/** Never resolves anywhere: curl is told where it lives with `--resolve`. */
export const HANDSHAKE_NAME = "doctor-selftest.halton-meter.invalid";

export type HandshakeResult =
  | { kind: "verified"; tool: string; detail: string }
  | { kind: "rejected"; tool: string; detail: string }
  | { kind: "unavailable"; detail: string };

/** Variables that change what "default trust" means, or route the client elsewhere. */
const SCRUB = [
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "CURL_CA_BUNDLE",
  "REQUESTS_CA_BUNDLE",
  "HTTPS_PROXY",
  "https_proxy",
  "HTTP_PROXY",
  "http_proxy",
  "ALL_PROXY",
  "all_proxy",
  "CURL_HOME",
];

/** `env -u X ... <cmd>` on POSIX so inherited variables are really gone; plain on Windows. */
function scrubbed(os: string, cmd: string, args: string[]): [string, string[]] {
  if (os === "windows") return [cmd, args];
  return ["env", [...SCRUB.flatMap((v) => ["-u", v]), cmd, ...args]];
}

/** The line that says why: openssl's `verify error:` line, else the first one. */
function why(text: string): string {
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  return (lines.find((l) => l.includes("verify error")) ?? lines[0] ?? "").slice(0, 200);
}

export interface TrustHandshakeDeps {
  runner: CommandRunner;
  os: string;
  /**
   * The trust store's bundle when the trust hooks moved it into a sandbox
   * (`HALTON_METER_TRUST_PATHS`): the client verifies against exactly that file instead of
   * its compiled-in default, which a sandboxed init never touches. Unset on a real install.
   */
  caFile?: string;
}

/**
 * macOS: `/usr/bin/curl` may read a PEM file instead of the keychain, where init trusts the
 * CA. The keychain's own verdict on the very leaf served (`security verify-cert -p ssl`,
 * without `-r`, which would trust anything) is what Safari, Chrome and URLSession use.
 */
async function keychainVerdict(
  leafPem: string,
  runner: CommandRunner,
): Promise<HandshakeResult | null> {
  const file = await Deno.makeTempFile({ prefix: "halton-meter-doctor-", suffix: ".pem" });
  try {
    await Deno.writeTextFile(file, leafPem);
    const r = await runner.run("security", [
      "verify-cert",
      "-c",
      file,
      "-p",
      "ssl",
      "-s",
      HANDSHAKE_NAME,
    ]);
    if (r.code === COMMAND_NOT_FOUND) return null;
    return r.code === 0
      ? {
        kind: "verified",
        tool: "security",
        detail:
          `the keychain verifies a leaf for ${HANDSHAKE_NAME} from our CA (curl's own store does not)`,
      }
      : {
        kind: "rejected",
        tool: "security",
        detail: `curl and the keychain (security verify-cert exit ${r.code}: ${
          why(r.stderr || r.stdout)
        }) reject a leaf from our CA`,
      };
  } finally {
    await Deno.remove(file).catch(() => {});
  }
}

export async function trustHandshake(
  ca: CaMaterial,
  deps: TrustHandshakeDeps,
): Promise<HandshakeResult> {
  const leaf = await createLeafIssuer(ca).get(HANDSHAKE_NAME);
  const server = tls.createServer({ key: leaf.keyPem, cert: leaf.certPem }, (socket) => {
    socket.on("error", () => {});
    socket.once("data", () => socket.end("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"));
  });
  server.on("tlsClientError", () => {}); // a rejecting client is the expected failure
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const addr = server.address();
      if (addr && typeof addr === "object") resolve(addr.port);
      else reject(new Error("Cannot read the handshake listener's port"));
    });
  });
  try {
    const [cmd, args] = scrubbed(deps.os, deps.os === "windows" ? "curl.exe" : "curl", [
      "-q",
      "-sS",
      "-o",
      deps.os === "windows" ? "NUL" : "/dev/null",
      "--noproxy",
      "*",
      "--max-time",
      "10",
      "--resolve",
      `${HANDSHAKE_NAME}:${port}:127.0.0.1`,
      ...(deps.caFile === undefined ? [] : ["--cacert", deps.caFile]),
      `https://${HANDSHAKE_NAME}:${port}/`,
    ]);
    const store = deps.caFile === undefined
      ? "the system trust store"
      : `the sandboxed trust bundle ${deps.caFile} (HALTON_METER_TRUST_PATHS)`;
    const curl = await deps.runner.run(cmd, args);
    const curlMissing = curl.code === COMMAND_NOT_FOUND ||
      /curl(\.exe)?: (command )?not found|No such file/.test(curl.stderr);
    if (!curlMissing) {
      if (curl.code === 0) {
        return {
          kind: "verified",
          tool: "curl",
          detail: `curl verified a leaf for ${HANDSHAKE_NAME} from our CA with ${store}`,
        };
      }
      // 60: peer certificate cannot be authenticated; 35: handshake failed; 77: no CA store.
      if (deps.os === "darwin" && deps.caFile === undefined) {
        const keychain = await keychainVerdict(leaf.certPem, deps.runner);
        if (keychain) return keychain;
      }
      return {
        kind: "rejected",
        tool: "curl",
        detail: `curl (exit ${curl.code}) rejected a leaf from our CA with ${store}: ${
          why(curl.stderr)
        }`,
      };
    }
    if (deps.os === "windows") return { kind: "unavailable", detail: "curl.exe not found" };
    const [ocmd, oargs] = scrubbed(deps.os, "openssl", [
      "s_client",
      "-connect",
      `127.0.0.1:${port}`,
      "-servername",
      HANDSHAKE_NAME,
      "-verify_hostname",
      HANDSHAKE_NAME,
      "-verify_return_error",
      ...(deps.caFile === undefined ? [] : ["-CAfile", deps.caFile]),
      "-brief",
    ]);
    const ossl = await deps.runner.run(ocmd, oargs, { stdin: "" });
    if (
      ossl.code === COMMAND_NOT_FOUND ||
      /openssl: (command )?not found|No such file/.test(ossl.stderr)
    ) {
      return { kind: "unavailable", detail: "neither curl nor openssl is installed" };
    }
    return ossl.code === 0
      ? {
        kind: "verified",
        tool: "openssl",
        detail: `openssl verified a leaf for ${HANDSHAKE_NAME} from our CA with the default store`,
      }
      : {
        kind: "rejected",
        tool: "openssl",
        detail: `openssl s_client (exit ${ossl.code}) rejected a leaf from our CA: ${
          why(ossl.stderr)
        }`,
      };
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
