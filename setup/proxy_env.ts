export interface ProxyEnvInput {
  edgePort: number;
  /** The Halton Meter CA alone (`ca/halton-meter-ca.pem`). */
  caPath: string;
  /** System roots plus the CA (`ca/ca-bundle.pem`). */
  bundlePath: string;
  /** Project name; travels as the proxy user name and lands on the recorded rows. */
  project?: string;
}

export const NO_PROXY_VALUE = "localhost,127.0.0.1,::1";

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
  const credentials = input.project ? `${encodeURIComponent(input.project)}@` : "";
  const proxy = `http://${credentials}127.0.0.1:${input.edgePort}`;
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
  };
}
