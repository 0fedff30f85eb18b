import assert from "node:assert/strict";
import { nastyWindowsSpec, windowsSpec } from "./_fixtures.ts";
import { assertGolden } from "./_golden.ts";
import { quoteWindowsArg } from "./_windows_quote.ts";
import { elements, parseXml, textOf, type XmlElement } from "./_xml_check.ts";
import { encodeTaskXml, renderTaskSchedulerXml } from "./render_task_scheduler_xml.ts";
import { ROLES } from "./roles.ts";

Deno.test("renderTaskSchedulerXml matches the golden task definitions", async () => {
  for (const role of ROLES) {
    await assertGolden(`schtasks/${role}.xml`, renderTaskSchedulerXml(windowsSpec, role));
  }
  await assertGolden("schtasks/escaping.xml", renderTaskSchedulerXml(nastyWindowsSpec, "edge"));
});

/** CommandLineToArgvW's rules for the arguments part (after the program). */
function parseWindowsArgs(line: string): string[] {
  const args: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (line[i] === " " || line[i] === "\t") i++;
    if (i >= line.length) break;
    let arg = "";
    let quoted = false;
    for (; i < line.length; i++) {
      const ch = line[i];
      if (!quoted && (ch === " " || ch === "\t")) break;
      if (ch === "\\") {
        let n = 0;
        while (line[i] === "\\") {
          n++;
          i++;
        }
        if (line[i] === '"') {
          arg += "\\".repeat(Math.floor(n / 2));
          if (n % 2 === 1) arg += '"';
          else quoted = !quoted;
        } else {
          arg += "\\".repeat(n);
          i--;
        }
      } else if (ch === '"') quoted = !quoted;
      else arg += ch;
    }
    args.push(arg);
  }
  return args;
}

function find(el: XmlElement, path: string[]): XmlElement {
  let cur = el;
  for (const name of path) {
    const next = elements(cur).find((c) => c.name === name);
    if (!next) throw new Error(`No <${name}> under <${cur.name}>`);
    cur = next;
  }
  return cur;
}

Deno.test("renderTaskSchedulerXml parses back: command, arguments, trigger, settings", () => {
  for (const spec of [windowsSpec, nastyWindowsSpec]) {
    for (const role of ROLES) {
      const task = parseXml(renderTaskSchedulerXml(spec, role));
      assert.equal(task.name, "Task");
      const exec = find(task, ["Actions", "Exec"]);
      assert.equal(textOf(find(exec, ["Command"])), spec.roles[role].program);
      assert.deepEqual(parseWindowsArgs(textOf(find(exec, ["Arguments"]))), spec.roles[role].args);
      assert.equal(textOf(find(task, ["Triggers", "LogonTrigger", "UserId"])), spec.user);
      assert.equal(textOf(find(task, ["Settings", "MultipleInstancesPolicy"])), "IgnoreNew");
      assert.equal(textOf(find(task, ["Settings", "ExecutionTimeLimit"])), "PT0S");
      assert.equal(textOf(find(task, ["Settings", "Hidden"])), "true");
      const restarts = elements(find(task, ["Settings"])).some((e) =>
        e.name === "RestartOnFailure"
      );
      assert.equal(restarts, role === "edge" || role === "watchdog", role);
    }
  }
});

Deno.test("quoteWindowsArg round-trips through CommandLineToArgvW rules", () => {
  const cases = [
    "",
    "plain",
    "with space",
    'a"b',
    "trail\\",
    "trail space\\",
    'x\\"y',
    "\\\\srv\\share",
    "\t",
  ];
  for (const arg of cases) assert.deepEqual(parseWindowsArgs(quoteWindowsArg(arg)), [arg], arg);
  assert.deepEqual(parseWindowsArgs(cases.map(quoteWindowsArg).join(" ")), cases);
});

Deno.test("renderTaskSchedulerXml refuses %VAR% and a missing user", () => {
  const expanding = {
    ...windowsSpec,
    roles: {
      ...windowsSpec.roles,
      edge: { program: "C:\\deno.exe", args: ["%USERPROFILE%\\main.ts"] },
    },
  };
  assert.throws(() => renderTaskSchedulerXml(expanding, "edge"), /would expand/);
  const { user: _user, ...noUser } = windowsSpec;
  assert.throws(() => renderTaskSchedulerXml(noUser, "edge"), /no user/);
});

Deno.test("encodeTaskXml writes UTF-16LE with a byte-order mark", () => {
  const bytes = encodeTaskXml("<a>é€</a>");
  assert.deepEqual([...bytes.slice(0, 4)], [0xff, 0xfe, 0x3c, 0x00]);
  assert.equal(new TextDecoder("utf-16le").decode(bytes.slice(2)), "<a>é€</a>");
});
