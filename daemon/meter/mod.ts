export { createMeter, type Meter, type MeterDeps, SELF_TEST_HEADER } from "./create_meter.ts";
