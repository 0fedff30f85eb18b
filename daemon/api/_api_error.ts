import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Machine-readable error kinds in `{error: {type, message}}` bodies. */
export type ApiErrorType =
  | "invalid_request"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "store_unavailable"
  | "internal_error";

/** The one error style of the API: thrown anywhere, rendered by `onError`. */
export class ApiError extends HTTPException {
  readonly type: ApiErrorType;

  constructor(status: ContentfulStatusCode, type: ApiErrorType, message: string) {
    super(status, { message });
    this.type = type;
    this.name = "ApiError";
  }
}

export interface ApiErrorBody {
  error: { type: ApiErrorType; message: string };
}

export function errorBody(type: ApiErrorType, message: string): ApiErrorBody {
  return { error: { type, message } };
}
