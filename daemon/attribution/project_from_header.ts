import { cleanProject } from "./_clean_project.ts";
import type { ProjectAttribution } from "./project_from_proxy_auth.ts";

/** Request header a client can set to name its project. */
export const PROJECT_HEADER = "x-halton-project";

/**
 * The project named by the `x-halton-project` request header (percent-encode
 * non-ASCII names). Same rules as the proxy-auth user name; null when absent or
 * refused. The header is ours: the forwarder may strip it before the provider.
 */
export function projectFromHeader(headers: Headers): ProjectAttribution<"header"> | null {
  const raw = headers.get(PROJECT_HEADER);
  if (raw === null) return null;
  const project = cleanProject(raw);
  return project === null ? null : { project, source: "header" };
}
