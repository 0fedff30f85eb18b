/**
 * Test support: how many live objects of each constructor name this process holds, read
 * from a V8 heap snapshot (which collects garbage first). Counting what stays reachable is
 * how a retention test asserts "nothing is kept", without timing or RSS thresholds.
 */
import v8 from "node:v8";

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

export async function countHeapObjects(names: readonly string[]): Promise<Record<string, number>> {
  let text = "";
  const decoder = new TextDecoder();
  for await (const chunk of v8.getHeapSnapshot()) {
    text += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
  }
  const snap = JSON.parse(text) as Snapshot;
  const fields = snap.snapshot.meta.node_fields.length;
  const objectType = snap.snapshot.meta.node_types[0].indexOf("object");
  const wanted = new Map<number, string>();
  snap.strings.forEach((s, i) => {
    if (names.includes(s)) wanted.set(i, s);
  });
  const counts: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  for (let i = 0; i < snap.nodes.length; i += fields) {
    if (snap.nodes[i] !== objectType) continue;
    const name = wanted.get(snap.nodes[i + 1]);
    if (name !== undefined) counts[name]++;
  }
  return counts;
}
