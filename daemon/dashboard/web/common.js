// deno-lint-ignore-file no-unused-vars
// Shared helpers of the dashboard's pages. The files of web/ are concatenated, in order, into
// one script (scripts/build_dashboard_assets.ts). Text from rows (project, model, ...) is only
// ever set with textContent or attributes, never parsed as HTML.

const TZ = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

function $(selector, root = document) {
  return root.querySelector(selector);
}

/** `el("td", {class: "num"}, "12")`: an element with attributes and text or element children. */
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) {
    if (c !== undefined && c !== null) e.append(c instanceof Node ? c : String(c));
  }
  return e;
}

async function getJson(path, params = {}) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, String(v));
  }
  const res = await fetch(url, {
    credentials: "same-origin",
    headers: { accept: "application/json" },
  });
  if (res.status === 401) {
    location.reload(); // the session ended: the page becomes the sign-in page
    throw new Error("signed out");
  }
  if (!res.ok) {
    const body = await res.json().catch(() => null);
    throw new Error(body?.error?.message ?? `HTTP ${res.status}`);
  }
  return res.json();
}

function usd(n) {
  if (n === null || n === undefined) return "—";
  const a = Math.abs(n);
  return `$${n.toFixed(a >= 1 || a === 0 ? 2 : a >= 0.01 ? 4 : 6)}`;
}

function int(n) {
  return n === null || n === undefined ? "—" : n.toLocaleString("en-US");
}

function ms(n) {
  return n === null || n === undefined ? "—" : `${int(n)} ms`;
}

function when(t) {
  return new Date(t).toLocaleString(undefined, {
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
}

function countdown(at) {
  let s = Math.max(0, Math.round((at - Date.now()) / 1000));
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (d > 0) return `${d}d ${h}h ${m}m`;
  if (h > 0) return `${h}h ${m}m ${s}s`;
  return `${m}m ${s}s`;
}

/** Updates every `[data-reset]` element's countdown text, once a second. */
function tickCountdowns() {
  for (const e of document.querySelectorAll("[data-reset]")) {
    e.textContent = `in ${countdown(Number(e.dataset.reset))}`;
  }
}

/** Wires a group of toggle buttons (`data-<key>`); calls `onPick(value)` on a change. */
function toggleGroup(key, onPick) {
  const buttons = [...document.querySelectorAll(`button[data-${key}]`)];
  for (const b of buttons) {
    b.addEventListener("click", () => {
      for (const o of buttons) o.setAttribute("aria-pressed", String(o === b));
      onPick(b.dataset[key]);
    });
  }
}

/**
 * Calls `load` now and again after new calls arrive, at most every 2 s and never more than
 * ~2.5% of the time the last load took (a big database makes reloads sparser), and not while
 * the tab is hidden.
 */
function throttled(load) {
  let timer = null;
  let lastMs = 0;
  let pending = false;
  const run = async () => {
    timer = null;
    if (document.hidden) {
      pending = true;
      return;
    }
    const t0 = performance.now();
    try {
      await load();
    } finally {
      lastMs = performance.now() - t0;
    }
  };
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && pending) {
      pending = false;
      run();
    }
  });
  return {
    now: run,
    soon() {
      if (timer === null) timer = setTimeout(run, Math.max(2000, lastMs * 40));
    },
  };
}

/** The live stream: `onHello` after each (re)connection but the first, `onCall(row)` per call. */
function connectEvents(onHello, onCall) {
  const status = $("#live");
  let first = true;
  const open = () => {
    const es = new EventSource("/dashboard/api/events");
    es.addEventListener("hello", () => {
      status.textContent = "live";
      status.dataset.state = "live";
      if (!first) onHello();
      first = false;
    });
    es.addEventListener("call", (e) => {
      let row;
      try {
        row = JSON.parse(e.data);
      } catch {
        return;
      }
      onCall(row);
    });
    es.addEventListener("error", () => {
      status.textContent = "reconnecting…";
      status.dataset.state = "down";
      // A refused stream (signed out, too many tabs) is not retried by the browser itself.
      if (es.readyState === EventSource.CLOSED) {
        first = false;
        setTimeout(open, 5000);
      }
    });
  };
  open();
}

function showError(target, err) {
  target.textContent = `Could not load: ${err.message}`;
}
