import assert from "node:assert/strict";
import { parseProcStat } from "./process_cpu.ts";

Deno.test("parseProcStat sums utime and stime, even with spaces in the command name", () => {
  const line = (pid: number, comm: string, ut: number, st: number) =>
    `${pid} (${comm}) S 1 1 1 0 -1 4194560 100 0 0 0 ${ut} ${st} 0 0 20 0 5 0 1000 0 0`;
  const cpu = parseProcStat(`${line(42, "deno", 250, 50)}\n${line(7, "a b) c", 1, 2)}\n`);
  assert.equal(cpu.get(42), 3);
  assert.equal(cpu.get(7), 0.03);
  assert.equal(cpu.size, 2);
});
