import type { CallFilter } from "./types.ts";

export interface WhereClause {
  /** `WHERE ...` or the empty string. */
  sql: string;
  params: (string | number)[];
}

/** The WHERE clause for the filters `listCalls` and `summarize` share; values are bound. */
export function buildWhere(filter: CallFilter, extra: WhereClause[] = []): WhereClause {
  const terms: string[] = [];
  const params: (string | number)[] = [];
  if (filter.since !== undefined) {
    terms.push("started_at >= ?");
    params.push(filter.since);
  }
  if (filter.until !== undefined) {
    terms.push("started_at < ?");
    params.push(filter.until);
  }
  if (filter.project !== undefined) {
    terms.push("project = ?");
    params.push(filter.project);
  }
  if (filter.model !== undefined) {
    terms.push("(request_model = ? OR response_model = ?)");
    params.push(filter.model, filter.model);
  }
  if (filter.provider !== undefined) {
    terms.push("provider = ?");
    params.push(filter.provider);
  }
  if (filter.client !== undefined) {
    terms.push("client = ?");
    params.push(filter.client);
  }
  if (filter.status === "blocked") terms.push("policy_action = 'block'");
  else if (filter.status === "ok") {
    terms.push("status >= 200 AND status < 400 AND policy_action IS NOT 'block'");
  } else if (filter.status === "error") {
    terms.push("(status IS NULL OR status >= 400) AND policy_action IS NOT 'block'");
  }
  if (filter.includeSelfTest !== true) terms.push("self_test = 0");
  for (const e of extra) {
    terms.push(e.sql);
    params.push(...e.params);
  }
  return { sql: terms.length > 0 ? `WHERE ${terms.join(" AND ")}` : "", params };
}
