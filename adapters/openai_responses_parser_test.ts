import { registerGoldenTests } from "./_golden.ts";

registerGoldenTests("openai_responses");
