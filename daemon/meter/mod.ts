export { createMeter, type MeterDeps, SELF_TEST_HEADER } from "./create_meter.ts";
export type { ExchangeEnd, ExchangeObserver, ExchangeStart } from "./types.ts";
