/**
 * Headless Chromium (Debian's `chromium`) driven over CDP by puppeteer-core, for black-box tests
 * of the dashboard. puppeteer-core never downloads a browser: it is pointed at the system one.
 */
import puppeteer, { type Browser } from "puppeteer-core";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];

/** The browser binary (`HALTON_METER_CHROMIUM` first), or why there is none. */
export function findChromium(): { path: string } | { missing: string } {
  const env = Deno.env.get("HALTON_METER_CHROMIUM");
  for (const p of env ? [env, ...CANDIDATES] : CANDIDATES) {
    try {
      if (Deno.statSync(p).isFile) return { path: p };
    } catch { /* next */ }
  }
  return {
    missing: `no Chromium at ${
      CANDIDATES.join(", ")
    } (apt-get install chromium, or set HALTON_METER_CHROMIUM)`,
  };
}

/** Launches headless Chromium with a throw-away profile in `profileDir`. */
export function launchChromium(path: string, profileDir: string): Promise<Browser> {
  return puppeteer.launch({
    executablePath: path,
    headless: true,
    userDataDir: profileDir,
    // No network but loopback is used; these keep Chromium from trying any.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
    protocolTimeout: 60_000,
  });
}
