import assert from "node:assert/strict";
import { join } from "node:path";
import { seededRandom } from "../../adapters/_golden.ts";
import { compilePolicy } from "./compile_policy.ts";
import { formatPath, loadPolicy, MAX_POLICY_BYTES, parsePolicy, quote } from "./load_policy.ts";

const PATH = "/home/me/.halton-meter/policy.json";

/** Every key the file may hold, each used at least once. */
const FULL = {
  $schema: "https://halton.dev/policy.schema.json",
  version: 1,
  time_zone: "Europe/Paris",
  notify: { desktop: true },
  rules: [
    {
      id: "no-opus-on-acme",
      match: { project: "acme", model: "claude-opus-*" },
      action: "block",
      message: "acme uses Sonnet; ask Ana before using Opus.",
    },
    { id: "gpt5-is-pricey", match: { model: "gpt-5*" }, action: "warn" },
    {
      id: "every_field.1",
      match: {
        provider: "anthropic",
        host: "api.anthropic.com",
        endpoint: ["messages", "count_tokens"],
        model: ["claude-opus-*", "claude-sonnet-*"],
        project: "p?",
        client: "curl",
        key: "a1b2c3d4",
      },
      action: "allow",
    },
  ],
  budgets: [
    { id: "acme-weekly", window: "week", scope: { project: "acme" }, cap_usd: 40 },
    {
      id: "all-daily",
      window: "day",
      cap_usd: 25,
      cap_tokens: 5_000_000,
      warn_at: 0.7,
      on_exceed: "warn",
      time_zone: "America/New_York",
      message: "Take a break.",
    },
    { id: "opus-5h", window: "5h", scope: { model: "claude-opus-*" }, cap_tokens: 2_000_000 },
    { id: "monthly", window: "month", cap_usd: 0.5, warn_at: 1 },
    { id: "m30", window: "30m", cap_usd: 1 },
  ],
  quota: [
    { id: "claude-5h", window: "5h", warn_at: 0.8, block_at: 0.97 },
    {
      id: "claude-week",
      window: "7d",
      account: ["a1b2c3d4", "ff*"],
      match: { client: "claude-code" },
      warn_at: 0.9,
      message: "Slow down.",
    },
    { id: "opus-week", window: "7d_opus", account: "a1b2c3d4", block_at: 1 },
  ],
};

/** C0 controls (newlines, escapes) would break a log line. */
function hasControl(text: string): boolean {
  return [...text].some((c) => c.charCodeAt(0) < 0x20);
}

function errorOf(policy: unknown): string {
  const r = parsePolicy(JSON.stringify(policy), PATH);
  assert.equal(r.ok, false, `expected an error for ${JSON.stringify(policy)}`);
  return r.ok ? "" : r.message;
}

/** `FULL` with one change made by `edit`. */
function fullWith(edit: (p: typeof FULL & Record<string, unknown>) => void): unknown {
  const copy = structuredClone(FULL) as typeof FULL & Record<string, unknown>;
  edit(copy);
  return copy;
}

Deno.test("parsePolicy: a full example with every key is valid and kept as written", () => {
  const text = JSON.stringify(FULL, null, 2);
  const r = parsePolicy(text, PATH);
  assert.ok(r.ok, r.ok ? "" : r.message);
  assert.equal(r.path, PATH);
  assert.equal(r.exists, true);
  assert.equal(r.text, text);
  assert.deepEqual(r.policy, FULL);
  const compiled = compilePolicy(r.policy, "UTC");
  assert.equal(compiled.rules.length, 3);
  assert.equal(compiled.budgets.length, 5);
  assert.equal(compiled.quota.length, 3);
  assert.equal(compiled.timeZone, "Europe/Paris");
  assert.equal(compiled.notifyDesktop, true);
  assert.equal(compiled.usesProject, true);
  assert.deepEqual(compiled.budgets[1].window, {
    kind: "calendar",
    unit: "day",
    timeZone: "America/New_York",
    label: "day",
  });
  assert.equal(compiled.budgets[0].warnAt, 0.8, "default warn_at");
  assert.equal(compiled.budgets[0].onExceed, "block", "default on_exceed");
  // An empty object is a valid, empty policy.
  const empty = parsePolicy("{}", PATH);
  assert.ok(empty.ok);
  assert.equal(compilePolicy(empty.ok ? empty.policy : {}, "UTC").empty, true);
});

Deno.test("parsePolicy: an unknown key is named with its full path", () => {
  assert.equal(
    errorOf({ bogus: 1 }),
    `Invalid policy ${PATH}: unknown key "bogus": remove it or check its spelling`,
  );
  assert.equal(
    errorOf(fullWith((p) => Object.assign(p.budgets[0], { on_exced: "warn" }))),
    `Invalid policy ${PATH}: unknown key "budgets[0].on_exced": remove it or check its spelling`,
  );
  assert.match(
    errorOf(fullWith((p) => Object.assign(p.rules[2].match, { modle: "x", projet: "y" }))),
    /unknown key "rules\[2\]\.match\.modle", "rules\[2\]\.match\.projet"/,
  );
  assert.match(
    errorOf({ notify: { desktop: true, sound: true } }),
    /unknown key "notify\.sound"/,
  );
  assert.match(errorOf({ quota: [{ id: "q", window: "5h", warn: 0.5 }] }), /"quota\[0\]\.warn"/);
  // A key is any string: it is quoted (one line) and cut, and a flood of them is counted.
  assert.match(errorOf({ "a\nb": 1 }), /unknown key "a\\nb": /);
  const long = errorOf({ ["k".repeat(100_000)]: 1 });
  assert.ok(long.length < 300, `${long.length} characters`);
  const flood = errorOf(Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i])));
  assert.match(flood, /unknown key "k0", "k1", "k2", "k3", "k4" and 495 more: /);
});

Deno.test("parsePolicy: a bad value names the key path, the value and what was expected", () => {
  const cases: [unknown, string][] = [
    [
      fullWith((p) => (p.rules[1].action = "deny")),
      'rules[1].action = "deny": expected allow, warn or block',
    ],
    [
      fullWith((p) => (p.budgets[0].window = "fortnight")),
      'budgets[0].window = "fortnight": expected day, week, month or a rolling 30m / 5h / 7d',
    ],
    [
      fullWith((p) => (p.budgets[1].cap_usd = -5)),
      "budgets[1].cap_usd = -5: expected a number above 0",
    ],
    [
      fullWith((p) => (p.budgets[1].cap_usd = 0)),
      "budgets[1].cap_usd = 0: expected a number above 0",
    ],
    [
      fullWith((p) => (p.budgets[2].cap_tokens = 1.5)),
      "budgets[2].cap_tokens = 1.5: expected a whole number",
    ],
    [
      { budgets: [{ id: "b", window: "day" }] },
      'budgets[0] = {"id":"b","window":"day"}: a budget needs cap_usd, cap_tokens or both',
    ],
    [
      fullWith((p) => (p.time_zone = "Mars/Olympus_Mons")),
      'time_zone = "Mars/Olympus_Mons": expected an IANA time zone such as Europe/Paris, ' +
      "America/New_York or UTC",
    ],
    [
      fullWith((p) => (p.budgets[1].time_zone = "EST5EDT7")),
      'budgets[1].time_zone = "EST5EDT7": expected an IANA time zone',
    ],
    [
      fullWith((p) => (p.budgets[1].on_exceed = "stop")),
      'budgets[1].on_exceed = "stop": expected block or warn',
    ],
    [
      fullWith((p) => (p.budgets[1].warn_at = 1.5)),
      "budgets[1].warn_at = 1.5: expected at most 1",
    ],
    [
      fullWith((p) => (p.quota[0].block_at = 0)),
      "quota[0].block_at = 0: expected a fraction above 0",
    ],
    [
      { quota: [{ id: "q", window: "5h" }] },
      'quota[0] = {"id":"q","window":"5h"}: a quota rule needs warn_at, block_at or both',
    ],
    [
      { quota: [{ id: "q", window: "5 hours", warn_at: 0.5 }] },
      'quota[0].window = "5 hours": expected a window name such as 5h or 7d',
    ],
    [{ rules: [{ id: "-x", action: "block" }] }, 'rules[0].id = "-x": expected 1-64 letters'],
    [{ rules: [{ id: "x".repeat(65), action: "block" }] }, "rules[0].id = "],
    [{ rules: [{ action: "block" }] }, "rules[0].id missing: "],
    [{ rules: [{ id: "r" }] }, "rules[0].action missing: expected allow, warn or block"],
    [
      { rules: [{ id: "r", action: "block", match: { model: "" } }] },
      'rules[0].match.model = "": expected a non-empty glob',
    ],
    [
      { rules: [{ id: "r", action: "block", match: { model: [] } }] },
      "rules[0].match.model = []: expected at least one glob",
    ],
    [
      { budgets: [{ id: "b", window: "day", cap_usd: "5" }] },
      'budgets[0].cap_usd = "5": Invalid input: expected number, received string',
    ],
    [{ version: 2 }, "version = 2: expected 1"],
    [{ rules: {} }, "rules = {}: Invalid input: expected array, received object"],
    [{ notify: { desktop: "yes" } }, 'notify.desktop = "yes": '],
    [[], "(top level) = []: Invalid input: expected object, received array"],
    [null, "(top level) = null: "],
    [
      { rules: [{ id: "r", action: "block", message: "m".repeat(501) }] },
      'rules[0].message = "mmmm',
    ],
  ];
  for (const [policy, expected] of cases) {
    const message = errorOf(policy);
    assert.ok(message.startsWith(`Invalid policy ${PATH}: `), message);
    assert.ok(message.includes(expected), `${message}\n  should include\n${expected}`);
  }
});

Deno.test("parsePolicy: a long value is quoted cut short", () => {
  const message = errorOf({ time_zone: "Z".repeat(5000) });
  assert.match(message, /time_zone = "Z{76}\.\.\.: expected an IANA time zone/);
  assert.ok(message.length < 300);
});

Deno.test("parsePolicy: several errors are listed, five at most", () => {
  const two = errorOf({ version: 3, rules: [{ id: "r", action: "nope" }] });
  assert.match(two, /version = 3: expected 1; rules\[0\]\.action = "nope"/);
  const many = errorOf({
    rules: Array.from({ length: 8 }, (_, i) => ({ id: `r${i}`, action: "nope" })),
  });
  assert.equal(many.match(/expected allow, warn or block/g)?.length, 5);
  assert.match(many, /; and 3 more$/);
});

Deno.test("parsePolicy: ids must be unique across rules, budgets and quota", () => {
  assert.match(
    errorOf({
      rules: [{ id: "cap", action: "warn" }],
      budgets: [{ id: "cap", window: "day", cap_usd: 1 }],
    }),
    /budgets\[0\]\.id = "cap": id already used by rules\[0\]: ids name what blocked a call/,
  );
  assert.match(
    errorOf(fullWith((p) => (p.quota[2].id = "opus-5h"))),
    /quota\[2\]\.id = "opus-5h": id already used by budgets\[2\]/,
  );
  assert.match(
    errorOf({ rules: [{ id: "a", action: "warn" }, { id: "a", action: "block" }] }),
    /rules\[1\]\.id = "a": id already used by rules\[0\]/,
  );
});

Deno.test("parsePolicy: text that is not JSON, or too large", () => {
  const bad = parsePolicy('{"rules": [', PATH);
  assert.equal(bad.ok, false);
  assert.match(
    bad.ok ? "" : bad.message,
    new RegExp(
      `^Invalid policy ${PATH}: not valid JSON \\(.+\\); fix it, then check with ` +
        "`halton-meter policy check`$",
    ),
  );
  for (const text of ["", "// comment\n{}", "{'a': 1}", "{} {}", "\ufeff{}"]) {
    const r = parsePolicy(text, PATH);
    assert.equal(r.ok, false, JSON.stringify(text));
    assert.match(r.ok ? "" : r.message, /not valid JSON/);
  }
  // The parser's excerpt of the text is kept on one line.
  const ctl = parsePolicy('{"a":\n\u0001\n}', PATH);
  assert.match(ctl.ok ? "" : ctl.message, /not valid JSON/);
  assert.ok(!hasControl(ctl.ok ? "" : ctl.message));
  const big = `{"$schema": "${"x".repeat(MAX_POLICY_BYTES)}"}`;
  const r = parsePolicy(big, PATH);
  assert.equal(r.ok, false);
  assert.equal(
    r.ok ? "" : r.message,
    `Invalid policy ${PATH}: ${big.length} bytes, more than ${MAX_POLICY_BYTES}; ` +
      "a policy is a few rules and budgets",
  );
});

Deno.test("parsePolicy: __proto__ and constructor keys are unknown keys, not prototypes", () => {
  assert.match(errorOf(JSON.parse('{"__proto__": {"rules": 5}}')), /unknown key "__proto__"/);
  const nested = parsePolicy('{"rules": [{"id": "a", "action": "block", "__proto__": {}}]}', PATH);
  assert.match(nested.ok ? "" : nested.message, /unknown key "rules\[0\]\.__proto__"/);
  const ctor = parsePolicy('{"budgets": [{"constructor": 1, "id": "b", "window": "day"}]}', PATH);
  assert.match(ctor.ok ? "" : ctor.message, /unknown key "budgets\[0\]\.constructor"/);
  assert.equal(({} as Record<string, unknown>).rules, undefined, "Object.prototype untouched");
});

Deno.test("formatPath and quote", () => {
  assert.equal(formatPath([]), "");
  assert.equal(formatPath(["budgets", 0, "scope", "model"]), "budgets[0].scope.model");
  assert.equal(formatPath(["rules", 3, "match", "model", 1]), "rules[3].match.model[1]");
  assert.equal(formatPath([0, "a"]), "[0].a");
  assert.equal(quote("x"), '"x"');
  assert.equal(quote(undefined), "undefined");
  assert.equal(quote(1n), "1");
  assert.equal(quote("a".repeat(100)), `"${"a".repeat(76)}...`);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.equal(quote(cyclic), "[object Object]");
});

Deno.test("loadPolicy: a missing file is no policy; a file is read and checked", () => {
  const dir = Deno.makeTempDirSync({ prefix: "halton-policy-" });
  try {
    const path = join(dir, "policy.json");
    assert.deepEqual(loadPolicy(path), { ok: true, policy: {}, path, exists: false, text: "" });
    Deno.writeTextFileSync(path, JSON.stringify(FULL));
    const r = loadPolicy(path);
    assert.ok(r.ok && r.exists);
    assert.deepEqual(r.ok ? r.policy : null, FULL);
    Deno.writeTextFileSync(path, '{"rules": [{"id": "r", "action": "deny"}]}');
    const bad = loadPolicy(path);
    assert.equal(
      bad.ok ? "" : bad.message,
      `Invalid policy ${path}: rules[0].action = "deny": expected allow, warn or block`,
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("loadPolicy: an oversized file is refused before it is read", () => {
  const dir = Deno.makeTempDirSync({ prefix: "halton-policy-" });
  try {
    const path = join(dir, "policy.json");
    // Multi-byte characters: the limit is on bytes, whatever the character count.
    const text = `{"$schema": "${"é".repeat(MAX_POLICY_BYTES / 2)}"}`;
    Deno.writeTextFileSync(path, text);
    const size = Deno.statSync(path).size;
    assert.ok(size > MAX_POLICY_BYTES && text.length < MAX_POLICY_BYTES);
    const r = loadPolicy(path);
    assert.equal(r.ok, false);
    assert.equal(
      r.ok ? "" : r.message,
      `Invalid policy ${path}: ${size} bytes, more than ${MAX_POLICY_BYTES}`,
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("loadPolicy: an unreadable file names the path and what to check", () => {
  const dir = Deno.makeTempDirSync({ prefix: "halton-policy-" });
  try {
    // A directory where the file should be: stat works, reading does not (even as root).
    const path = join(dir, "policy.json");
    Deno.mkdirSync(path);
    const r = loadPolicy(path);
    assert.equal(r.ok, false);
    assert.match(
      r.ok ? "" : r.message,
      new RegExp(`^Cannot read policy ${path}: .+; check its permissions$`),
    );
    // A path through a regular file cannot exist: that is an error too, not "no policy".
    const file = join(dir, "plain");
    Deno.writeTextFileSync(file, "{}");
    const through = loadPolicy(join(file, "policy.json"));
    assert.equal(through.ok, false);
    assert.match(through.ok ? "" : through.message, /^Cannot read policy /);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

// ---- fuzz ----

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const KEYS = [
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "id",
  "window",
  "cap_usd",
  "cap_tokens",
  "warn_at",
  "block_at",
  "on_exceed",
  "time_zone",
  "match",
  "scope",
  "account",
  "action",
  "message",
  "rules",
  "budgets",
  "quota",
  "model",
  "",
  "é",
  "\u0000",
  "a\nb",
];

function fuzzer(seed: number) {
  const rand = seededRandom(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(list: readonly T[]): T => list[int(list.length)];

  const str = (): string => {
    switch (int(8)) {
      case 0:
        return "";
      case 1:
        return "x".repeat(int(10) === 0 ? 300_000 : 300);
      case 2:
        return pick(["day", "week", "month", "5h", "0m", "10000d", "9999m", "7d_opus", "UTC"]);
      case 3:
        return pick(["block", "warn", "allow", "Block", " warn"]);
      case 4:
        return pick(["Europe/Paris", "Etc/GMT+5", "Mars/Base", "utc", "America/New_York "]);
      case 5:
        return String.fromCharCode(...Array.from({ length: int(20) }, () => int(0x3000)));
      case 6:
        return pick(["*", "?", "[", "claude-*", "\ud800", "😀", "a".repeat(257)]);
      default:
        return pick(KEYS);
    }
  };

  const value = (depth: number): Json => {
    switch (int(depth > 4 ? 5 : 9)) {
      case 0:
        return null;
      case 1:
        return rand() < 0.5;
      case 2:
        return pick([0, -1, 1, 0.5, 1.0000001, 2 ** 53, -0, 1e308, 1.5, 64, 1000]);
      case 3:
      case 4:
        return str();
      case 5:
      case 6:
        return Array.from({ length: int(4) }, () => value(depth + 1));
      case 7: {
        const o: { [k: string]: Json } = {};
        for (let i = int(4); i > 0; i--) setOwn(o, pick(KEYS), value(depth + 1));
        return o;
      }
      default: {
        // Deep nesting.
        let v: Json = 1;
        for (let i = int(2000); i > 0; i--) v = rand() < 0.5 ? [v] : { a: v };
        return v;
      }
    }
  };

  /** Own data property even for `__proto__`, as JSON.parse would make it. */
  const setOwn = (o: { [k: string]: Json }, k: string, v: Json) => {
    Object.defineProperty(o, k, { value: v, enumerable: true, configurable: true, writable: true });
  };

  /** Containers (objects and arrays) in `root`, to pick where to mutate. */
  const containers = (root: Json): (Json[] | { [k: string]: Json })[] => {
    const out: (Json[] | { [k: string]: Json })[] = [];
    const walk = (v: Json, depth: number) => {
      if (v === null || typeof v !== "object" || depth > 6) return;
      out.push(v);
      for (const c of Array.isArray(v) ? v : Object.values(v)) walk(c, depth + 1);
    };
    walk(root, 0);
    return out;
  };

  const mutate = (root: Json) => {
    const all = containers(root);
    if (all.length === 0) return;
    const c = pick(all);
    if (Array.isArray(c)) {
      const op = int(4);
      if (op === 0 && c.length) c.splice(int(c.length), 1);
      else if (op === 1 && c.length) c.push(structuredClone(c[int(c.length)])); // duplicate ids
      else if (op === 2 && c.length) c[int(c.length)] = value(0);
      else c.push(value(0));
    } else {
      const keys = Object.keys(c);
      const op = int(4);
      if (op === 0 && keys.length) delete c[pick(keys)];
      else if (op === 1 && keys.length) setOwn(c, pick(keys), value(0));
      else setOwn(c, pick(KEYS), value(0));
    }
  };

  const text = (): string => {
    const mode = int(10);
    if (mode === 0) {
      // Random bytes, as a text file would be read.
      const bytes = new Uint8Array(int(200));
      for (let i = 0; i < bytes.length; i++) bytes[i] = int(256);
      return new TextDecoder().decode(bytes);
    }
    const root = structuredClone(FULL) as unknown as Json;
    for (let i = 1 + int(4); i > 0; i--) mutate(root);
    // Mostly compact: indenting a 2000-deep nesting makes megabytes the size check refuses.
    let t = JSON.stringify(root, null, int(4) === 0 ? 2 : undefined);
    if (mode === 1) {
      // Damage the text itself.
      const at = int(t.length);
      t = pick([
        () => t.slice(0, at),
        () => t.slice(0, at) + pick(["{", "]", ",", '"', "\\", "\u0000", "}}"]) + t.slice(at),
        () => t.slice(0, at) + t.slice(at + 1 + int(10)),
      ])();
    }
    return t;
  };
  return { text };
}

Deno.test("parsePolicy fuzz: random mutations never throw; errors name the file and stay short", () => {
  const seed = 0x5eed;
  const fuzz = fuzzer(seed);
  let ok = 0;
  let invalid = 0;
  for (let i = 0; i < 2000; i++) {
    const text = fuzz.text();
    let r;
    try {
      r = parsePolicy(text, PATH);
    } catch (err) {
      assert.fail(`case ${i} (seed ${seed}) threw ${err}: ${text.slice(0, 300)}`);
    }
    if (r.ok) {
      ok++;
      assert.equal(r.text, text);
      // What validates also compiles.
      compilePolicy(r.policy, "UTC");
      continue;
    }
    invalid++;
    assert.equal(r.path, PATH);
    assert.ok(r.message.startsWith(`Invalid policy ${PATH}: `), `case ${i}: ${r.message}`);
    assert.ok(r.message.length < 2000, `case ${i}: a ${r.message.length}-character message`);
    assert.ok(!hasControl(r.message), `case ${i}: one line: ${JSON.stringify(r.message)}`);
    // Past the JSON and size checks, the first detail names a key path (or the top level).
    const detail = r.message.slice(`Invalid policy ${PATH}: `.length);
    if (!/^(not valid JSON|\d+ bytes)/.test(detail)) {
      assert.match(
        detail,
        /^(unknown key "|\(top level\) |[$a-z_]+(\[\d+\]|\.[a-z_]+)* (= |missing: ))/,
        `case ${i}`,
      );
    }
  }
  assert.ok(ok > 100 && invalid > 1000, `ok ${ok}, invalid ${invalid}: the fuzzer lost its way`);
});
