/**
 * A release server on loopback laid out like GitHub's release downloads, for install.sh and
 * `upgrade`: `<url>/download/v<version>/<asset>` and `<url>/latest/download/<asset>`, each
 * release with its SHA256SUMS. `url` is what HALTON_METER_RELEASE_URL takes.
 */
import { artifactName, sha256Hex, type Target } from "../../core/mod.ts";

export interface FakeRelease {
  url: string;
  /** Paths requested, in order. */
  requests: string[];
  /** Adds (or replaces) a file at `path` (starting with `/releases/`). */
  put(path: string, body: string | Uint8Array<ArrayBuffer>): void;
  close(): Promise<void>;
}

export interface ReleaseOptions {
  /** Also served as the latest release. */
  latest?: boolean;
  /** Replaces the SHA256SUMS text computed from the artifacts. */
  sums?: (computed: string) => string;
}

const enc = new TextEncoder();

/** A stand-in executable: a script that says its version and target, and exits 0. */
export function standIn(version: string, target: Target): string {
  return `#!/bin/sh\necho "halton-meter ${version} ${target} $*"\n`;
}

export function startFakeRelease(): FakeRelease {
  const files = new Map<string, Uint8Array<ArrayBuffer>>();
  const requests: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const path = new URL(req.url).pathname;
    requests.push(path);
    const body = files.get(path);
    return body === undefined
      ? new Response("Not Found", { status: 404 })
      : new Response(body.slice(), { headers: { "content-type": "application/octet-stream" } });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/releases`,
    requests,
    put(path, body) {
      files.set(path, typeof body === "string" ? enc.encode(body) : body);
    },
    close: () => server.shutdown(),
  };
}

/** Publishes `version` with one artifact per entry of `artifacts` (default: stand-ins). */
export async function publish(
  release: FakeRelease,
  version: string,
  artifacts: Partial<Record<Target, string | Uint8Array<ArrayBuffer>>>,
  opts: ReleaseOptions = {},
): Promise<void> {
  const dirs = [
    `/releases/download/v${version}`,
    ...(opts.latest ? ["/releases/latest/download"] : []),
  ];
  let sums = "";
  for (
    const [target, body] of Object.entries(artifacts) as [
      Target,
      string | Uint8Array<ArrayBuffer>,
    ][]
  ) {
    const bytes = typeof body === "string" ? enc.encode(body) : body;
    const name = artifactName(version, target);
    sums += `${await sha256Hex(bytes)}  ${name}\n`;
    for (const dir of dirs) release.put(`${dir}/${name}`, bytes);
  }
  const text = opts.sums ? opts.sums(sums) : sums;
  for (const dir of dirs) release.put(`${dir}/SHA256SUMS`, text);
}
