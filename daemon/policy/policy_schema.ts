/**
 * The shape of `policy.json` (docs/POLICY.md). Every object is strict: an unknown key is an
 * error that names it, because a misspelt `on_exceed` silently ignored is a cap silently lost.
 */
import { z } from "zod";

const ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const id = z.string().regex(ID, "expected 1-64 letters, digits, '.', '_', ':' or '-'");
const glob = z.string().min(1, "expected a non-empty glob").max(
  256,
  "expected at most 256 characters",
);
/** One glob, or a list of globs of which any may match. */
const globs = z.union([glob, z.array(glob).min(1, "expected at least one glob").max(100)]);

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const timeZone = z.string().refine(isTimeZone, {
  message: "expected an IANA time zone such as Europe/Paris, America/New_York or UTC",
});
const fraction = z.number().gt(0, "expected a fraction above 0").lte(1, "expected at most 1");
const message = z.string().min(1).max(500, "expected at most 500 characters");

/** What a rule or budget applies to; every given field must match (absent = any value). */
export const matchSchema = z.strictObject({
  provider: globs,
  host: globs,
  endpoint: globs,
  model: globs,
  project: globs,
  client: globs,
  key: globs,
}).partial();

const ruleSchema = z.strictObject({
  id,
  match: matchSchema.optional(),
  action: z.enum(["allow", "warn", "block"], { error: "expected allow, warn or block" }),
  message: message.optional(),
});

/** `day`/`week`/`month` are calendar windows; `30m`, `5h`, `7d` roll. */
export const WINDOW = /^(?:day|week|month|[1-9][0-9]{0,3}[mhd])$/;

const budgetSchema = z.strictObject({
  id,
  window: z.string().regex(WINDOW, "expected day, week, month or a rolling 30m / 5h / 7d"),
  scope: matchSchema.optional(),
  cap_usd: z.number().positive("expected a number above 0").optional(),
  cap_tokens: z.number().int("expected a whole number").positive("expected a number above 0")
    .optional(),
  warn_at: fraction.optional(),
  on_exceed: z.enum(["block", "warn"], { error: "expected block or warn" }).optional(),
  time_zone: timeZone.optional(),
  message: message.optional(),
}).refine((b) => b.cap_usd !== undefined || b.cap_tokens !== undefined, {
  message: "a budget needs cap_usd, cap_tokens or both",
});

const quotaSchema = z.strictObject({
  id,
  /** A subscription window named by the unified headers: `5h`, `7d`, `7d_opus`, ... */
  window: z.string().regex(/^[a-z0-9_]{1,32}$/, "expected a window name such as 5h or 7d"),
  account: globs.optional(),
  match: matchSchema.optional(),
  warn_at: fraction.optional(),
  block_at: fraction.optional(),
  message: message.optional(),
}).refine((q) => q.warn_at !== undefined || q.block_at !== undefined, {
  message: "a quota rule needs warn_at, block_at or both",
});

export const policySchema = z.strictObject({
  $schema: z.string().optional(),
  version: z.literal(1, { error: "expected 1" }).optional(),
  /** Calendar windows are cut in this zone; default: the machine's. */
  time_zone: timeZone.optional(),
  notify: z.strictObject({ desktop: z.boolean() }).partial().optional(),
  rules: z.array(ruleSchema).max(1000).optional(),
  budgets: z.array(budgetSchema).max(200).optional(),
  quota: z.array(quotaSchema).max(100).optional(),
}).superRefine((p, ctx) => {
  const seen = new Map<string, string>();
  for (const list of ["rules", "budgets", "quota"] as const) {
    (p[list] ?? []).forEach((item, i) => {
      const where = `${list}[${i}]`;
      const first = seen.get(item.id);
      if (first !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: [list, i, "id"],
          message:
            `id already used by ${first}: ids name what blocked a call, so they must be unique`,
        });
      } else seen.set(item.id, where);
    });
  }
});

export type PolicyFile = z.infer<typeof policySchema>;
export type MatchSpec = z.infer<typeof matchSchema>;
export type RuleSpec = z.infer<typeof ruleSchema>;
export type BudgetSpec = z.infer<typeof budgetSchema>;
export type QuotaSpec = z.infer<typeof quotaSchema>;
