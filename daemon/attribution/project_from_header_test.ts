import assert from "node:assert/strict";
import { projectFromHeader } from "./project_from_header.ts";

Deno.test("projectFromHeader: x-halton-project names the project", () => {
  assert.deepEqual(projectFromHeader(new Headers({ "x-halton-project": "web-api" })), {
    project: "web-api",
    source: "header",
  });
  assert.deepEqual(
    projectFromHeader(new Headers({ "X-Halton-Project": " caf%C3%A9 team " })),
    { project: "café team", source: "header" },
  );
});

Deno.test("projectFromHeader: absent, empty or hostile values give null", () => {
  const values = [
    "",
    "   ",
    "a".repeat(129),
    "x".repeat(50_000),
    "%00null",
    "bell\u0007",
    "%E2%80%AEbidi",
    "\u00ad", // soft hyphen: a format character
  ];
  assert.equal(projectFromHeader(new Headers()), null);
  for (const value of values) {
    const headers = new Headers();
    try {
      headers.set("x-halton-project", value);
    } catch {
      continue; // Headers itself refuses some values; nothing reaches us then.
    }
    assert.equal(projectFromHeader(headers), null, JSON.stringify(value.slice(0, 40)));
  }
});
