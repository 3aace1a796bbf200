/**
 * The live dashboard at `/`: one page, its script and stylesheet, and uPlot (the report's chart library), all
 * served by the bot itself, so it works with no internet and no CDN. The page holds no data and no inline code:
 * everything it shows it reads from the API with the same rules as any client, which lets it carry a strict
 * Content-Security-Policy (scripts, styles and requests from this origin only; no framing).
 */
import { chartLibrary } from '../report/chart-assets';
import { DASHBOARD_SCRIPT } from './dashboard-script';

export interface DashboardAsset {
  readonly type: string;
  readonly body: string;
}

/** No inline script or style, nothing from another origin, not framed (clickjacking the flatten button). */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const DASHBOARD_CSS = `
:root { --fg: #1f2328; --muted: #57606a; --line: #d0d7de; --bg: #f6f8fa; --card: #fff; --good: #1a7f37; --bad: #cf222e; --warn: #9a6700; --blue: #0969da; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header.top { position: sticky; top: 0; z-index: 5; display: flex; flex-wrap: wrap; align-items: center; gap: 8px 12px; padding: 8px 16px; background: #24292f; color: #fff; }
header.top h1 { font-size: 16px; margin: 0; }
header.top #uptime, header.top #token-state { color: #d0d7de; font-size: 12px; }
.spacer { flex: 1; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; background: #eaeef2; color: var(--fg); }
#mode[data-mode="live"] { background: var(--bad); color: #fff; }
#conn[data-state="live"] { background: #dafbe1; color: var(--good); }
#conn[data-state="reconnecting"], #conn[data-state="refused"] { background: #ffebe9; color: var(--bad); }
#stopping { background: #fff8c5; color: var(--warn); }
button { font: inherit; padding: 4px 12px; border-radius: 6px; border: 1px solid var(--line); background: #f6f8fa; color: var(--fg); cursor: pointer; }
button:hover { background: #eaeef2; }
button.danger, #flatten { background: var(--bad); border-color: #a40e26; color: #fff; }
button.danger:hover, #flatten:hover { background: #a40e26; }
header.top #forget-token { padding: 1px 8px; font-size: 12px; }
#banner, #control-result { margin: 12px 16px 0; padding: 8px 12px; border-radius: 6px; border: 1px solid var(--line); background: var(--card); }
#banner { border-color: var(--bad); }
#control-result.ok { border-color: var(--good); background: #f0fff4; }
#control-result.refused { border-color: var(--bad); background: #fff5f5; }
#control-result .close { float: right; padding: 0 8px; font-size: 12px; }
#control-result div { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }
main.layout { display: grid; grid-template-columns: minmax(0, 1fr); gap: 12px; padding: 12px 16px 24px; }
@media (min-width: 1000px) { main.layout { grid-template-columns: minmax(0, 1.75fr) minmax(340px, 1fr); } }
.col-main, .col-side { display: flex; flex-direction: column; gap: 12px; min-width: 0; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; min-width: 0; }
.card h2 { font-size: 14px; margin: 0 0 6px; }
.card h2 small { font-weight: normal; color: var(--muted); }
.pair-head { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 10px; margin-bottom: 6px; }
.pair-head h2 { margin: 0; font-size: 16px; }
.venues { color: var(--muted); font-size: 12px; }
.phase[data-phase="in_position"] { background: #ddf4ff; color: var(--blue); }
.phase[data-phase="entering"], .phase[data-phase="closing"] { background: #fff8c5; color: var(--warn); }
.halt { background: var(--bad); color: #fff; font-weight: 600; }
.chart { min-height: 230px; }
.chart-note { min-height: 0; margin: 2px 0; }
.uplot .u-legend { font-size: 12px; text-align: left; }
.uplot .u-legend th { font-weight: normal; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid #eaeef2; vertical-align: top; }
table.figures th, #pnl th { width: 38%; color: var(--muted); font-weight: normal; }
td.n, #pnl td { font-variant-numeric: tabular-nums; }
#pnl td { text-align: right; }
#pnl td.total { font-weight: 600; }
.pos { color: var(--good); } .neg { color: var(--bad); }
td.hit { color: var(--good); font-weight: 600; }
td.open { color: var(--blue); font-weight: 600; }
.good { color: var(--good); } .bad { color: var(--bad); } .warn { color: var(--warn); }
.scroll { overflow-x: auto; }
#feeds th { font-weight: normal; color: var(--muted); white-space: nowrap; }
#feeds thead th { color: var(--fg); font-weight: 600; white-space: normal; }
#feeds td { font-variant-numeric: tabular-nums; }
.note { color: var(--muted); font-size: 12px; margin: 6px 0 0; }
#tail { list-style: none; margin: 0; padding: 0; max-height: 420px; overflow-y: auto; font-size: 12px; }
#tail li { padding: 3px 0; border-bottom: 1px solid #eaeef2; overflow-wrap: anywhere; }
#tail time { color: var(--muted); font-family: ui-monospace, SFMono-Regular, Menlo, monospace; margin-right: 6px; }
#tail b { margin-right: 6px; }
#tail li.bad b { color: var(--bad); } #tail li.warn b { color: var(--warn); } #tail li.good b { color: var(--good); }
#tail .pair-name { margin-right: 6px; color: var(--blue); }
#tail .detail { color: var(--muted); }
dialog { border: 1px solid var(--line); border-radius: 8px; padding: 16px; max-width: min(440px, 92vw); }
dialog::backdrop { background: rgba(31, 35, 40, 0.45); }
dialog h2 { margin: 0 0 8px; font-size: 16px; }
dialog label { display: block; margin: 10px 0 0; color: var(--muted); font-size: 12px; }
dialog input { display: block; width: 100%; margin-top: 2px; padding: 6px 8px; font: inherit; border: 1px solid var(--line); border-radius: 6px; }
dialog menu { display: flex; justify-content: flex-end; gap: 8px; padding: 0; margin: 14px 0 0; }
@media (max-width: 600px) { header.top { padding: 8px; } main.layout { padding: 8px; } table.figures th { width: 42%; } }
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>vest-paradex-arb · live</title>
<link rel="stylesheet" href="/assets/uplot.css">
<link rel="stylesheet" href="/assets/dashboard.css">
<script src="/assets/uplot.js" defer></script>
<script src="/assets/dashboard.js" defer></script>
</head>
<body>
<header class="top">
  <h1>vest-paradex-arb</h1>
  <span id="mode" class="badge">…</span>
  <span id="conn" class="badge" data-state="connecting">connecting…</span>
  <span id="stopping" class="badge" hidden></span>
  <span id="uptime"></span>
  <span class="spacer"></span>
  <span id="token-state"></span>
  <button id="forget-token" type="button" hidden>forget token</button>
  <button id="flatten" type="button">Flatten all…</button>
</header>
<noscript><p class="card">The dashboard needs JavaScript. The same figures: /api/status, /metrics.</p></noscript>
<div id="banner" hidden></div>
<section id="control-result" role="status" aria-live="polite" hidden></section>
<main class="layout">
  <div class="col-main">
    <div id="pairs" class="col-main"></div>
  </div>
  <div class="col-side">
    <section class="card">
      <h2>PnL this run, USD</h2>
      <table id="pnl"></table>
      <p class="note" id="pnl-note"></p>
      <p id="loss-budget" hidden></p>
    </section>
    <section class="card">
      <h2>Feeds</h2>
      <div class="scroll">
        <table id="feeds"><thead></thead><tbody></tbody></table>
      </div>
    </section>
    <section class="card">
      <h2>Events <small>newest first · spread samples are on the charts</small></h2>
      <ol id="tail"></ol>
    </section>
  </div>
</main>
<dialog id="token-dialog">
  <form id="token-form">
    <h2 id="dlg-title"></h2>
    <p id="dlg-text"></p>
    <label id="dlg-reason-row">reason (optional, goes to the journal)<input id="dlg-reason" maxlength="200" autocomplete="off"></label>
    <label>API token (ARB_API_TOKEN)<input id="dlg-token" type="password" autocomplete="off" spellcheck="false"></label>
    <p class="note">The token is kept in this tab's memory only: never stored, never logged; reloading the page forgets it.</p>
    <menu>
      <button id="dlg-cancel" type="button">Cancel</button>
      <button id="dlg-ok" type="submit">OK</button>
    </menu>
  </form>
</dialog>
</body>
</html>
`;

/** The page: static, no data in it (it reads the API). */
export function dashboardPage(): string {
  return PAGE;
}

let assets: ReadonlyMap<string, DashboardAsset> | undefined;

/** What /assets/<name> serves. */
export function dashboardAssets(): ReadonlyMap<string, DashboardAsset> {
  if (assets === undefined) {
    const uplot = chartLibrary();
    assets = new Map<string, DashboardAsset>([
      ['uplot.js', { type: 'text/javascript; charset=utf-8', body: uplot.script }],
      ['uplot.css', { type: 'text/css; charset=utf-8', body: uplot.css }],
      ['dashboard.js', { type: 'text/javascript; charset=utf-8', body: DASHBOARD_SCRIPT }],
      ['dashboard.css', { type: 'text/css; charset=utf-8', body: DASHBOARD_CSS }],
    ]);
  }
  return assets;
}
