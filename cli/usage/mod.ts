/** Reports from the calls database: `usage` and `usage blocks` (docs/REPORTS.md). */
export { parseSpan, type Span } from "./parse_span.ts";
export { runUsage, type UsageDeps, type UsageOptions } from "./usage.ts";
export { type BlocksOptions, runBlocks } from "./blocks.ts";
export { activeBlockLines, renderBlocks } from "./render_blocks.ts";
export { registerUsageCommands } from "./register.ts";
