// Attribution: who made a call (client, key fingerprint, project) and what the
// provider said about it (request id, rate limits). Pure functions over headers, and the
// process attributor, which finds the calling process's project (docs/PROJECTS.md).
export { clientFamily } from "./client_family.ts";
export { apiKeyFingerprint } from "./api_key_fingerprint.ts";
export { projectFromProxyAuth } from "./project_from_proxy_auth.ts";
export { cleanProject, MAX_PROJECT_CHARS, MAX_RAW_PROJECT_CHARS } from "./_clean_project.ts";
export type { ProjectAttribution } from "./project_from_proxy_auth.ts";
export { PROJECT_HEADER, projectFromHeader } from "./project_from_header.ts";
export { rateLimitSnapshot } from "./rate_limit_snapshot.ts";
export { providerRequestId } from "./provider_request_id.ts";
export {
  createProcessAttributor,
  type ProcessAttributor,
  type ProcessAttributorDeps,
  type ProcessLookup,
  type ProcessProject,
} from "./create_process_attributor.ts";
export { serveLookups } from "./serve_lookups.ts";
