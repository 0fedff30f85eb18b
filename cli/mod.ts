export { type CliDeps, runCli } from "./cli.ts";
export { READY_PREFIX, runUp, type UpOptions } from "./up.ts";
export { parseSpan, runUsage, type UsageOptions } from "./usage/mod.ts";
