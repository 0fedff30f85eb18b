/** `reconcile`: a client's own logs against the wire. */
export { defaultLogDir, type ReconcileCliOptions, runReconcile } from "./reconcile.ts";
export { registerReconcileCommand } from "./register.ts";
export { readClaudeCodeLogs } from "./read_claude_code_logs.ts";
export { readCodexLogs } from "./read_codex_logs.ts";
export { reconcileCalls, type Reconciliation } from "./reconcile_calls.ts";
