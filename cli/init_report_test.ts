import assert from "node:assert/strict";
import { createProgress } from "./init_report.ts";

Deno.test("progress: numbered steps, aligned results, a long label still gets a gap", () => {
  const lines: string[] = [];
  const p = createProgress(2, (l) => lines.push(l));
  p.step("Generating CA certificate…");
  p.result("cert written", "/x/ca.pem");
  p.result("a-label-of-exactly-18", "value");
  p.result("(skipped — nothing)");
  assert.deepEqual(lines, [
    "  1/2  Generating CA certificate…",
    "       cert written      /x/ca.pem",
    "       a-label-of-exactly-18 value",
    "       (skipped — nothing)",
  ]);
});

Deno.test("progress: manual and failed steps are remembered, with the command to run", () => {
  const lines: string[] = [];
  const p = createProgress(1, (l) => lines.push(l));
  p.report({
    ok: false,
    steps: [
      { action: "trust CA", outcome: "manual", detail: "needs root", command: "sudo x" },
      { action: "patch", outcome: "failed", detail: "read-only" },
      { action: "bundle", outcome: "done", detail: "written" },
    ],
  });
  assert.deepEqual(lines, [
    "       ! trust CA  needs root",
    "           run: sudo x",
    "       ✗ patch  read-only",
    "       ✓ bundle  written",
  ]);
  assert.deepEqual(p.manual.map((s) => s.action), ["trust CA"]);
  assert.deepEqual(p.failed.map((s) => s.action), ["patch"]);
});
