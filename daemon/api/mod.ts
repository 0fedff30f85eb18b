/**
 * The daemon's HTTP API (hono): `createApi(deps)` returns the app for `Deno.serve`
 * on 127.0.0.1; `ensureApiToken(home)` provides its bearer token.
 */
export { type ApiDeps, type ApiPorts, createApi, type StoreLike } from "./create_api.ts";
export { ensureApiToken } from "./ensure_api_token.ts";
export type { ApiErrorBody, ApiErrorType } from "./_api_error.ts";
