/**
 * Makes a log directory private: created 0700 when missing, and on every call the directory
 * set to 0700 and each file in it to 0600. Logs name hosts, ports, projects and paths, and
 * files written by older versions (or by a service manager's stdout redirection) were 0644
 * under a 0755 directory. Never throws: a log must not take a role down. No-op on Windows,
 * where modes do not apply (the directory inherits the profile's ACL).
 */
export function makeLogsPrivate(dir: string, os: string = Deno.build.os): void {
  if (os === "windows") {
    try {
      Deno.mkdirSync(dir, { recursive: true });
    } catch { /* the logger reports nothing either */ }
    return;
  }
  try {
    Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
    Deno.chmodSync(dir, 0o700);
    for (const entry of Deno.readDirSync(dir)) {
      if (!entry.isFile) continue;
      try {
        Deno.chmodSync(`${dir}/${entry.name}`, 0o600);
      } catch { /* removed meanwhile, or not ours: leave it */ }
    }
  } catch { /* unwritable or gone: the write that follows fails quietly too */ }
}
