// Test support (imported by *_test.ts only): one clock and one call's facts the policy tests
// share.
import type { CallFacts } from "./types.ts";

export const NOW = Date.parse("2026-03-11T12:00:00Z");
export const MIN = 60_000;
export const HOUR = 60 * MIN;
export const KEY = "a1b2c3d4";

export const FACTS: CallFacts = {
  provider: "anthropic",
  host: "api.anthropic.com",
  endpoint: "messages",
  model: "claude-sonnet-4-5",
  project: "acme",
  client: "claude-code",
  key: KEY,
};
