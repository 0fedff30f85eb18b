import assert from "node:assert/strict";
import { formatInt, formatUsd } from "./format_usd.ts";

Deno.test("formatUsd: cents from a dollar up, with thousands separators", () => {
  assert.equal(formatUsd(1), "$1.00");
  assert.equal(formatUsd(40.125), "$40.13");
  assert.equal(formatUsd(40.12), "$40.12");
  assert.equal(formatUsd(1234.5), "$1,234.50");
  assert.equal(formatUsd(1_000_000), "$1,000,000.00");
  assert.equal(formatUsd(0.995), "$1.00");
  assert.equal(formatUsd(-2.5), "-$2.50");
});

Deno.test("formatUsd: below a dollar, two significant digits at least", () => {
  assert.equal(formatUsd(0), "$0.00");
  assert.equal(formatUsd(-0), "$0.00");
  assert.equal(formatUsd(0.5), "$0.50");
  assert.equal(formatUsd(0.99), "$0.99");
  assert.equal(formatUsd(0.1), "$0.10");
  assert.equal(formatUsd(0.05), "$0.050");
  assert.equal(formatUsd(0.0034), "$0.0034");
  assert.equal(formatUsd(0.000012), "$0.000012");
  assert.equal(formatUsd(0.00001234), "$0.000012");
  assert.equal(formatUsd(-0.0034), "-$0.0034");
  assert.equal(formatUsd(Number.NaN), "$?");
  assert.equal(formatUsd(Infinity), "$?");
});

Deno.test("formatUsd: a non-zero amount is never shown as zero", () => {
  // Down to a ten-billionth of a dollar: far below a single token's price.
  for (let exp = -10; exp <= 6; exp++) {
    for (const mantissa of [1, 1.5, 2.5, 4.99, 5, 9.49, 9.5, 9.99]) {
      const v = mantissa * 10 ** exp;
      for (const usd of [v, -v]) {
        const text = formatUsd(usd);
        assert.match(text, /[1-9]/, `${usd} printed as ${text}`);
        assert.match(text, /^-?\$\d{1,3}(,\d{3})*\.\d+$/, `${usd} printed as ${text}`);
        // And it reads back within rounding of the last digit shown.
        const back = Number(text.replace(/[$,]/g, ""));
        const digits = text.split(".")[1].length;
        assert.ok(Math.abs(back - usd) <= 10 ** -digits, `${usd} printed as ${text}`);
      }
    }
  }
});

Deno.test("formatInt: rounded with thousands separators", () => {
  assert.equal(formatInt(0), "0");
  assert.equal(formatInt(999), "999");
  assert.equal(formatInt(1500), "1,500");
  assert.equal(formatInt(2_000_000.4), "2,000,000");
  assert.equal(formatInt(1234.5), "1,235");
});
