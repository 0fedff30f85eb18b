/**
 * The password every tagged proxy URL carries. It is never checked or kept; it is there
 * because clients ignore a user name that comes without one: Python `requests` sends no
 * `Proxy-Authorization` for `http://name@host` (its `get_auth_from_url` fails on the
 * missing password), Gemini CLI sends none either, and Deno refuses the URL and bypasses
 * the proxy altogether.
 */
export const PROXY_PASSWORD = "x";

/**
 * The edge's proxy URL, `http://127.0.0.1:<port>`, with the project as credentials when
 * there is one: `http://<project>:x@127.0.0.1:<port>`.
 *
 * The project is percent-encoded twice. Clients decode the URL's user name once before they
 * put it in `Proxy-Authorization` (curl, Python `requests`, Deno, Node's undici and our
 * preload, Claude Code, Gemini CLI all do), and the daemon decodes what it receives once
 * more (`cleanProject`). Encoded once, `a:b` would arrive as `a:b:x` and be cut at the
 * first colon to `a`, `café` would reach `requests` as text it encodes as Latin-1 (not
 * UTF-8: refused) and a name beyond Latin-1 would make it throw; a literal `%41` would be
 * decoded twice. Encoded twice, every client sends plain ASCII (`caf%C3%A9`), which the
 * daemon decodes to exactly the name. A name of plain characters (`[A-Za-z0-9._~!*'()-]`)
 * is the same in every form: `http://my-app:x@127.0.0.1:8081`.
 */
export function proxyUrl(edgePort: number, project?: string): string {
  if (!Number.isInteger(edgePort) || edgePort < 1 || edgePort > 65535) {
    throw new Error(`Cannot build the proxy URL: edge port ${edgePort} is not 1-65535`);
  }
  const credentials = project
    ? `${encodeURIComponent(encodeURIComponent(project))}:${PROXY_PASSWORD}@`
    : "";
  return `http://${credentials}127.0.0.1:${edgePort}`;
}
