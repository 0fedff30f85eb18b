import assert from "node:assert/strict";
import { priceCall } from "./price_call.ts";
import { assertCost, AT, offlineTest, rate, table, usage, usd } from "./_price_test_helpers.ts";

const realtime = (model: string, u: ReturnType<typeof usage>) => ({
  provider: "openai",
  host: "api.openai.com",
  path: "/v1/realtime",
  model,
  usage: u,
  startedAt: AT.getTime(),
});

offlineTest("gpt-realtime: audio and image parts at their own rates, the rest as text", () => {
  const t = table("openai", "gpt-realtime", AT);
  const u = usage({
    inputTokens: 1000,
    cacheReadTokens: 200,
    outputTokens: 300,
    media: {
      inputAudio: 600,
      inputImage: 50,
      cacheReadAudio: 100,
      cacheReadImage: 0,
      outputAudio: 250,
    },
  });
  assertCost(priceCall(realtime("gpt-realtime", u)), {
    // Uncached: 1000 - 200 cached - (600 - 100) audio - 50 image = 250 text.
    input: usd(250, rate(t, "input_mtok", 0)) + usd(500, rate(t, "input_audio_mtok", 0)) +
      usd(50, rate(t, "input_image_mtok", 0)),
    cacheRead: usd(100, rate(t, "cache_read_mtok", 0)) +
      usd(100, rate(t, "cache_audio_read_mtok", 0)),
    cacheWrite: 0,
    output: usd(50, rate(t, "output_mtok", 0)) + usd(250, rate(t, "output_audio_mtok", 0)),
  });
});

offlineTest("media parts larger than what holds them are an error, never a guess", () => {
  for (
    const media of [
      {
        inputAudio: 2000,
        inputImage: null,
        cacheReadAudio: null,
        cacheReadImage: null,
        outputAudio: null,
      },
      {
        inputAudio: 10,
        inputImage: null,
        cacheReadAudio: 20,
        cacheReadImage: null,
        outputAudio: null,
      },
      {
        inputAudio: null,
        inputImage: null,
        cacheReadAudio: null,
        cacheReadImage: null,
        outputAudio: 400,
      },
    ]
  ) {
    const u = usage({ inputTokens: 1000, cacheReadTokens: 200, outputTokens: 300, media });
    assert.equal(
      priceCall(realtime("gpt-realtime", u)).unpricedReason,
      "error",
      JSON.stringify(media),
    );
  }
});

offlineTest("a realtime model the data does not know is unpriced", () => {
  const u = usage({
    inputTokens: 10,
    outputTokens: 5,
    media: {
      inputAudio: 5,
      inputImage: null,
      cacheReadAudio: null,
      cacheReadImage: null,
      outputAudio: 5,
    },
  });
  const cost = priceCall(realtime("gpt-realtime-nonexistent-9", u));
  assert.equal(cost.unpricedReason, "unpriced");
  assert.equal(cost.totalUsd, null);
});
