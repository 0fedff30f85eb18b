export { type CliDeps, runCli } from "./cli.ts";
export { READY_PREFIX, runUp, type UpOptions } from "./up.ts";
