import assert from "node:assert/strict";
import { projectFromProxyAuth } from "./project_from_proxy_auth.ts";

/** `Basic base64(utf8(user:pass))`, as clients build it. */
function basic(credentials: string): string {
  const bytes = new TextEncoder().encode(credentials);
  return `Basic ${btoa(String.fromCharCode(...bytes))}`;
}

Deno.test("projectFromProxyAuth: the user part is the project", () => {
  const cases: Array<[string, string]> = [
    [basic("my-app:x"), "my-app"],
    [basic("billing service:secret:with:colons"), "billing service"],
    [basic("  padded  :pw"), "padded"],
    [basic("my%20app:x"), "my app"], // clients that do not decode the proxy URL
    [basic("100%:x"), "100%"], // not percent-encoding: kept as is
    [basic("café/équipe:x"), "café/équipe"],
    [basic("nopassword"), "nopassword"],
    [`basic ${btoa("lower:x")}`, "lower"],
    [`  BASIC   ${btoa("spaces:x")}  `, "spaces"],
    [basic(`${"a".repeat(128)}:x`), "a".repeat(128)],
  ];
  for (const [header, project] of cases) {
    assert.deepEqual(projectFromProxyAuth(header), { project, source: "proxy_auth" }, header);
  }
});

Deno.test("projectFromProxyAuth: hostile or malformed values give null, never throw", () => {
  const binary = String.fromCharCode(...Array.from({ length: 64 }, (_, i) => i * 4));
  const hostile: Array<string | null> = [
    null,
    "",
    "Basic",
    "Basic ",
    "Bearer abc",
    "Digest username=x",
    "Basic !!!notbase64!!!",
    "Basic Y", // one base64 character cannot encode a byte
    "Basic =abc",
    `Basic ${btoa(binary)}`, // not UTF-8
    `Basic ${btoa("\xff\xfe:x")}`,
    basic(":password-only"),
    basic("   :x"),
    basic(`${"a".repeat(129)}:x`),
    basic("tab\there:x"),
    basic("new\nline:x"),
    basic("nul\u0000:x"),
    basic("del\u007f:x"),
    basic("bidi\u202Eoverride:x"),
    basic("zero\u200Bwidth:x"),
    basic("%0Ainjected:x"), // decodes to a control character
    basic("%E0%A4%A:x"), // bad escape: kept literally, still valid text
    `Basic ${"A".repeat(100_000)}`,
    `Basic ${btoa("x:y")} trailing`,
  ];
  for (const header of hostile) {
    const result = projectFromProxyAuth(header);
    if (header === basic("%E0%A4%A:x")) {
      assert.deepEqual(result, { project: "%E0%A4%A", source: "proxy_auth" });
      continue;
    }
    assert.equal(result, null, JSON.stringify(header?.slice(0, 80)));
  }
});
