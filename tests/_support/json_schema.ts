/**
 * The JSON Schema subset docs/status.schema.json and docs/doctor.schema.json use: type (one
 * or a list; `integer` is a `number`), enum, required, properties, items, pattern,
 * minimum/maximum. Enough to hold real command output to the documented contract without
 * a validator dependency.
 */
export type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  required?: string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  pattern?: string;
  minimum?: number;
  maximum?: number;
};

export async function loadJsonSchema(url: URL): Promise<JsonSchema> {
  return JSON.parse(await Deno.readTextFile(url)) as JsonSchema;
}

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

/** Every way `value` breaks `schema`, each as `<path>: <what>`; empty when it conforms. */
export function validateJsonSchema(schema: JsonSchema, value: unknown, at = "$"): string[] {
  const errors: string[] = [];
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    const t = typeOf(value);
    if (!types.includes(t) && !(t === "integer" && types.includes("number"))) {
      return [`${at}: expected ${types.join("|")}, got ${t}`];
    }
  }
  if (schema.enum !== undefined && !schema.enum.includes(value)) {
    errors.push(`${at}: ${JSON.stringify(value)} not in ${JSON.stringify(schema.enum)}`);
  }
  if (schema.pattern !== undefined && typeof value === "string") {
    if (!new RegExp(schema.pattern).test(value)) errors.push(`${at}: does not match pattern`);
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) errors.push(`${at}: < minimum`);
    if (schema.maximum !== undefined && value > schema.maximum) errors.push(`${at}: > maximum`);
  }
  if (Array.isArray(value)) {
    if (schema.items) {
      value.forEach((v, i) => errors.push(...validateJsonSchema(schema.items!, v, `${at}[${i}]`)));
    }
  } else if (typeof value === "object" && value !== null) {
    const rec = value as Record<string, unknown>;
    for (const key of schema.required ?? []) {
      if (!(key in rec)) errors.push(`${at}.${key}: required field missing`);
    }
    for (const [key, sub] of Object.entries(schema.properties ?? {})) {
      if (key in rec) errors.push(...validateJsonSchema(sub, rec[key], `${at}.${key}`));
    }
  }
  return errors;
}
