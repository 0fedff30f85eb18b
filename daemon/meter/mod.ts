export { createMeter, type MeterDeps, SELF_TEST_HEADER } from "./create_meter.ts";
