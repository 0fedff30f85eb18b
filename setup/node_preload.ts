import type { FileDeps } from "./file_deps.ts";
import type { SetupStep } from "./machine_interfaces.ts";
import { joinPath } from "./_path.ts";

/**
 * `true` when this Node version routes `http`, `https` and `fetch` through `HTTPS_PROXY`
 * by itself under `NODE_USE_ENV_PROXY=1` (22.21+, 24.5+): the preload stays inactive there.
 * The preload applies the same rule at run time; this copy lets setup report it.
 */
export function nodeHasNativeEnvProxy(version: string): boolean {
  const [major, minor] = version.replace(/^v/, "").split(".").map(Number);
  if (!Number.isInteger(major) || !Number.isInteger(minor)) return false;
  return major > 24 || (major === 24 && minor >= 5) || (major === 22 && minor >= 21);
}

/** Where setup writes the preload: `<home>/node/proxy-preload.cjs`. */
export function nodePreloadPath(home: string): string {
  return joinPath(home, "node", "proxy-preload.cjs");
}

/**
 * The preload, loaded by every Node process through `NODE_OPTIONS=--require <path>` (see
 * `proxyEnv`'s `nodePreloadPath`). Dependency-free CommonJS that works on Node 16+: on a
 * Node without native env-proxy support it replaces the global `http`/`https` agents with
 * agents that open a CONNECT tunnel through `HTTP(S)_PROXY` (honouring `NO_PROXY`, sending
 * the proxy URL's credentials, the project, as `Proxy-Authorization`), and gives `fetch` a
 * dispatcher of Node's own bundled undici `Agent` class with a tunnelling connector.
 * TLS is left to Node's defaults, so `NODE_EXTRA_CA_CERTS` applies. Requests with their
 * own agent or dispatcher are left alone. Anything unexpected leaves Node's defaults;
 * `HALTON_METER_PRELOAD_DEBUG=1` says on stderr what it did.
 *
 * Uninstall should leave this file in place (it is inert without a proxy variable): shells
 * started before uninstall still carry `NODE_OPTIONS`, and Node refuses to start when a
 * `--require` target is missing.
 */
export const NODE_PRELOAD_SOURCE: string = String.raw`"use strict";
// Halton Meter: routes Node's http, https and fetch through HTTPS_PROXY/HTTP_PROXY on
// Node versions without built-in env-proxy support. Written by halton-meter init; loaded
// through NODE_OPTIONS=--require. Any failure leaves Node's defaults untouched.
(function haltonMeterProxyPreload() {
  var marker = Symbol.for("halton-meter.proxy-preload");
  if (globalThis[marker]) return;
  globalThis[marker] = true;
  var debug = process.env.HALTON_METER_PRELOAD_DEBUG === "1";
  function note(msg) {
    if (debug) process.stderr.write("halton-meter preload: " + msg + "\n");
  }
  try {
    var v = process.versions.node.split(".").map(Number);
    // Node 22.21+ and 24.5+ read HTTPS_PROXY themselves under NODE_USE_ENV_PROXY=1.
    if (v[0] > 24 || (v[0] === 24 && v[1] >= 5) || (v[0] === 22 && v[1] >= 21)) {
      note("native env-proxy support in Node " + process.versions.node + ": not installed");
      return;
    }
    var net = require("net");
    var tls = require("tls");
    var http = require("http");
    var https = require("https");
    var env = process.env;

    function parseProxy(value) {
      if (!value) return null;
      try {
        var u = new URL(value.indexOf("://") < 0 ? "http://" + value : value);
        if (u.protocol !== "http:") {
          note("proxy " + value + " is not http://: not used");
          return null;
        }
        var auth = null;
        if (u.username || u.password) {
          var cred = decodeURIComponent(u.username) + ":" + decodeURIComponent(u.password);
          auth = Buffer.from(cred, "utf8").toString("base64");
        }
        var host = u.hostname.replace(/^\[|\]$/g, "");
        return { host: host, port: Number(u.port) || 80, auth: auth, text: u.host };
      } catch (e) {
        note("cannot parse proxy " + value + ": " + e.message);
        return null;
      }
    }
    var proxies = {
      "https:": parseProxy(env.https_proxy || env.HTTPS_PROXY),
      "http:": parseProxy(env.http_proxy || env.HTTP_PROXY),
    };
    if (!proxies["https:"] && !proxies["http:"]) return;

    var noProxy = String(env.no_proxy || env.NO_PROXY || "").split(/[\s,]+/)
      .filter(Boolean).map(function (e) { return e.toLowerCase(); });
    function bypass(host, port) {
      host = String(host).toLowerCase().replace(/^\[|\]$/g, "");
      return noProxy.some(function (entry) {
        if (entry === "*") return true;
        var name = entry;
        var m = /^\[(.*)\](?::(\d+))?$/.exec(entry) || /^([^:]*):(\d+)$/.exec(entry);
        if (m) {
          name = m[1];
          if (m[2] && Number(m[2]) !== Number(port)) return false;
        }
        name = name.replace(/^\*?\./, "");
        return host === name || host.slice(-(name.length + 1)) === "." + name;
      });
    }

    // Opens a CONNECT tunnel to host:port through the proxy; cb(err, socket).
    function tunnel(proxy, host, port, cb) {
      var target = (host.indexOf(":") >= 0 ? "[" + host + "]" : host) + ":" + port;
      var sock = net.connect({ host: proxy.host, port: proxy.port });
      var settled = false;
      var buf = Buffer.alloc(0);
      function fail(err) {
        if (settled) return;
        settled = true;
        sock.destroy();
        cb(err);
      }
      function onData(chunk) {
        buf = Buffer.concat([buf, chunk]);
        var end = buf.indexOf("\r\n\r\n");
        if (end < 0) {
          if (buf.length > 65536) fail(new Error("proxy " + proxy.text + ": response head too large"));
          return;
        }
        sock.removeListener("data", onData);
        var line = buf.subarray(0, end).toString("latin1").split("\r\n")[0];
        if (!/^HTTP\/1\.[01] 200/.test(line)) {
          fail(new Error("proxy " + proxy.text + " refused CONNECT " + target + ": " + line));
          return;
        }
        settled = true;
        sock.setTimeout(0);
        sock.removeListener("timeout", onTimeout);
        sock.removeListener("error", fail);
        sock.removeListener("close", onClose);
        var rest = buf.subarray(end + 4);
        if (rest.length > 0) sock.unshift(rest);
        cb(null, sock);
      }
      function onClose() {
        fail(new Error("proxy " + proxy.text + " closed the connection before answering CONNECT " + target));
      }
      function onTimeout() {
        fail(new Error("proxy " + proxy.text + " did not answer CONNECT " + target + " within 30 s"));
      }
      sock.setTimeout(30000);
      sock.on("timeout", onTimeout);
      sock.on("error", fail);
      sock.on("close", onClose);
      sock.on("data", onData);
      sock.on("connect", function () {
        var head = "CONNECT " + target + " HTTP/1.1\r\nHost: " + target + "\r\n";
        if (proxy.auth) head += "Proxy-Authorization: Basic " + proxy.auth + "\r\n";
        sock.write(head + "\r\n");
      });
    }

    function tlsOptions(options, host, raw) {
      var o = Object.assign({}, options, { socket: raw, host: host });
      delete o.port;
      delete o.path;
      if (!o.servername && !net.isIP(host)) o.servername = host;
      return o;
    }

    // The global agents: requests with an explicit agent (or agent: false) are not ours.
    class HttpsTunnelAgent extends https.Agent {
      createConnection(options, cb) {
        var host = options.host || options.hostname || "localhost";
        var port = Number(options.port) || 443;
        var proxy = proxies["https:"];
        if (!proxy || bypass(host, port)) return super.createConnection(options, cb);
        tunnel(proxy, host, port, function (err, raw) {
          if (err) return cb(err);
          var secure;
          try {
            secure = tls.connect(tlsOptions(options, host, raw));
          } catch (e) {
            raw.destroy();
            return cb(e);
          }
          cb(null, secure);
        });
      }
    }
    class HttpTunnelAgent extends http.Agent {
      createConnection(options, cb) {
        var host = options.host || options.hostname || "localhost";
        var port = Number(options.port) || 80;
        var proxy = proxies["http:"];
        if (!proxy || bypass(host, port)) return super.createConnection(options, cb);
        tunnel(proxy, host, port, cb);
      }
    }
    if (proxies["https:"]) {
      https.globalAgent = new HttpsTunnelAgent(Object.assign({}, https.globalAgent.options));
    }
    if (proxies["http:"]) {
      http.globalAgent = new HttpTunnelAgent(Object.assign({}, http.globalAgent.options));
    }
    note("http/https global agents route through the proxy");

    // fetch (undici, bundled in Node): a second Agent of Node's own undici class whose
    // connector tunnels through the proxy; bypassed origins keep the original dispatcher.
    try {
      var sym = Symbol.for("undici.globalDispatcher.1");
      if (typeof globalThis.fetch === "function" && globalThis[sym] === undefined) {
        // Node loads undici on the first fetch call; an argument-less call only loads it.
        var p = globalThis.fetch();
        if (p && typeof p.catch === "function") p.catch(function () {});
      }
      var original = globalThis[sym];
      var UndiciAgent = original && original.constructor;
      if (typeof UndiciAgent !== "function" || typeof original.dispatch !== "function") {
        note("fetch: no undici dispatcher found; fetch left as it is");
        return;
      }
      var proxied = new UndiciAgent({
        connect: function (o, cb) {
          var secure = o.protocol === "https:";
          var port = Number(o.port) || (secure ? 443 : 80);
          var host = o.hostname;
          tunnel(proxies[o.protocol], host, port, function (err, raw) {
            if (err) return cb(err);
            if (!secure) return cb(null, raw);
            var s = tls.connect({
              socket: raw,
              host: host,
              servername: o.servername || (net.isIP(host) ? undefined : host),
              ALPNProtocols: ["http/1.1"],
            });
            function onError(e) {
              s.destroy();
              cb(e);
            }
            s.once("error", onError);
            s.once("secureConnect", function () {
              s.removeListener("error", onError);
              cb(null, s);
            });
          });
        },
      });
      var router = Object.create(original);
      router.dispatch = function (opts, handler) {
        var url = new URL(String(opts.origin));
        var port = Number(url.port) || (url.protocol === "https:" ? 443 : 80);
        var use = !proxies[url.protocol] || bypass(url.hostname, port) ? original : proxied;
        return use.dispatch(opts, handler);
      };
      router.close = function () {
        return Promise.all([original.close(), proxied.close()]);
      };
      router.destroy = function (err) {
        return Promise.all([original.destroy(err), proxied.destroy(err)]);
      };
      globalThis[sym] = router;
      note("fetch routes through the proxy");
    } catch (e) {
      note("fetch left as it is: " + (e && e.message));
    }
  } catch (e) {
    note("not installed: " + (e && e.message));
  }
})();
`;

/** Writes the preload (directory included); idempotent. A failure is a `failed` step. */
export async function writeNodePreload(files: FileDeps, home: string): Promise<SetupStep> {
  const path = nodePreloadPath(home);
  const action = `node preload ${path}`;
  try {
    if (await files.readTextFile(path) === NODE_PRELOAD_SOURCE) {
      return { action, outcome: "done", detail: "already current" };
    }
    await files.mkdir(joinPath(home, "node"));
    await files.writeFile(path, NODE_PRELOAD_SOURCE, { mode: 0o644 });
    return { action, outcome: "done", detail: "written" };
  } catch (err) {
    return { action, outcome: "failed", detail: err instanceof Error ? err.message : String(err) };
  }
}
