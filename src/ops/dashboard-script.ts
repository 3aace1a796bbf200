/**
 * The dashboard's browser code, served as /assets/dashboard.js (needs uPlot, served as /assets/uplot.js).
 *
 * - Data: GET /api/status (every 2 s and soon after each notable event), GET /api/spreads once for the chart's
 *   history, then GET /api/events as a server-sent event stream read with fetch (so it can carry the bearer
 *   token where read routes need it, which EventSource cannot), reconnecting with backoff.
 * - Control: halt and resume per pair and the flatten kill switch ask for the token in a dialog. The token lives
 *   in one variable of this page (never storage, never the URL, never the console); a refusal (401) forgets it.
 * - Every value reaches the DOM through textContent: nothing from the API is parsed as markup.
 * - `window.dashboard` exposes the charts and counters for the browser test.
 * - Money: dollars to the cent (`usd`; a loss that rounds to zero is $0.00, not -$0.00, as the report and the
 *   console), except where figures rounded one by one would not add up as shown (gross −$0.01 − fees $0.10 =
 *   −$0.12): `decimalsFor` gives the fewest decimals, 2 to 6, at which each identity [total, term, term, …] adds up
 *   as shown, and every figure of that card or line takes it (a page whose own lines do not add up is not believed).
 */
export const DASHBOARD_SCRIPT = String.raw`
(function () {
  'use strict';
  var MAX_POINTS = 3600, MAX_TAIL = 200, STATUS_EVERY_MS = 2000;
  var COLOR = { ab: '#1f6feb', ba: '#e8710a', exit: '#cf222e' };
  var BAD = ['LEG_UNWOUND', 'CLOSE_FAILED', 'TRADE_FAILED', 'ORDER_FAILED', 'RECONCILIATION_MISMATCH', 'UNHEDGED_EXPOSURE', 'BOT_ERROR'];
  var WARN = ['TRADING_HALTED', 'FEED_STALE', 'SPREAD_DETECTED', 'TRADE_EXIT'];
  var GOOD = ['POSITION_OPENED', 'POSITION_CLOSED', 'TRADING_RESUMED', 'FEED_FRESH', 'ORDER_FILLED', 'BOT_STARTED'];

  // uPlot's time axis in UTC: [tick step ms, format, first-tick/ day-change prefix...] (as the report's).
  var TIME_AXIS = [
    [3600000, '{HH}:{mm}', '\n{YYYY}-{MM}-{DD} UTC', null, '\n{MM}-{DD}', null, null, null, 1],
    [60000, '{HH}:{mm}', '\n{YYYY}-{MM}-{DD} UTC', null, '\n{MM}-{DD}', null, null, null, 1],
    [1000, '{HH}:{mm}:{ss}', '\n{YYYY}-{MM}-{DD} UTC', null, '\n{MM}-{DD}', null, null, null, 1],
    [1, '{HH}:{mm}:{ss}.{fff}', '\n{YYYY}-{MM}-{DD} UTC', null, '\n{MM}-{DD}', null, null, null, 1]
  ];

  var token = null; // the bearer token: this tab's memory only
  var status = null;
  var charts = new Map();
  var api = { charts: charts, events: 0, tail: 0, connected: false, statusLoads: 0 };
  window.dashboard = api;

  function $(id) { return document.getElementById(id); }

  function h(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v == null || v === false) return;
      if (k === 'text') node.textContent = String(v);
      else if (k === 'className') node.className = v;
      else if (k.indexOf('on') === 0) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? '' : String(v));
    });
    (children || []).forEach(function (c) { if (c != null) node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return node;
  }

  // ---- formats ----
  function pad(n, w) { var s = String(n); while (s.length < (w || 2)) s = '0' + s; return s; }
  function clock(ts, ms) {
    var d = new Date(ts);
    var s = pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()) + ':' + pad(d.getUTCSeconds());
    return ms ? s + '.' + pad(d.getUTCMilliseconds(), 3) : s;
  }
  function pct(v, digits) { return v == null || !isFinite(v) ? '–' : v.toFixed(digits == null ? 4 : digits) + '%'; }
  function usd(v, d) {
    if (v == null || !isFinite(v)) return '–';
    var text = Math.abs(v).toFixed(d == null ? 2 : d);
    return (v < 0 && Number(text) !== 0 ? '-$' : '$') + text;
  }
  function shown(v, d) { return v == null || !isFinite(v) ? 0 : (v < 0 ? -1 : 1) * Number(Math.abs(v).toFixed(d)); }
  function decimalsFor(identities) {
    for (var d = 2; d < 6; d++) {
      if (identities.every(function (t) { return Math.abs(t.slice(1).reduce(function (a, v) { return a + shown(v, d); }, 0) - shown(t[0], d)) < Math.pow(10, -d) / 2; })) return d;
    }
    return 6;
  }
  function dur(msv) {
    if (msv == null || !isFinite(msv)) return '–';
    if (msv < 1000) return Math.round(msv) + ' ms';
    if (msv < 120000) return (msv / 1000).toFixed(1) + ' s';
    if (msv < 7200000) return Math.round(msv / 60000) + ' min';
    return (msv / 3600000).toFixed(1) + ' h';
  }
  function num(v) { return typeof v === 'number' ? (Number.isInteger(v) ? String(v) : String(+v.toPrecision(6))) : String(v); }
  function sign(v) { return v == null || !isFinite(v) || v === 0 ? '' : v > 0 ? 'pos' : 'neg'; }

  // ---- requests ----
  function authHeaders(extra) {
    var hd = Object.assign({}, extra || {});
    if (token) hd.authorization = 'Bearer ' + token;
    return hd;
  }

  function readRefused(code) {
    var b = $('banner');
    b.hidden = false;
    b.replaceChildren(
      h('span', { text: code + ': this bot\'s API needs the token even to read (it listens beyond loopback). ' }),
      h('button', { type: 'button', text: 'Enter token', onclick: function () { askToken({ title: 'Read the bot', text: 'Enter ARB_API_TOKEN to read this bot.', ok: 'Use token', reason: false }, function (t) { token = t || null; b.hidden = true; refreshAll(); }); } })
    );
  }

  function getJson(path) {
    return fetch(path, { headers: authHeaders({ accept: 'application/json' }), cache: 'no-store' }).then(function (res) {
      if (res.status === 401 || res.status === 403) { readRefused(res.status); throw new Error(path + ': ' + res.status); }
      if (!res.ok) throw new Error(path + ': HTTP ' + res.status);
      return res.json();
    });
  }

  // ---- status ----
  var statusTimer = null;
  function loadStatus() {
    // A failed load is shown by the connection badge and the banner; an error in rendering is not swallowed.
    return getJson('/api/status').then(function (s) {
      status = s;
      api.statusLoads++;
      render();
    }, function () {});
  }
  function refreshSoon() {
    if (statusTimer) return;
    statusTimer = setTimeout(function () { statusTimer = null; loadStatus(); }, 250);
  }

  function render() {
    if (!status) return;
    $('mode').textContent = status.mode;
    $('mode').dataset.mode = status.mode;
    $('uptime').textContent = 'up ' + dur(status.uptimeSec * 1000) + ' · ' + clock(status.now) + ' UTC';
    $('stopping').hidden = !status.stopping;
    $('stopping').textContent = status.stopping ? 'stopping: ' + status.stopping : '';
    renderPnl(status.pnl);
    renderLossBudget(status.lossBudget);
    renderFeeds(status.feeds, status.now);
    status.pairs.forEach(renderPair);
  }

  function row(label, value, cls, key, title, raw) {
    return h('tr', { 'data-key': key, title: title }, [h('th', { text: label }), h('td', { text: value, className: cls || '', 'data-value': raw })]);
  }

  function markText(m) {
    var d = decimalsFor([[m.netUsd, m.grossUsd, -m.exitFeesUsd]]);
    return usd(m.netUsd, d) + ' (gross ' + usd(m.grossUsd, d) + ' − est. exit fees ' + usd(m.exitFeesUsd, d) + ')';
  }

  function realisedText(r) {
    var d = decimalsFor([[r.netPnlUsd, r.grossPnlUsd, -r.feesUsd, r.fundingUsd]]);
    return usd(r.netPnlUsd, d) + ' (gross ' + usd(r.grossPnlUsd, d) + ' − fees ' + usd(r.feesUsd, d) + ' + funding ' + usd(r.fundingUsd, d) + ') · ' +
      r.roundTrips + (r.roundTrips === 1 ? ' round trip' : ' round trips');
  }

  function renderPnl(p) {
    var t = $('pnl');
    if (!p) { t.replaceChildren(row('no figures yet', '')); return; }
    var d = decimalsFor([[p.realisedNetUsd, p.realisedGrossUsd, -p.feesUsd, p.fundingUsd], [p.netIfClosedNowUsd, p.realisedNetUsd, p.unrealisedNetUsd]]);
    t.replaceChildren(
      row('realised gross', usd(p.realisedGrossUsd, d), sign(p.realisedGrossUsd), 'realisedGrossUsd', 'price PnL of the round trips closed this run', p.realisedGrossUsd),
      row('− fees paid', usd(p.feesUsd, d), '', 'feesUsd', 'every fee paid this run, failed entries and unwinds included', p.feesUsd),
      row('+ funding', usd(p.fundingUsd, d), sign(p.fundingUsd), 'fundingUsd', 'funding paid (−) or received (+)', p.fundingUsd),
      row('= realised net', usd(p.realisedNetUsd, d), 'total ' + sign(p.realisedNetUsd), 'realisedNetUsd', undefined, p.realisedNetUsd),
      row('unrealised net', usd(p.unrealisedNetUsd, d), sign(p.unrealisedNetUsd), 'unrealisedNetUsd', 'open positions marked to the last books, net of estimated exit fees', p.unrealisedNetUsd),
      row('net if closed now', usd(p.netIfClosedNowUsd, d), 'total ' + sign(p.netIfClosedNowUsd), 'netIfClosedNowUsd', undefined, p.netIfClosedNowUsd),
      row('round trips', String(p.roundTrips), '', 'roundTrips')
    );
    $('pnl-note').textContent = p.note + '. A pair\'s realised figures count its round trips\' own fees; the run\'s fees also count failed entries and unwound legs.';
  }

  /** The loss budget the journals keep across restarts, in one line (src/report/loss-budget.ts words it the same). */
  function renderLossBudget(b) {
    var el = $('loss-budget');
    el.hidden = !b;
    if (!b) return;
    var signed = function (v) { return (v < 0 ? '-' : '+') + usd(Math.abs(v)); };
    var left = b.limitUsd == null ? 'no limit (risk.max_loss_usd not set)' : usd(b.leftUsd) + ' of ' + usd(b.limitUsd) + ' left' + (b.spent ? ' \u2014 SPENT' : '');
    var since = b.since != null ? ' (since ' + new Date(b.since).toISOString() + ')' : ' (nothing counted yet)';
    el.textContent = 'loss budget: ' + left + since + '; realised net on record ' + signed(b.atStartUsd) + ' at start ' + signed(b.thisRunUsd) + ' this run = ' + signed(b.netUsd) + (b.halted ? '; the loss limit HALTED this run' : '');
    el.className = b.spent || b.halted ? 'bad' : '';
    el.dataset.left = b.leftUsd == null ? '' : String(b.leftUsd);
  }

  /** One column per feed, one row per figure: fits a narrow window with any number of feeds. */
  function renderFeeds(feeds, now) {
    var t = $('feeds');
    var state = function (f) { return f.stale ? 'stale' + (f.staleReason ? ': ' + f.staleReason : '') + (f.staleSince ? ' (' + dur(now - f.staleSince) + ')' : '') : 'fresh'; };
    var lines = [
      ['state', state, function (f) { return f.stale ? 'bad' : 'good'; }],
      ['last update', function (f) { return dur(f.lastUpdateAgeMs) + ' ago'; }],
      ['lag behind the venue', function (f) { return dur(f.lagMs); }],
      ['frames', function (f) { return String(f.frames); }],
      ['decode errors', function (f) { return String(f.decodeErrors); }, function (f) { return f.decodeErrors ? 'warn' : ''; }],
      ['resyncs', function (f) { return String(f.resyncs); }],
      ['reconnects', function (f) { return String(f.reconnects); }]
    ];
    t.tHead.replaceChildren(h('tr', null, [h('th')].concat(feeds.map(function (f) { return h('th', { text: f.venue + ' ' + f.symbol, 'data-venue': f.venue }); }))));
    t.tBodies[0].replaceChildren.apply(t.tBodies[0], lines.map(function (l) {
      return h('tr', null, [h('th', { text: l[0] })].concat(feeds.map(function (f) { return h('td', { text: l[1](f), className: l[2] ? l[2](f) : '', 'data-venue': f.venue }); })));
    }));
  }

  // ---- pairs ----
  function pairCard(p) {
    var id = 'pair-' + p.pair.replace(/[^A-Za-z0-9_-]/g, '_');
    var card = document.getElementById(id);
    if (card) return card;
    card = h('section', { className: 'card pair', id: id, 'data-pair': p.pair }, [
      h('div', { className: 'pair-head' }, [
        h('h2', { text: p.pair }),
        h('span', { className: 'venues', text: 'A ' + p.dexA + ' · B ' + p.dexB }),
        h('span', { className: 'badge phase' }),
        h('span', { className: 'badge halt', hidden: true }),
        h('span', { className: 'spacer' }),
        h('button', { type: 'button', className: 'halt-btn', text: 'Halt', onclick: function () { pairAction(p.pair, 'halt'); } }),
        h('button', { type: 'button', className: 'resume-btn', text: 'Resume', onclick: function () { pairAction(p.pair, 'resume'); } })
      ]),
      h('div', { className: 'chart' }),
      h('p', { className: 'chart-note note' }),
      h('table', { className: 'figures' }, [h('tbody')])
    ]);
    $('pairs').appendChild(card);
    return card;
  }

  function renderPair(p) {
    var card = pairCard(p);
    var phase = card.querySelector('.phase');
    phase.textContent = p.phase.replace('_', ' ');
    phase.dataset.phase = p.phase;
    var halt = card.querySelector('.halt');
    halt.hidden = !p.halted;
    halt.textContent = p.halted ? 'HALTED' : '';
    card.dataset.halted = p.halted ? '1' : '0';
    card.dataset.position = p.position ? p.position.direction : 'flat';
    ensureChart(card, p);
    var s = p.spreads || {};
    var pos = p.position;
    var held = pos ? (pos.direction === 'AOverB' ? s.exitAOverB : s.exitBOverA) : null;
    var reach = function (v) { return v != null && v >= p.spreadEntry ? 'hit' : ''; };
    var rows = [
      row('net entry A>B (long ' + p.dexA + ')', pct(s.netEntryAOverB) + ' vs ' + pct(p.spreadEntry, 3), reach(s.netEntryAOverB), 'netEntryAOverB', 'entry spread net of round-trip taker fees, against the entry threshold'),
      row('net entry B>A (long ' + p.dexB + ')', pct(s.netEntryBOverA) + ' vs ' + pct(p.spreadEntry, 3), reach(s.netEntryBOverA), 'netEntryBOverA'),
      row('exit spread (held)', pos ? pct(held) + ' vs target ' + pct(p.spreadExit, 3) : 'flat · target ' + pct(p.spreadExit, 3), '', 'exitSpread'),
      row('book age', p.dexA + ' ' + dur(p.bookAgeMs.a) + ' · ' + p.dexB + ' ' + dur(p.bookAgeMs.b), '', 'bookAge'),
      row('position', pos ? pos.direction + ' ' + num(pos.size) + ' · long ' + (pos.longVenue || '?') + ' / short ' + (pos.shortVenue || '?') + ' · entry ' + pct(pos.entrySpread) + (pos.openedAt ? ' · since ' + clock(pos.openedAt) + ' UTC' : '') + (pos.restored ? ' (restored)' : '') : 'flat', pos ? 'open' : '', 'position'),
      row('unrealised net', pos && pos.mark ? markText(pos.mark) : pos ? 'not priced yet' : '–', pos && pos.mark ? sign(pos.mark.netUsd) : '', 'unrealised', 'marked to the last books'),
      row('realised net', realisedText(p.realised), sign(p.realised.netPnlUsd), 'realised', 'round trips closed this run: gross − their fees + their funding')
    ];
    if (p.halted) {
      var until = p.lossHalt ? ' · until the bot restarts (the run-wide loss limit: no resume)' : p.haltUntil ? ' · until ' + clock(p.haltUntil) + ' UTC' : ' · until resumed';
      rows.push(row('halted', (p.haltReason || 'halted') + until, 'bad', 'halt'));
    }
    if (p.closeFailures || p.legsUnwound) rows.push(row('failures', p.closeFailures + ' close failed · ' + p.legsUnwound + ' legs unwound', 'bad', 'failures'));
    card.querySelector('.figures').tBodies[0].replaceChildren.apply(card.querySelector('.figures').tBodies[0], rows);
  }

  // ---- charts ----
  function yRange(c) {
    var d = c.data, lo = Infinity, hi = -Infinity;
    for (var s = 1; s <= 3; s++) for (var i = 0; i < d[s].length; i++) { var v = d[s][i]; if (v != null) { if (v < lo) lo = v; if (v > hi) hi = v; } }
    if (!isFinite(lo)) { lo = Math.min(c.entry, c.exit); hi = Math.max(c.entry, c.exit); }
    var span = Math.max(hi - lo, 0.02), off = [];
    [[c.entry, 'entry threshold'], [c.exit, 'exit target']].forEach(function (t) {
      if (t[0] >= lo - 3 * span && t[0] <= hi + 3 * span) { lo = Math.min(lo, t[0]); hi = Math.max(hi, t[0]); }
      else off.push(t[1] + ' ' + pct(t[0], 3) + (t[0] > hi ? ' (above the chart)' : ' (below the chart)'));
    });
    c.offScale = off;
    var padding = Math.max((hi - lo) * 0.08, 0.005);
    return [lo - padding, hi + padding];
  }

  function ensureChart(card, p) {
    if (charts.has(p.pair) || typeof uPlot === 'undefined') return;
    var host = card.querySelector('.chart');
    var c = { pair: p.pair, entry: p.spreadEntry, exit: p.spreadExit, data: [[], [], [], [], [], []], u: null, dirty: false, offScale: [], note: card.querySelector('.chart-note') };
    var fmt = function (u, v) { return pct(v); };
    c.u = new uPlot({
      width: Math.max(260, host.clientWidth), height: 230, ms: 1,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts), 'Etc/UTC'); },
      scales: { x: { time: true }, y: { range: function () { return yRange(c); } } },
      cursor: { drag: { x: false, y: false } },
      legend: { live: true },
      series: [
        { label: 'time (UTC)', value: '{HH}:{mm}:{ss}.{fff}' },
        { label: 'net entry A>B', stroke: COLOR.ab, width: 1.25, points: { show: false }, value: fmt },
        { label: 'net entry B>A', stroke: COLOR.ba, width: 1.25, points: { show: false }, value: fmt },
        { label: 'exit spread (held)', stroke: COLOR.exit, width: 2, points: { show: false }, value: fmt },
        { label: 'entry threshold (net)', stroke: COLOR.ab, dash: [6, 4], width: 1, points: { show: false }, value: function () { return pct(c.entry, 3); } },
        { label: 'exit target', stroke: COLOR.exit, dash: [6, 4], width: 1, points: { show: false }, value: function () { return pct(c.exit, 3); } }
      ],
      axes: [{ space: 80, values: TIME_AXIS }, { size: 70, values: function (u, vals) { return vals.map(function (v) { return v.toFixed(3) + '%'; }); } }]
    }, c.data, host);
    charts.set(p.pair, c);
    getJson('/api/spreads?pair=' + encodeURIComponent(p.pair)).then(function (r) {
      var live = c.data[0].slice(), first = live.length ? live[0] : Infinity;
      var old = [[], [], [], [], [], []];
      r.points.forEach(function (pt) { if (pt[0] < first) { old[0].push(pt[0]); old[1].push(pt[1]); old[2].push(pt[2]); old[3].push(pt[3]); old[4].push(c.entry); old[5].push(c.exit); } });
      for (var s = 0; s < 6; s++) c.data[s] = old[s].concat(c.data[s]);
      trim(c);
      redraw(c);
    }).catch(function () {});
  }

  function trim(c) {
    var extra = c.data[0].length - MAX_POINTS;
    if (extra > 0) for (var s = 0; s < 6; s++) c.data[s].splice(0, extra);
  }

  function redraw(c) {
    if (c.dirty) return;
    c.dirty = true;
    requestAnimationFrame(function () {
      c.dirty = false;
      c.u.setData(c.data);
      // With the cursor away, the legend shows the latest sample rather than dashes.
      if (c.u.cursor.left == null || c.u.cursor.left < 0) c.u.setLegend({ idx: c.data[0].length - 1 }, false);
      c.note.textContent = c.offScale.length ? 'off the chart: ' + c.offScale.join(' · ') : '';
    });
  }

  function sample(e) {
    var c = charts.get(e.pair);
    if (status) status.pairs.forEach(function (p) {
      if (p.pair !== e.pair) return;
      p.spreads = { time: e.time, netEntryAOverB: e.netEntryAOverB, netEntryBOverA: e.netEntryBOverA, entryAOverB: e.entryAOverB, entryBOverA: e.entryBOverA, exitAOverB: e.exitAOverB, exitBOverA: e.exitBOverA };
      p.bookAgeMs = { a: e.bookAgeAMs, b: e.bookAgeBMs };
      if (p.position && e.position) p.position.mark = Object.assign({ time: e.time }, e.position);
      schedulePairRender(p);
    });
    if (status && status.pnl) liveUnrealised(status);
    if (!c) return;
    var xs = c.data[0];
    if (xs.length && e.time < xs[xs.length - 1]) return;
    var dir = e.position ? e.position.direction : null;
    var held = dir === 'AOverB' ? e.exitAOverB : dir === 'BOverA' ? e.exitBOverA : null;
    var vals = [e.time, nul(e.netEntryAOverB), nul(e.netEntryBOverA), nul(held), c.entry, c.exit];
    if (xs.length && e.time === xs[xs.length - 1]) for (var s = 0; s < 6; s++) c.data[s][xs.length - 1] = vals[s];
    else for (var t = 0; t < 6; t++) c.data[t].push(vals[t]);
    trim(c);
    redraw(c);
  }
  /** The run's unrealised figures from the pairs' latest marks, between two status loads (the summary's own sum). */
  function liveUnrealised(s) {
    var open = s.pairs.filter(function (p) { return p.position; });
    if (!open.every(function (p) { return p.position.mark; })) return;
    var unrealised = open.reduce(function (acc, p) { return acc + p.position.mark.netUsd; }, 0);
    s.pnl.unrealisedNetUsd = unrealised;
    s.pnl.netIfClosedNowUsd = s.pnl.realisedNetUsd + unrealised;
    if (!pnlFrame) {
      pnlFrame = true;
      requestAnimationFrame(function () { pnlFrame = false; renderPnl(status.pnl); });
    }
  }
  var pnlFrame = false;

  function nul(v) { return v == null || !isFinite(v) ? null : v; }

  // Pairs to redraw at the next frame, by name: the frame draws the latest status (a load may land in between).
  var pendingPairs = new Set(), pairFrame = false;
  function schedulePairRender(p) {
    pendingPairs.add(p.pair);
    if (pairFrame) return;
    pairFrame = true;
    requestAnimationFrame(function () {
      pairFrame = false;
      if (status) status.pairs.forEach(function (q) { if (pendingPairs.has(q.pair)) renderPair(q); });
      pendingPairs.clear();
    });
  }

  function resizeCharts() {
    charts.forEach(function (c) {
      var w = c.u.root.parentNode.clientWidth;
      if (w && Math.abs(w - c.u.width) > 2) c.u.setSize({ width: Math.max(260, w), height: c.u.height });
    });
  }

  // ---- event tail ----
  function describe(e) {
    var parts = [];
    Object.keys(e).forEach(function (k) {
      if (k === 'type' || k === 'time' || k === 'pair') return;
      var v = e[k];
      if (v == null) return;
      parts.push(k + '=' + (typeof v === 'object' ? JSON.stringify(v) : num(v)));
    });
    var text = parts.join(' ');
    return text.length > 260 ? text.slice(0, 259) + '…' : text;
  }

  function addToTail(e) {
    var tail = $('tail');
    var cls = BAD.indexOf(e.type) >= 0 ? 'bad' : WARN.indexOf(e.type) >= 0 ? 'warn' : GOOD.indexOf(e.type) >= 0 ? 'good' : '';
    tail.insertBefore(h('li', { 'data-type': e.type, className: cls }, [
      h('time', { text: clock(e.time, true) }),
      h('b', { text: e.type }),
      e.pair ? h('span', { className: 'pair-name', text: e.pair }) : null,
      h('span', { className: 'detail', text: describe(e) })
    ]), tail.firstChild);
    while (tail.children.length > MAX_TAIL) tail.removeChild(tail.lastChild);
    api.tail++;
  }

  function onEvent(e, recent) {
    api.events++;
    if (e.type === 'SPREAD_MONITORING') { sample(e); return; }
    if (e.type === 'POSITION_MONITORING') return;
    addToTail(e);
    if (!recent) refreshSoon();
  }

  // ---- live stream ----
  var retryMs = 1000;
  function setConn(state, text) {
    var b = $('conn');
    b.dataset.state = state;
    b.textContent = text || state;
    api.connected = state === 'live';
  }

  function onFrame(frame) {
    var kind = 'message', data = '';
    frame.split('\n').forEach(function (line) {
      if (line.indexOf('event:') === 0) kind = line.slice(6).trim();
      else if (line.indexOf('data:') === 0) data += line.slice(5).replace(/^ /, '');
    });
    if (!data) return;
    var e;
    try { e = JSON.parse(data); } catch (err) { return; }
    onEvent(e, kind === 'recent');
  }

  function connectEvents() {
    setConn('connecting', 'connecting…');
    fetch('/api/events?limit=100', { headers: authHeaders({ accept: 'text/event-stream' }), cache: 'no-store' }).then(function (res) {
      if (res.status === 401 || res.status === 403) { readRefused(res.status); setConn('refused', 'events refused'); return null; }
      if (!res.ok || !res.body) throw new Error('HTTP ' + res.status);
      $('tail').replaceChildren(); // the stream starts with the recent events again
      setConn('live', 'live');
      retryMs = 1000;
      var reader = res.body.getReader(), decoder = new TextDecoder(), buf = '';
      function pump() {
        return reader.read().then(function (r) {
          if (r.done) throw new Error('stream ended');
          buf += decoder.decode(r.value, { stream: true });
          var i;
          while ((i = buf.indexOf('\n\n')) >= 0) { onFrame(buf.slice(0, i)); buf = buf.slice(i + 2); }
          return pump();
        });
      }
      return pump();
    }).catch(function () {
      setConn('reconnecting', 'disconnected: retrying in ' + Math.round(retryMs / 1000) + ' s');
      setTimeout(connectEvents, retryMs);
      retryMs = Math.min(retryMs * 2, 15000);
    });
  }

  // ---- control ----
  var dialogDone = null;
  function askToken(opts, done) {
    $('dlg-title').textContent = opts.title;
    $('dlg-text').textContent = opts.text;
    $('dlg-ok').textContent = opts.ok;
    $('dlg-ok').className = opts.danger ? 'danger' : '';
    $('dlg-reason-row').hidden = !opts.reason;
    $('dlg-reason').value = '';
    $('dlg-token').value = '';
    $('dlg-token').placeholder = token ? 'using the token held in this tab (or type another)' : 'ARB_API_TOKEN';
    dialogDone = done;
    $('token-dialog').showModal();
    $('dlg-token').focus();
  }

  function tokenState() {
    $('token-state').textContent = token ? 'token held in this tab' : 'no token held';
    $('forget-token').hidden = !token;
  }

  var MEANING = { 200: 'done', 401: 'refused: missing or wrong token', 403: 'refused: control is disabled or forbidden', 404: 'unknown', 409: 'refused', 503: 'not done' };

  function showResult(code, title, lines) {
    var box = $('control-result');
    box.hidden = false;
    box.dataset.status = String(code);
    box.className = code === 200 ? 'ok' : code === 0 ? 'pending' : 'refused';
    var head = code === 0 ? title + ': sending…' : title + ': ' + (code > 0 ? code + ' ' + (MEANING[code] || '') : 'no answer');
    box.replaceChildren.apply(box, [
      h('button', { type: 'button', className: 'close', text: 'dismiss', onclick: function () { box.hidden = true; } }),
      h('strong', { text: head })
    ].concat(lines.map(function (l) { return h('div', { text: l }); })));
  }

  function send(title, path, payload, given) {
    var use = given || token;
    var hd = { 'content-type': 'application/json' };
    if (use) hd.authorization = 'Bearer ' + use;
    showResult(0, title, []);
    fetch(path, { method: 'POST', headers: hd, body: JSON.stringify(payload), cache: 'no-store' }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (body) {
        if (res.status === 401 || res.status === 403) token = null;
        else if (use) token = use;
        tokenState();
        showResult(res.status, title, body.lines || (body.error ? [body.error] : []));
        refreshSoon();
      });
    }).catch(function (err) { showResult(-1, title, ['the bot did not answer: ' + err.message]); });
  }

  function pairAction(pair, action) {
    var halting = action === 'halt';
    askToken({
      title: (halting ? 'Halt ' : 'Resume ') + pair,
      text: halting ? 'Stops new entries on ' + pair + '. An open position stays monitored and is closed at its exit target.'
        : 'Clears the halt once both venues agree with the journal (the same check as npm start -- resume).',
      ok: halting ? 'Halt' : 'Resume', danger: halting, reason: halting
    }, function (given, reason) {
      send((halting ? 'Halt ' : 'Resume ') + pair, '/api/pairs/' + encodeURIComponent(pair) + '/' + action, reason ? { reason: reason } : {}, given);
    });
  }

  function flatten() {
    askToken({
      title: 'Flatten everything',
      text: 'The kill switch: halts every pair and closes every open position now, then reports each pair.',
      ok: 'Flatten now', danger: true, reason: true
    }, function (given, reason) { send('Flatten', '/api/flatten', reason ? { reason: reason } : {}, given); });
  }

  function refreshAll() {
    loadStatus();
    connectEvents();
  }

  document.addEventListener('DOMContentLoaded', function () {
    $('flatten').addEventListener('click', flatten);
    $('forget-token').addEventListener('click', function () { token = null; tokenState(); });
    $('token-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      var given = $('dlg-token').value.trim(), reason = $('dlg-reason').value.trim();
      $('dlg-token').value = '';
      $('token-dialog').close();
      var done = dialogDone;
      dialogDone = null;
      if (done) done(given, reason);
    });
    $('dlg-cancel').addEventListener('click', function () { dialogDone = null; $('dlg-token').value = ''; $('token-dialog').close(); });
    window.addEventListener('resize', resizeCharts);
    tokenState();
    refreshAll();
    setInterval(loadStatus, STATUS_EVERY_MS);
  });
})();
`;
