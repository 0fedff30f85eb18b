export { type CliDeps, runCli } from "./cli.ts";
export { READY_PREFIX, runUp, type UpOptions } from "./up.ts";
export { parseSince, runUsage, type UsageOptions } from "./usage.ts";
