/**
 * `export.otlp`: the OTLP exporter as the running daemon reports it (the same `ExportRow` status
 * shows). Nothing is lost while it retries (rows wait in the database), so a failing collector
 * is a WARN with the request to try by hand; settings that cannot work are a FAIL.
 */
import { homePaths } from "../core/mod.ts";
import { shellQuote } from "../setup/mod.ts";
import type { ExportRow } from "./_export_row.ts";
import { check, type DoctorCheck } from "./doctor_check.ts";

/** A lag past this is worth a WARN even while requests succeed. */
const LAG_WARN_S = 600;

export function exportCheck(home: string, row: ExportRow): DoctorCheck {
  const p = homePaths(home);
  switch (row.state) {
    case "unknown":
      return check("export.otlp", "SKIP", row.detail);
    case "off":
      return check("export.otlp", "SKIP", `OTLP export not configured (${row.detail})`);
    case "invalid":
      return check(
        "export.otlp",
        "FAIL",
        row.detail,
        `$EDITOR ${
          shellQuote(p.config)
        }  # fix export.otlp (or the OTEL_EXPORTER_OTLP_* variable named), then halton-meter stop && halton-meter start`,
      );
    case "ok":
      if ((row.oldest_unexported_age_s ?? 0) > LAG_WARN_S) {
        return check(
          "export.otlp",
          "WARN",
          `${row.detail}: catching up after an outage`,
          `curl -s http://127.0.0.1:$(jq .api ${
            shellQuote(p.effectivePorts)
          })/health | jq .export  # watch rowsBehind fall`,
        );
      }
      return check(
        "export.otlp",
        "PASS",
        `${row.detail}; ${row.exported_spans ?? 0} spans sent since start`,
      );
    case "retrying":
      return check(
        "export.otlp",
        "WARN",
        `${row.detail}; nothing is lost: rows wait in the database and are sent once the collector accepts them`,
        `curl -sS -o /dev/null -w '%{http_code}\\n' -X POST -H 'content-type: application/x-protobuf' ${
          shellQuote(row.endpoint ?? "<endpoint>")
        }  # 200 or 400 means reachable; add the headers your collector needs`,
      );
  }
}
