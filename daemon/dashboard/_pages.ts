/**
 * The dashboard's HTML: one shell per page (the script fills it from `/dashboard/api/*`) and
 * the login page. Pure functions of constant text; nothing from a request is written into
 * the HTML, so there is nothing to escape.
 */

export type PageName = "overview" | "calls" | "projects" | "models";

export const PAGES: Record<PageName, { path: string; title: string }> = {
  overview: { path: "/dashboard", title: "Overview" },
  calls: { path: "/dashboard/calls", title: "Calls" },
  projects: { path: "/dashboard/projects", title: "Projects" },
  models: { path: "/dashboard/models", title: "Models" },
};

function head(title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>${title} · Halton Meter</title>
<link rel="stylesheet" href="/dashboard/assets/style.css">
</head>`;
}

const SPAN_BUTTONS = `<div class="controls" role="group" aria-label="Span">
<button type="button" data-range="today" aria-pressed="false">Today</button>
<button type="button" data-range="7d" aria-pressed="false">7 days</button>
<button type="button" data-range="30d" aria-pressed="true">30 days</button>
<button type="button" data-range="month" aria-pressed="false">This month</button>
</div>`;

function breakdown(what: string): string {
  return `<h1>${what}</h1>
${SPAN_BUTTONS}
<p id="breakdown-note" class="note" role="status"></p>
<table id="breakdown" class="data">
<caption class="sr-only">${what} by spend</caption>
<thead><tr><th scope="col">${what.replace(/s$/, "")}</th><th scope="col" class="num">Calls</th>
<th scope="col" class="num">Input tokens</th><th scope="col" class="num">Output tokens</th>
<th scope="col" class="num">Cache read</th><th scope="col" class="num">Cache write</th>
<th scope="col" class="num">Cost</th><th scope="col" class="num">Share</th></tr></thead>
<tbody></tbody>
</table>`;
}

const BODIES: Record<PageName, string> = {
  overview: `<h1>Overview</h1>
<section aria-label="Spend" class="cards">
<div class="card" id="card-today"><h2>Today</h2><p class="usd" data-field="cost">…</p><p class="sub" data-field="detail"></p></div>
<div class="card" id="card-week"><h2>This week</h2><p class="usd" data-field="cost">…</p><p class="sub" data-field="detail"></p></div>
<div class="card" id="card-month"><h2>This month</h2><p class="usd" data-field="cost">…</p><p class="sub" data-field="detail"></p></div>
</section>
<section aria-labelledby="chart-h">
<h2 id="chart-h">Spend over time</h2>
<div class="toolbar">
<div class="controls" role="group" aria-label="Stack by">
<button type="button" data-by="model" aria-pressed="true">By model</button>
<button type="button" data-by="project" aria-pressed="false">By project</button>
</div>
<div class="controls" role="group" aria-label="Range">
<button type="button" data-range="24h" aria-pressed="false">24 hours</button>
<button type="button" data-range="7d" aria-pressed="false">7 days</button>
<button type="button" data-range="30d" aria-pressed="true">30 days</button>
</div>
</div>
<div class="chart-box"><canvas id="chart" role="img" aria-label="Spend over time, stacked"></canvas></div>
<details><summary>Chart data as a table</summary><div id="chart-table"></div></details>
</section>
<section aria-labelledby="budgets-h"><h2 id="budgets-h">Budgets</h2><div id="budgets"></div></section>
<section aria-labelledby="quota-h"><h2 id="quota-h">Subscription windows</h2><div id="quota"></div></section>`,
  calls: `<h1>Calls</h1>
<form id="filters" class="filters">
<label>Project <input name="project" autocomplete="off"></label>
<label>Model <input name="model" autocomplete="off"></label>
<label>Provider <input name="provider" autocomplete="off"></label>
<label>Status <select name="status"><option value="">any</option><option value="ok">ok</option><option value="error">error</option><option value="blocked">blocked</option></select></label>
<label>From <input name="since" type="datetime-local"></label>
<label>To <input name="until" type="datetime-local"></label>
<button type="submit">Apply</button>
<button type="reset">Clear</button>
</form>
<p id="calls-note" class="note" role="status"></p>
<div class="scroll">
<table id="calls" class="data">
<caption class="sr-only">Calls, newest first</caption>
<thead><tr><th scope="col">Time</th><th scope="col">Provider</th><th scope="col">Model</th>
<th scope="col">Project</th><th scope="col">Status</th><th scope="col" class="num">In</th>
<th scope="col" class="num">Out</th><th scope="col" class="num">Cache r/w</th>
<th scope="col" class="num">Cost</th><th scope="col" class="num">Latency</th>
<th scope="col" class="num">TTFB</th><th scope="col">Price version</th><th scope="col">Policy</th></tr></thead>
<tbody></tbody>
</table>
</div>
<button id="more" type="button" hidden>Load more</button>`,
  projects: breakdown("Projects"),
  models: breakdown("Models"),
};

/** The page shell; `/dashboard/assets/app.js` fills it. */
export function renderPage(page: PageName): string {
  const nav = (Object.entries(PAGES) as [PageName, { path: string; title: string }][])
    .map(([name, p]) =>
      `<a href="${p.path}"${name === page ? ' aria-current="page"' : ""}>${p.title}</a>`
    ).join("\n");
  return `${head(PAGES[page].title)}
<body data-page="${page}">
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<span class="brand">Halton Meter</span>
<nav aria-label="Pages">
${nav}
</nav>
<span id="live" class="live" role="status" aria-live="polite">connecting…</span>
<form method="post" action="/dashboard/logout"><button type="submit">Sign out</button></form>
</header>
<main id="main">
${BODIES[page]}
</main>
<script src="/dashboard/assets/chart.js"></script>
<script src="/dashboard/assets/app.js"></script>
</body>
</html>
`;
}

export type LoginReason = "none" | "used" | "expired" | "signed-out";

const REASONS: Record<LoginReason, string> = {
  none: "You are not signed in.",
  used: "This sign-in link is not valid: each link works once.",
  expired: "This sign-in link has expired.",
  "signed-out": "You are signed out.",
};

/** What a browser without a session gets: no data, and how to get in. */
export function renderLogin(reason: LoginReason): string {
  return `${head("Sign in")}
<body class="login">
<main id="main">
<h1>Halton Meter dashboard</h1>
<p id="login-reason">${REASONS[reason]}</p>
<p>Run <code>halton-meter dashboard</code> in a terminal on this machine: it opens this page with a
one-time sign-in link (or prints it with <code>--print</code>).</p>
</main>
</body>
</html>
`;
}
