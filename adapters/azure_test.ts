import { registerGoldenTests } from "./_golden.ts";

registerGoldenTests("azure");
