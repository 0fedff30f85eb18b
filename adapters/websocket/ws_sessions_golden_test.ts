import { registerWsGoldenTests } from "./_ws_golden.ts";

registerWsGoldenTests("openai_responses");
registerWsGoldenTests("openai_realtime");
