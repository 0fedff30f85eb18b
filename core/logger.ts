import { makeLogsPrivate } from "./make_logs_private.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface Logger {
  log(level: LogLevel, message: string, fields?: Record<string, string | number | boolean>): void;
}

export interface FileLoggerOptions {
  /** Log file path, e.g. `<home>/logs/edge.log`. */
  path: string;
  /** When the file would grow past this, it is rotated to `<path>.1` (one generation kept). */
  maxBytes?: number;
  /** Also write each line to stderr (foreground runs). */
  echo?: boolean;
  now?: () => Date;
}

const encoder = new TextEncoder();

/**
 * A size-capped append-only logger; its file is 0600 in a 0700 directory. Writes are synchronous because they are rare
 * (lifecycle events and classified errors, never per-byte traffic) and a crash
 * must not lose the line that explains it. Logging never throws: a full or
 * read-only disk must not take the proxy down.
 */
export function createFileLogger(opts: FileLoggerOptions): Logger {
  const maxBytes = opts.maxBytes ?? 1024 * 1024;
  const now = opts.now ?? (() => new Date());
  let size = -1;
  const dir = opts.path.slice(0, opts.path.lastIndexOf("/"));
  return {
    log(level, message, fields) {
      let line = `${now().toISOString()} ${level} ${message}`;
      if (fields) {
        for (const [k, v] of Object.entries(fields)) line += ` ${k}=${JSON.stringify(v)}`;
      }
      line += "\n";
      if (opts.echo) {
        try {
          Deno.stderr.writeSync(encoder.encode(line));
        } catch { /* stderr closed: nothing to do */ }
      }
      try {
        const bytes = encoder.encode(line);
        if (size < 0) {
          // Once per logger, so at each role start: files from before are made private too.
          makeLogsPrivate(dir);
          try {
            size = Deno.statSync(opts.path).size;
          } catch {
            size = 0;
          }
        }
        if (size + bytes.length > maxBytes) {
          Deno.renameSync(opts.path, `${opts.path}.1`);
          size = 0;
        }
        Deno.writeFileSync(opts.path, bytes, { append: true, mode: 0o600 });
        size += bytes.length;
      } catch {
        size = -1; // re-stat next time; the disk may recover
      }
    },
  };
}

/** A logger that drops everything (tests, or when no state directory is usable). */
export const nullLogger: Logger = { log() {} };
