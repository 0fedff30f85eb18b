/** What reconcile compares: calls as a client's logs tell them, and as the wire saw them. */

/** Token counts in the calls table's convention: input is the total (cache included). */
export interface Tokens {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite5m: number;
  cacheWrite1h: number;
}

/** One model call as a log file records it (after duplicates are dropped). */
export interface LogCall {
  /** When the log says it happened, epoch ms. */
  at: number;
  file: string;
  /** 1-based line of the entry kept. */
  line: number;
  session: string | null;
  cwd: string | null;
  /** Claude Code: `requestId` (the `request-id` response header). */
  requestId: string | null;
  /** Claude Code: `message.id` (the response body's id). */
  messageId: string | null;
  model: string | null;
  tokens: Tokens;
  serviceTier: string | null;
}

/** One model call as the calls table has it. */
export interface WireCall {
  id: string;
  startedAt: number;
  endedAt: number;
  provider: string;
  host: string;
  path: string;
  model: string | null;
  requestModel: string | null;
  client: string | null;
  project: string | null;
  requestId: string | null;
  responseId: string | null;
  tokens: Tokens;
  /** Output counted at all (false: the call ended without its final usage). */
  complete: boolean;
  serviceTier: string | null;
}

/** What reading a directory of logs found. */
export interface LogScan {
  files: number;
  lines: number;
  /** Lines that are not JSON (a line torn by a crash, say). */
  unreadable: number;
  /** Entries with usage, before duplicates were dropped. */
  entries: number;
  /** Entries dropped as copies of one kept (streamed snapshots, resumed sessions). */
  duplicates: number;
  /** Entries that are no call on the wire (Claude Code's `<synthetic>` messages). */
  synthetic: number;
  calls: LogCall[];
}
