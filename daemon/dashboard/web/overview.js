// deno-lint-ignore-file no-unused-vars no-undef
// The overview page: spend cards, the stacked chart, budgets and subscription windows.

const PALETTE = [
  "#4e79a7",
  "#f28e2b",
  "#59a14f",
  "#e15759",
  "#76b7b2",
  "#edc948",
  "#b07aa1",
  "#ff9da7",
  "#9c755f",
  "#17becf",
];

function cssVar(name) {
  return getComputedStyle(document.body).getPropertyValue(name).trim();
}

function periodLabel(key, unit) {
  return unit === "hour" ? `${key.slice(11)}:00` : key.slice(5);
}

function renderCard(id, span) {
  const card = $(`#card-${id}`);
  const t = span.totals;
  const cost = $('[data-field="cost"]', card);
  cost.textContent = usd(t.cost_usd);
  cost.dataset.usd = String(t.cost_usd);
  card.dataset.calls = String(t.calls);
  const unpriced = t.unpriced_calls > 0 ? ` · ${int(t.unpriced_calls)} unpriced` : "";
  $('[data-field="detail"]', card).textContent = `${int(t.calls)} calls · ${
    int(t.input_tokens)
  } in / ${int(t.output_tokens)} out tokens${unpriced}`;
}

function renderChart(state, series) {
  const canvas = $("#chart");
  const fg = cssVar("--fg");
  const grid = cssVar("--grid");
  const labels = series.labels.map((k) => periodLabel(k, series.unit));
  const datasets = series.datasets.map((d, i) => ({
    label: d.key,
    data: d.cost_usd,
    backgroundColor: d.key === "other" ? cssVar("--muted") : PALETTE[i % PALETTE.length],
  }));
  const options = {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    scales: {
      x: { stacked: true, ticks: { color: fg }, grid: { color: grid } },
      y: { stacked: true, ticks: { color: fg, callback: (v) => usd(v) }, grid: { color: grid } },
    },
    plugins: {
      legend: { position: "bottom", labels: { color: fg } },
      tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${usd(c.parsed.y)}` } },
    },
  };
  if (state.chart) {
    state.chart.data = { labels, datasets };
    state.chart.options = options;
    state.chart.update();
  } else {
    state.chart = new Chart(canvas, { type: "bar", data: { labels, datasets }, options });
  }
  const head = el("tr", {}, el("th", { scope: "col" }, series.unit === "hour" ? "Hour" : "Day"));
  for (const d of series.datasets) head.append(el("th", { scope: "col", class: "num" }, d.key));
  const body = series.labels.map((k, i) => {
    const tr = el("tr", {}, el("th", { scope: "row" }, k));
    for (const d of series.datasets) tr.append(el("td", { class: "num" }, usd(d.cost_usd[i])));
    return tr;
  });
  $("#chart-table").replaceChildren(
    el("table", { class: "data" }, el("thead", {}, head), el("tbody", {}, ...body)),
  );
}

function renderBudgets(budgets) {
  const box = $("#budgets");
  if (budgets.length === 0) {
    box.replaceChildren(el("p", { class: "note" }, "No budgets: add some to policy.json."));
    return;
  }
  const rows = budgets.map((b) => {
    const cap = b.cap_usd !== null ? usd(b.cap_usd) : `${int(b.cap_tokens)} tokens`;
    const spent = b.cap_usd !== null ? usd(b.spent_usd) : `${int(b.spent_tokens)} tokens`;
    const projected = b.projection === "exceeded"
      ? "exceeded"
      : b.projected_exhaustion_at !== null
      ? `${when(b.projected_exhaustion_at)}${
        b.projection === "after_reset" ? " (after reset)" : ""
      }`
      : "—";
    return el(
      "tr",
      { "data-budget": b.id, "data-state": b.state },
      el("th", { scope: "row" }, b.id),
      el("td", {}, b.window),
      el("td", { class: "num" }, `${spent} of ${cap}`),
      el(
        "td",
        {},
        el("progress", {
          max: "100",
          value: String(Math.min(100, b.percent)),
          "aria-label": `${b.id}: ${b.percent.toFixed(0)}% used`,
        }),
        ` ${b.percent.toFixed(0)}%`,
      ),
      el("td", {}, b.resets_at !== null ? el("span", { "data-reset": b.resets_at }) : "—"),
      el("td", { class: "num" }, `${usd(b.burn_usd_per_hour)}/h`),
      el("td", {}, projected),
    );
  });
  const head = ["Budget", "Window", "Spent", "Used", "Resets", "Burn", "Projected exhaustion"]
    .map((h) => el("th", { scope: "col" }, h));
  box.replaceChildren(
    el(
      "table",
      { class: "data" },
      el("thead", {}, el("tr", {}, ...head)),
      el("tbody", {}, ...rows),
    ),
  );
}

function renderQuota(accounts) {
  const box = $("#quota");
  const rows = [];
  for (const a of accounts) {
    for (const w of a.windows) {
      const pct = w.utilization === null ? null : w.utilization * 100;
      rows.push(el(
        "tr",
        { "data-window": `${a.account}/${w.name}` },
        el("th", { scope: "row" }, `${a.provider} ${a.account}`),
        el("td", {}, w.name),
        el(
          "td",
          {},
          pct === null ? "—" : el("progress", {
            max: "100",
            value: String(Math.min(100, pct)),
            "aria-label": `${w.name}: ${pct.toFixed(0)}% used`,
          }),
          pct === null ? "" : ` ${pct.toFixed(0)}%`,
        ),
        el("td", {}, w.resets_at !== null ? el("span", { "data-reset": w.resets_at }) : "—"),
        el("td", {}, w.status ?? "—"),
      ));
    }
  }
  if (rows.length === 0) {
    box.replaceChildren(
      el(
        "p",
        { class: "note" },
        "No subscription windows seen yet (Claude subscription calls report them).",
      ),
    );
    return;
  }
  const head = ["Account", "Window", "Used", "Resets", "Status"].map((h) =>
    el("th", { scope: "col" }, h)
  );
  box.replaceChildren(
    el(
      "table",
      { class: "data" },
      el("thead", {}, el("tr", {}, ...head)),
      el("tbody", {}, ...rows),
    ),
  );
}

function overviewPage() {
  const state = { by: "model", range: "30d", chart: null, data: null };
  const load = async () => {
    try {
      state.data = await getJson("/dashboard/api/overview", {
        tz: TZ,
        by: state.by,
        range: state.range,
      });
    } catch (err) {
      showError($("#card-today [data-field=detail]"), err);
      return;
    }
    const d = state.data;
    renderCard("today", d.spans.today);
    renderCard("week", d.spans.week);
    renderCard("month", d.spans.month);
    renderChart(state, d.series);
    renderBudgets(d.budgets);
    renderQuota(d.quota);
    tickCountdowns();
    document.body.dataset.loaded = String(Date.now());
  };
  const reload = throttled(load);
  toggleGroup("by", (v) => {
    state.by = v;
    reload.now();
  });
  toggleGroup("range", (v) => {
    state.range = v;
    reload.now();
  });
  matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => {
    if (state.data) renderChart(state, state.data.series);
  });
  setInterval(tickCountdowns, 1000);
  reload.now();
  connectEvents(reload.now, reload.soon);
}
