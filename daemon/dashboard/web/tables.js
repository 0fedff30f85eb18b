// deno-lint-ignore-file no-undef
// The calls page (filters, pages by cursor, new calls as they are recorded) and the
// projects and models pages (totals over a span).

const FILTER_TEXT = ["project", "model", "provider", "status"];

function callStatus(r) {
  if (r.policy_action === "block") return "blocked";
  if (r.status === null) return r.error_type ?? "no answer";
  return r.error_type ? `${r.status} ${r.error_type}` : String(r.status);
}

function costCell(r) {
  if (r.cost_usd === null) return el("td", { class: "num" }, r.unpriced_reason ?? "—");
  const parts = [
    ["input", r.cost_input_usd],
    ["cache read", r.cost_cache_read_usd],
    ["cache write", r.cost_cache_write_usd],
    ["output", r.cost_output_usd],
  ].filter(([, v]) => v !== null).map(([k, v]) => el("li", {}, `${k} ${usd(v)}`));
  return el(
    "td",
    { class: "num", "data-usd": r.cost_usd },
    el("details", {}, el("summary", {}, usd(r.cost_usd)), el("ul", { class: "parts" }, ...parts)),
  );
}

function callRow(r) {
  const policy = r.policy_action === null
    ? "—"
    : `${r.policy_action}${r.policy_id ? ` (${r.policy_id})` : ""}`;
  return el(
    "tr",
    { "data-id": r.id, "data-status": callStatus(r) },
    el(
      "td",
      {},
      el("time", { datetime: new Date(r.started_at).toISOString() }, when(r.started_at)),
    ),
    el("td", {}, r.provider),
    el("td", {}, r.response_model ?? r.request_model ?? "—"),
    el("td", {}, r.project ?? "—"),
    el("td", {}, callStatus(r)),
    el("td", { class: "num" }, int(r.input_tokens)),
    el("td", { class: "num" }, int(r.output_tokens)),
    el(
      "td",
      { class: "num" },
      `${int(r.cache_read_tokens)} / ${
        int((r.cache_write_5m_tokens ?? 0) + (r.cache_write_1h_tokens ?? 0))
      }`,
    ),
    costCell(r),
    el("td", { class: "num" }, ms(r.duration_ms)),
    el("td", { class: "num" }, ms(r.ttfb_ms)),
    el("td", {}, r.price_version ?? "—"),
    el("td", { title: r.policy_message ?? "" }, policy),
  );
}

function callsPage() {
  const form = $("#filters");
  const tbody = $("#calls tbody");
  const more = $("#more");
  const note = $("#calls-note");
  const seen = new Set();
  let filters = {};
  let cursor = null;

  const fromForm = () => {
    const f = new FormData(form);
    const out = {};
    for (const k of FILTER_TEXT) {
      const v = String(f.get(k) ?? "").trim();
      if (v) out[k] = v;
    }
    for (const k of ["since", "until"]) {
      const v = String(f.get(k) ?? "");
      if (v) out[k] = String(new Date(v).getTime());
    }
    return out;
  };
  const toForm = (params) => {
    for (const k of FILTER_TEXT) form.elements[k].value = params.get(k) ?? "";
  };
  const matches = (r) =>
    (!filters.project || r.project === filters.project) &&
    (!filters.model || r.request_model === filters.model || r.response_model === filters.model) &&
    (!filters.provider || r.provider === filters.provider) &&
    (!filters.status || filters.status === (r.policy_action === "block"
          ? "blocked"
          : r.status !== null && r.status < 400
          ? "ok"
          : "error")) &&
    (!filters.since || r.started_at >= Number(filters.since)) &&
    (!filters.until || r.started_at < Number(filters.until));

  const add = (r, top) => {
    if (seen.has(r.id)) return;
    seen.add(r.id);
    const tr = callRow(r);
    if (top) {
      tr.classList.add("new");
      tbody.prepend(tr);
      note.textContent = `${int(seen.size)} calls shown.`;
    } else tbody.append(tr);
  };
  const load = async (append) => {
    let page;
    try {
      page = await getJson("/dashboard/api/calls", {
        ...filters,
        limit: 50,
        cursor: append ? cursor : undefined,
      });
    } catch (err) {
      showError(note, err);
      return;
    }
    if (!append) {
      tbody.replaceChildren();
      seen.clear();
    }
    for (const r of page.calls) add(r, false);
    cursor = page.next_cursor;
    more.hidden = cursor === null;
    note.textContent = seen.size === 0 ? "No calls match." : `${int(seen.size)} calls shown.`;
    document.body.dataset.loaded = String(Date.now());
  };

  const initial = new URLSearchParams(location.search);
  toForm(initial);
  filters = fromForm();
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    filters = fromForm();
    const q = new URLSearchParams(Object.entries(filters).filter(([k]) => FILTER_TEXT.includes(k)));
    history.replaceState(null, "", q.size ? `?${q}` : location.pathname);
    load(false);
  });
  form.addEventListener("reset", () => {
    setTimeout(() => form.requestSubmit(), 0);
  });
  more.addEventListener("click", () => load(true));
  load(false);
  connectEvents(() => load(false), (r) => {
    if (matches(r)) add(r, true);
  });
}

function breakdownPage(by) {
  const tbody = $("#breakdown tbody");
  const note = $("#breakdown-note");
  let range = "30d";
  const load = async () => {
    let d;
    try {
      d = await getJson("/dashboard/api/breakdown", { tz: TZ, by, range });
    } catch (err) {
      showError(note, err);
      return;
    }
    const total = d.totals.cost_usd;
    tbody.replaceChildren(...d.rows.map((r) =>
      el(
        "tr",
        { "data-key": r.key ?? "" },
        el("th", { scope: "row" }, r.key ?? "(none)"),
        el("td", { class: "num" }, int(r.calls)),
        el("td", { class: "num" }, int(r.input_tokens)),
        el("td", { class: "num" }, int(r.output_tokens)),
        el("td", { class: "num" }, int(r.cache_read_tokens)),
        el("td", { class: "num" }, int(r.cache_write_tokens)),
        el("td", { class: "num", "data-usd": r.cost_usd }, usd(r.cost_usd)),
        el("td", { class: "num" }, total > 0 ? `${((r.cost_usd / total) * 100).toFixed(1)}%` : "—"),
      )
    ));
    note.textContent = d.rows.length === 0
      ? "No calls in this span."
      : `${int(d.totals.calls)} calls, ${usd(total)} in all.`;
    document.body.dataset.loaded = String(Date.now());
  };
  const reload = throttled(load);
  toggleGroup("range", (v) => {
    range = v;
    reload.now();
  });
  reload.now();
  connectEvents(reload.now, reload.soon);
}

const PAGE_MAIN = {
  overview: () => overviewPage(),
  calls: () => callsPage(),
  projects: () => breakdownPage("project"),
  models: () => breakdownPage("model"),
};
PAGE_MAIN[document.body.dataset.page]?.();
