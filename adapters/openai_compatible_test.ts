import { registerGoldenTests } from "./_golden.ts";

for (
  const family of ["openrouter", "groq", "deepseek", "mistral", "xai", "together", "fireworks"]
) {
  registerGoldenTests(family);
}
