import { proxyUrl } from "./proxy_url.ts";

export interface ProxyEnvInput {
  edgePort: number;
  /** The Halton Meter CA alone (`ca/halton-meter-ca.pem`). */
  caPath: string;
  /** System roots plus the CA (`ca/ca-bundle.pem`). */
  bundlePath: string;
  /** Project name; travels as the proxy user name and lands on the recorded rows (`proxyUrl`). */
  project?: string;
  /**
   * The Node preload (`<home>/node/proxy-preload.cjs`, see `node_preload.ts`): when set,
   * `NODE_OPTIONS` carries `--require <path>` so Node versions without native env-proxy
   * support still route through the edge. That value is our option only: every consumer
   * appends it to the user's `NODE_OPTIONS` (see `node_options.ts`), none sets it as is.
   * Absent: no `NODE_OPTIONS` key at all.
   */
  nodePreloadPath?: string;
}

export const NO_PROXY_VALUE = "localhost,127.0.0.1,::1";

/** Every name `proxyEnv` can produce: what a login environment removes again. */
export const PROXY_ENV_NAMES: readonly string[] = [
  "HTTPS_PROXY",
  "https_proxy",
  "HTTP_PROXY",
  "http_proxy",
  "NO_PROXY",
  "no_proxy",
  "NODE_EXTRA_CA_CERTS",
  "NODE_USE_ENV_PROXY",
  "NODE_OPTIONS",
  "SSL_CERT_FILE",
  "REQUESTS_CA_BUNDLE",
  "CURL_CA_BUNDLE",
  "GIT_SSL_CAINFO",
  "AWS_CA_BUNDLE",
  "CARGO_HTTP_CAINFO",
  "DENO_CERT",
];

/**
 * `NODE_OPTIONS` value that preloads `path`. Node splits `NODE_OPTIONS` on spaces but
 * honours double quotes (inside which a backslash escapes the next character), so a path with a
 * space is quoted with its backslashes doubled; a quote or newline is refused.
 */
export function nodePreloadOption(path: string): string {
  if (path.includes('"') || /[\r\n\0]/.test(path)) {
    throw new Error(
      `Cannot preload ${
        JSON.stringify(path)
      } through NODE_OPTIONS: the path contains a quote or a newline; set HALTON_METER_HOME to a plainer path`,
    );
  }
  return /\s/.test(path) ? `--require "${path.replaceAll("\\", "\\\\")}"` : `--require ${path}`;
}

/**
 * The environment that routes a tool through the edge. Tools that replace their trust
 * store with a file get the combined bundle, never the CA alone: fail-open tunnels carry
 * the provider's real certificate, which only the system roots verify. Node adds
 * `NODE_EXTRA_CA_CERTS` to its built-in roots, so that one gets the CA alone.
 */
export function proxyEnv(input: ProxyEnvInput): Record<string, string> {
  if (!Number.isInteger(input.edgePort) || input.edgePort < 1 || input.edgePort > 65535) {
    throw new Error(
      `Cannot build the proxy environment: edge port ${input.edgePort} is not 1-65535`,
    );
  }
  const proxy = proxyUrl(input.edgePort, input.project);
  const bundle = input.bundlePath;
  return {
    HTTPS_PROXY: proxy,
    https_proxy: proxy,
    HTTP_PROXY: proxy,
    http_proxy: proxy,
    NO_PROXY: NO_PROXY_VALUE,
    no_proxy: NO_PROXY_VALUE,
    NODE_EXTRA_CA_CERTS: input.caPath,
    NODE_USE_ENV_PROXY: "1",
    SSL_CERT_FILE: bundle,
    REQUESTS_CA_BUNDLE: bundle,
    CURL_CA_BUNDLE: bundle,
    GIT_SSL_CAINFO: bundle,
    AWS_CA_BUNDLE: bundle,
    CARGO_HTTP_CAINFO: bundle,
    DENO_CERT: bundle,
    ...(input.nodePreloadPath === undefined
      ? {}
      : { NODE_OPTIONS: nodePreloadOption(input.nodePreloadPath) }),
  };
}
