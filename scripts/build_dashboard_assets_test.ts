import assert from "node:assert/strict";
import {
  CHART_JS_VERSION,
  GENERATED_PATH,
  readAssetSources,
  renderAssetsModule,
} from "./build_dashboard_assets.ts";
import { DASHBOARD_ASSETS } from "../daemon/dashboard/_assets.generated.ts";

Deno.test("the committed dashboard assets module is what the generator writes now", async () => {
  const expected = renderAssetsModule(await readAssetSources());
  const current = await Deno.readTextFile(GENERATED_PATH);
  assert.ok(
    current === expected,
    `${GENERATED_PATH} is stale: run \`deno task dashboard-assets\` and commit it`,
  );
});

Deno.test("the assets carry Chart.js with its license, and no source-map reference", () => {
  const chart = DASHBOARD_ASSETS["chart.js"].body;
  assert.ok(chart.includes(`Chart.js ${CHART_JS_VERSION}`));
  assert.ok(chart.includes("The MIT License"));
  assert.ok(!chart.includes("sourceMappingURL"));
  assert.ok(DASHBOARD_ASSETS["app.js"].body.startsWith("(() => {"));
});
