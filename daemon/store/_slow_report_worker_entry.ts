/**
 * A report worker entry that, like main.ts, awaits before it listens (longer, so the race is
 * sure): messages posted to it meanwhile would be lost without the `{ ready }` handshake.
 * Used by `report_worker_test.ts` through `_report_worker_probe.ts`.
 */
await new Promise((r) => setTimeout(r, 500));
const { serveReports } = await import("./serve_reports.ts");
serveReports(globalThis);
