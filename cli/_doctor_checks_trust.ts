/**
 * Trust layer: the real handshake (see `_trust_handshake.ts`), the trust-store module's own
 * view when this build has one (`CaTrust.state`), and certifi per Python interpreter
 * (`CertifiPatcher`). The last two are optional deps: without them the check is a SKIP.
 */
import type { CaTrust, CertifiPatcher } from "../setup/mod.ts";
import type { UsableCa } from "./_doctor_checks_ca.ts";
import type { HandshakeResult } from "./_trust_handshake.ts";
import { check, type DoctorCheck } from "./doctor_check.ts";

export interface TrustCheckDeps {
  trustHandshake(ca: UsableCa): Promise<HandshakeResult>;
  caTrust?: CaTrust;
  certifi?: CertifiPatcher;
  /** Extra interpreters to ask (`--python PATH`). */
  pythons?: readonly string[];
  /** The init that keeps the install's mode (`initCommandFor`); default plain init. */
  initCommand?: string;
}

export async function trustChecks(
  ca: UsableCa | null,
  deps: TrustCheckDeps,
): Promise<DoctorCheck[]> {
  const out: DoctorCheck[] = [];
  const trustNext = `${
    deps.initCommand ?? "halton-meter init"
  }  # trusts the CA (prints the exact command when it lacks rights)`;
  if (ca === null) {
    out.push(check("trust.handshake", "SKIP", "the CA is not usable (see the ca checks)"));
  } else {
    let r: HandshakeResult;
    try {
      r = await deps.trustHandshake(ca);
    } catch (err) {
      r = { kind: "unavailable", detail: `the test listener failed: ${String(err)}` };
    }
    if (r.kind === "verified") out.push(check("trust.handshake", "PASS", r.detail));
    else if (r.kind === "rejected") {
      out.push(check(
        "trust.handshake",
        "FAIL",
        `${r.detail}; tools that use the OS store reject metered hosts`,
        trustNext,
      ));
    } else out.push(check("trust.handshake", "SKIP", r.detail));
  }

  if (!deps.caTrust) {
    out.push(check("trust.store", "SKIP", "no trust-store module in this build"));
  } else if (ca === null) {
    out.push(check("trust.store", "SKIP", "the CA is not usable (see the ca checks)"));
  } else {
    const where = deps.caTrust.describe();
    try {
      const state = await deps.caTrust.state(ca.certPath);
      out.push(
        state === "trusted"
          ? check("trust.store", "PASS", `present in ${where}`)
          : state === "untrusted"
          ? check("trust.store", "FAIL", `not present in ${where}`, trustNext)
          : check("trust.store", "WARN", `could not read ${where}`, trustNext),
      );
    } catch (err) {
      out.push(check("trust.store", "WARN", `${where}: ${String(err)}`, trustNext));
    }
  }

  out.push(...await certifiChecks(ca, deps));
  return out;
}

async function certifiChecks(ca: UsableCa | null, deps: TrustCheckDeps): Promise<DoctorCheck[]> {
  const init = deps.initCommand ?? "halton-meter init";
  if (!deps.certifi) return [check("certifi.bundles", "SKIP", "no certifi module in this build")];
  if (ca === null) return [check("certifi.bundles", "SKIP", "the CA is not usable")];
  let targets;
  try {
    targets = await deps.certifi.discover(deps.pythons ?? []);
  } catch (err) {
    return [check(
      "certifi.bundles",
      "WARN",
      `could not list Python interpreters: ${String(err)}`,
      "python3 -c 'import certifi; print(certifi.where())'",
    )];
  }
  if (targets.length === 0) {
    return [check("certifi.bundles", "SKIP", "no Python interpreter found")];
  }
  const out: DoctorCheck[] = [];
  for (const t of targets) {
    const id = `certifi.${t.python}`;
    if (t.bundle === null) {
      const why = t.error?.split(": ").at(-1) ?? "not installed";
      out.push(check(id, "SKIP", `no certifi module (${why})`));
      continue;
    }
    let state;
    try {
      state = await deps.certifi.state(t.bundle, ca.certPem);
    } catch (err) {
      out.push(check(id, "WARN", `${t.bundle}: ${String(err)}`, init));
      continue;
    }
    const fix = `${init} --python ${t.python}`;
    if (state === "patched") out.push(check(id, "PASS", `${t.bundle} holds our CA`));
    else if (state === "stale") {
      out.push(check(id, "FAIL", `${t.bundle} holds an older Halton Meter CA`, fix));
    } else if (state === "unpatched") {
      out.push(check(
        id,
        "FAIL",
        `${t.bundle} lacks our CA: ${t.python} clients that read certifi reject metered hosts`,
        fix,
      ));
    } else out.push(check(id, "WARN", `${t.bundle} does not exist`, fix));
  }
  return out;
}
