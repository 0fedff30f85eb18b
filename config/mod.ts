export { type Config, configSchema } from "./schema.ts";
export { loadConfig, type LoadConfigResult } from "./load_config.ts";
