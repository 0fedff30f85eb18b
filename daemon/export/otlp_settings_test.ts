import assert from "node:assert/strict";
import { parseKeyValueList, resolveOtlpSettings } from "./otlp_settings.ts";

const env = (vars: Record<string, string>) => (name: string) => vars[name];

Deno.test("resolveOtlpSettings: off without an endpoint, or when disabled", () => {
  const none = resolveOtlpSettings({}, env({}));
  assert.equal(none.kind, "off");
  const disabled = resolveOtlpSettings(
    { export: { otlp: { enabled: false, endpoint: "http://c:4318" } } },
    env({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://x:4318" }),
  );
  assert.deepEqual(disabled, { kind: "off", reason: "export.otlp.enabled is false" });
});

Deno.test("resolveOtlpSettings: the generic endpoint gets /v1/<signal>; signal endpoints as is", () => {
  const r = resolveOtlpSettings(
    {},
    env({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/base",
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: "https://metrics.example/otlp",
      OTEL_EXPORTER_OTLP_HEADERS: "authorization=Bearer%20abc,x-team=a",
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: "x-team=b",
      OTEL_EXPORTER_OTLP_TIMEOUT: "2500",
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json",
      OTEL_RESOURCE_ATTRIBUTES: "user.name=alice,team=data%20eng",
      OTEL_SERVICE_NAME: "meter-alice",
    }),
  );
  assert.equal(r.kind, "on");
  if (r.kind !== "on") return;
  const s = r.settings;
  assert.equal(s.traces.url, "http://collector:4318/base/v1/traces");
  assert.deepEqual(s.traces.headers, { authorization: "Bearer abc", "x-team": "b" });
  assert.equal(s.traces.protocol, "http/json");
  assert.equal(s.traces.timeoutMs, 2500);
  assert.equal(s.metrics?.url, "https://metrics.example/otlp");
  assert.deepEqual(s.metrics?.headers, { authorization: "Bearer abc", "x-team": "a" });
  assert.equal(s.metrics?.protocol, "http/protobuf");
  assert.deepEqual(s.resource, {
    "user.name": "alice",
    team: "data eng",
    "service.name": "meter-alice",
  });
});

Deno.test("resolveOtlpSettings: config.json wins over the environment", () => {
  const r = resolveOtlpSettings(
    {
      export: {
        otlp: {
          endpoint: "http://team-collector:4318/",
          headers: { authorization: "Bearer from-config" },
          protocol: "http/json",
          timeout_ms: 900,
          metrics_interval_ms: 0,
          resource_attributes: { "user.name": "bob" },
        },
      },
    },
    env({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://ignored:4318",
      OTEL_EXPORTER_OTLP_HEADERS: "authorization=Bearer env,x-extra=1",
      OTEL_RESOURCE_ATTRIBUTES: "user.name=alice",
    }),
  );
  assert.equal(r.kind, "on");
  if (r.kind !== "on") return;
  assert.equal(r.settings.traces.url, "http://team-collector:4318/v1/traces");
  assert.deepEqual(r.settings.traces.headers, {
    authorization: "Bearer from-config",
    "x-extra": "1",
  });
  assert.equal(r.settings.traces.timeoutMs, 900);
  assert.equal(r.settings.metrics, null);
  assert.equal(r.settings.resource["user.name"], "bob");
});

Deno.test("resolveOtlpSettings: grpc and malformed values are errors that say what to do", () => {
  const grpc = resolveOtlpSettings(
    {},
    env({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://c:4317", OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }),
  );
  assert.equal(grpc.kind, "invalid");
  assert.match(grpc.kind === "invalid" ? grpc.message : "", /grpc is not supported.*4318/);
  const bad = resolveOtlpSettings({}, env({ OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" }));
  assert.equal(bad.kind, "invalid");
  assert.throws(() => parseKeyValueList("novalue", "X"), /X: "novalue" is not key=value/);
});
