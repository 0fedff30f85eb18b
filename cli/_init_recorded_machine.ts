/**
 * Scripted answers for the recorded init/uninstall tests: a small, stateful model of each
 * OS that the real modules query and change (trust store, login environment, system proxy,
 * service manager), so idempotent re-runs and mode switches take their real paths.
 */
import type { MemoryFiles, Responder } from "../setup/mod.ts";

const ROOTS = "# system roots\n";
const DEB_FILE = "/usr/local/share/ca-certificates/halton-meter-ca.crt";
const DEB_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

/** A model machine; `files` is shared with the modules so the trust tool can rebuild bundles. */
export function respond(
  os: string,
  files: MemoryFiles,
  _m: { bundle: string; thumbprint: string },
): Responder {
  if (os === "linux") files.files.set(DEB_BUNDLE, ROOTS);
  let trusted = false;
  const env = new Map<string, string>();
  const loaded = new Set<string>();
  // networksetup: one enabled service, one disabled; both proxies off with a bypass list.
  const ns = {
    web: { on: false, server: "", port: 0 },
    secure: { on: false, server: "", port: 0 },
    bypass: ["*.local", "169.254/16"],
  };
  const show = (p: { on: boolean; server: string; port: number }) =>
    `Enabled: ${
      p.on ? "Yes" : "No"
    }\nServer: ${p.server}\nPort: ${p.port}\nAuthenticated Proxy Enabled: 0\n`;
  // GNOME proxy keys, as `gsettings get` prints them.
  const gs = new Map<string, string>([
    ["org.gnome.system.proxy.https host", "''"],
    ["org.gnome.system.proxy.https port", "0"],
    ["org.gnome.system.proxy.http host", "''"],
    ["org.gnome.system.proxy.http port", "0"],
    ["org.gnome.system.proxy ignore-hosts", "['localhost', '127.0.0.0/8', '::1']"],
    ["org.gnome.system.proxy mode", "'none'"],
  ]);

  return (cmd, args) => {
    const argv = cmd === "sudo" && args[0] === "-n" ? args.slice(1) : [cmd, ...args];
    const [c, ...a] = argv;
    const line = argv.join(" ");
    if (/python/i.test(c) && a[0] === "-c") return { stdout: `${_m.bundle}\n` };
    if (c === "true") return {}; // `sudo -n true`: passwordless sudo works

    // Trust stores.
    if (c === "osascript") {
      if (/add-trusted-cert/.test(line)) trusted = true;
      if (/delete-certificate/.test(line)) trusted = false;
      return {};
    }
    if (c === "security" && a[0] === "verify-cert") {
      return trusted ? {} : { code: 1, stdout: "Cert Verify Result: CSSMERR_TP_NOT_TRUSTED\n" };
    }
    if (c === "security" && a[0] === "find-certificate") {
      return { stdout: trusted ? `SHA-1 hash: ${_m.thumbprint}\n` : "" };
    }
    if (c === "install" && a.at(-1) === DEB_FILE) {
      files.files.set(DEB_FILE, files.files.get(a.at(-2) ?? "") ?? "");
      return {};
    }
    if (c === "rm" && a.at(-1) === DEB_FILE) {
      files.files.delete(DEB_FILE);
      return {};
    }
    if (c === "update-ca-certificates") {
      const ours = files.files.get(DEB_FILE);
      files.files.set(DEB_BUNDLE, ROOTS + (typeof ours === "string" ? ours : ""));
      return {};
    }
    if (c === "certutil" && a[1] === "-verifystore") {
      return trusted
        ? {}
        : { code: 1, stdout: "CertUtil: Cannot find object or property.\n0x80092004\n" };
    }
    if (c === "certutil" && a[1] === "-addstore") trusted = true;
    if (c === "certutil" && a[1] === "-delstore") trusted = false;

    // Login environment.
    if (c === "launchctl" && a[0] === "setenv") env.set(a[1], a[2]);
    if (c === "launchctl" && a[0] === "unsetenv") env.delete(a[1]);
    if (c === "launchctl" && a[0] === "getenv") {
      return env.has(a[1]) ? { stdout: `${env.get(a[1])}\n` } : { code: 1 };
    }
    if (c === "reg" && a[0] === "add") env.set(a[3], a[7]);
    if (c === "reg" && a[0] === "delete") {
      if (!env.delete(a[3])) {
        return {
          code: 1,
          stderr: "ERROR: The system was unable to find the specified registry key or value.\n",
        };
      }
    }
    if (c === "reg" && a[0] === "query") {
      const v = env.get(a[3]);
      return v === undefined
        ? {
          code: 1,
          stderr: "ERROR: The system was unable to find the specified registry key or value.\n",
        }
        : { stdout: `\r\nHKEY_CURRENT_USER\\Environment\r\n    ${a[3]}    REG_SZ    ${v}\r\n` };
    }

    // System proxy.
    if (c === "networksetup") {
      switch (a[0]) {
        case "-listallnetworkservices":
          return {
            stdout:
              "An asterisk (*) denotes that a network service is disabled.\nWi-Fi\n*Thunderbolt Bridge\n",
          };
        case "-getwebproxy":
          return { stdout: show(ns.web) };
        case "-getsecurewebproxy":
          return { stdout: show(ns.secure) };
        case "-getproxybypassdomains":
          return { stdout: ns.bypass.join("\n") + "\n" };
        case "-setwebproxy":
          ns.web = { on: true, server: a[2], port: Number(a[3]) };
          return {};
        case "-setsecurewebproxy":
          ns.secure = { on: true, server: a[2], port: Number(a[3]) };
          return {};
        case "-setwebproxystate":
          ns.web.on = a[2] === "on";
          return {};
        case "-setsecurewebproxystate":
          ns.secure.on = a[2] === "on";
          return {};
        case "-setproxybypassdomains":
          ns.bypass = a[2] === "Empty" ? [] : a.slice(2);
          return {};
      }
    }
    if (c === "gsettings" && a[0] === "list-schemas") {
      return {
        stdout:
          "org.gnome.system.proxy\norg.gnome.system.proxy.http\norg.gnome.system.proxy.https\n",
      };
    }
    if (c === "gsettings" && a[0] === "get") {
      return { stdout: `${gs.get(`${a[1]} ${a[2]}`) ?? "''"}\n` };
    }
    if (c === "gsettings" && a[0] === "set") gs.set(`${a[1]} ${a[2]}`, a[3]);

    // Service managers.
    if (c === "launchctl" && a[0] === "print") {
      return loaded.has(a[1]) ? { stdout: "state = running\npid = 4242\n" } : { code: 113 };
    }
    if (c === "launchctl" && a[0] === "bootstrap") {
      const label = (a[2] ?? "").replace(/^.*\//, "").replace(/\.plist$/, "");
      loaded.add(`${a[1]}/${label}`);
    }
    if (c === "launchctl" && a[0] === "bootout") loaded.delete(a[1]);
    if (c === "schtasks" && a[0] === "/Create") loaded.add(a[4]);
    if (c === "schtasks" && a[0] === "/Delete") loaded.delete(a[2]);
    if (c === "schtasks" && a[0] === "/Query") {
      return loaded.has(a[2])
        ? { stdout: `"\\${a[2]}","N/A","Running"\r\n` }
        : { code: 1, stderr: "ERROR: The system cannot find the file specified.\r\n" };
    }
    if (c === "systemctl" && a.includes("enable")) {
      for (const u of a.filter((x) => x.endsWith(".service"))) loaded.add(u);
    }
    if (c === "systemctl" && a.includes("disable")) {
      for (const u of a.filter((x) => x.endsWith(".service"))) loaded.delete(u);
    }
    if (c === "systemctl" && a[1] === "show") {
      return {
        stdout: loaded.has(a[2])
          ? "LoadState=loaded\nActiveState=active\nSubState=running\nMainPID=4242\n"
          : "LoadState=not-found\nActiveState=inactive\nSubState=dead\nMainPID=0\n",
      };
    }
    return {};
  };
}
