/**
 * The chart library and this project's chart builders, as text to inline into a page (report.html now, a live
 * dashboard later), so a page is one self-contained file that draws offline: no CDN, no second request.
 *
 * The library is uPlot (MIT, ~50 KB minified): canvas line charts of tens of thousands of points, a time axis in
 * milliseconds with a time zone, null gaps in a series, drag-to-zoom, cursor sync between charts, and draw hooks
 * (held periods, decision markers), with `setData` for live updates. TradingView's lightweight-charts was the other
 * candidate; its time axis counts whole seconds, so two decisions in one second could not both sit on their tick.
 */
import * as fs from 'node:fs';

export interface ChartLibrary {
  readonly name: string;
  readonly version: string;
  readonly license: string;
  /** The library's browser build (defines `uPlot`). */
  readonly script: string;
  readonly css: string;
}

let library: ChartLibrary | undefined;

/** uPlot's IIFE build and stylesheet, read once from the installed package. */
export function chartLibrary(): ChartLibrary {
  if (library === undefined) {
    const read = (file: string) => fs.readFileSync(require.resolve(`uplot/dist/${file}`), 'utf8');
    const pkg = JSON.parse(fs.readFileSync(require.resolve('uplot/package.json'), 'utf8')) as { version: string; license: string };
    library = { name: 'uPlot', version: pkg.version, license: pkg.license, script: read('uPlot.iife.min.js'), css: read('uPlot.min.css') };
  }
  return library;
}

/** JavaScript safe to place inside a <script> element: `</script` cannot end it early. */
export function scriptText(js: string): string {
  if (js.includes('<!--')) throw new Error('script text must not contain "<!--"');
  return js.replace(/<\/(script)/gi, '<\\/$1');
}

/** JSON for a <script type="application/json"> element: every `<` escaped, so no markup can end or nest in it. */
export function jsonScriptText(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * Browser code (needs `uPlot`): `ArbCharts.spreadChart(el, pair, opts)`, `ArbCharts.equityChart(el, equity, opts)`
 * and `ArbCharts.syncZoom(charts)`. Data shapes are `PageData` in html.ts. Zoom: drag to zoom in, wheel to zoom
 * around the cursor, Shift+drag or Shift+wheel to pan, double-click to see everything again.
 */
export const CHARTS_SCRIPT = String.raw`
(function (root) {
  'use strict';
  var COLOR = {
    ab: '#1f6feb', ba: '#e8710a', exit: '#cf222e', entryLine: '#1f6feb', exitLine: '#cf222e',
    heldAB: 'rgba(31,111,235,0.10)', heldBA: 'rgba(232,113,10,0.12)',
    realised: '#1a7f37', marked: '#0550ae', fees: '#6e7781', funding: '#8250df', drawdown: 'rgba(207,34,46,0.10)'
  };

  var NO_POINTS = { show: false };

  function utc(ts) { return uPlot.tzDate(new Date(ts), 'Etc/UTC'); }

  function pad(n, w) { var s = String(n); while (s.length < (w || 2)) s = '0' + s; return s; }

  /** hh:mm:ss.mmm UTC */
  function clock(ts, withMs) {
    var d = new Date(ts);
    var s = pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()) + ':' + pad(d.getUTCSeconds());
    return withMs ? s + '.' + pad(d.getUTCMilliseconds(), 3) : s;
  }

  function pct(v, digits) { return v == null ? '–' : v.toFixed(digits == null ? 4 : digits) + '%'; }

  function money(v, digits) {
    if (v == null) return '–';
    return (v < 0 ? '-$' : '$') + Math.abs(v).toFixed(digits == null ? 2 : digits);
  }

  /**
   * Aligns point lists on one time axis. Alignment artifacts are undefined (joined over), except next to a gap:
   * NULL_EXPAND (2) turns them into nulls too, so a break spans from the series' own last value to its next one
   * (uPlot clips a gap only between its neighbouring x values, which may belong to another series).
   */
  function align(list, spanStart, spanEnd) {
    var tables = list.map(function (s) { return [s.t, s.v]; });
    var data = uPlot.join(tables, list.map(function () { return [0, 2]; }));
    var xs = data[0];
    if (xs.length === 0 || spanStart < xs[0]) { xs.unshift(spanStart); for (var i = 1; i < data.length; i++) data[i].unshift(undefined); }
    if (spanEnd > xs[xs.length - 1]) { xs.push(spanEnd); for (var j = 1; j < data.length; j++) data[j].push(undefined); }
    return data;
  }

  function constant(xs, value) { return xs.map(function () { return value; }); }

  function inBox(u, draw) {
    var ctx = u.ctx;
    ctx.save();
    ctx.beginPath();
    ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
    ctx.clip();
    draw(ctx);
    ctx.restore();
  }

  function xPx(u, t) { return u.valToPos(t, 'x', true); }

  function band(u, from, to, fill, label) {
    var x0 = Math.max(u.bbox.left, xPx(u, from));
    var x1 = Math.min(u.bbox.left + u.bbox.width, xPx(u, to));
    if (!(x1 > x0)) return;
    inBox(u, function (ctx) {
      ctx.fillStyle = fill;
      ctx.fillRect(x0, u.bbox.top, x1 - x0, u.bbox.height);
      if (label && x1 - x0 > 40 * uPlot.pxRatio) {
        ctx.fillStyle = '#57606a';
        ctx.font = (11 * uPlot.pxRatio) + 'px system-ui, sans-serif';
        ctx.textBaseline = 'top';
        ctx.textAlign = 'left'; // uPlot leaves the axes' alignment on the context
        ctx.fillText(label, x0 + 4 * uPlot.pxRatio, u.bbox.top + 4 * uPlot.pxRatio);
      }
    });
  }

  function triangle(ctx, x, y, up, size, fill, stroke) {
    ctx.beginPath();
    if (up) { ctx.moveTo(x, y); ctx.lineTo(x - size, y + 1.8 * size); ctx.lineTo(x + size, y + 1.8 * size); }
    else { ctx.moveTo(x, y); ctx.lineTo(x - size, y - 1.8 * size); ctx.lineTo(x + size, y - 1.8 * size); }
    ctx.closePath();
    if (fill) { ctx.fillStyle = fill; ctx.fill(); }
    ctx.lineWidth = uPlot.pxRatio;
    ctx.strokeStyle = stroke;
    ctx.stroke();
  }

  /** A floating note over a chart: the decision under the cursor. */
  function tooltip(u) {
    var tip = document.createElement('div');
    tip.className = 'chart-tip';
    tip.style.display = 'none';
    u.over.appendChild(tip);
    return tip;
  }

  function size(el, height) { return { width: Math.max(320, el.clientWidth), height: height }; }

  function timeAxis() {
    return {
      space: 90,
      values: [
        [3600000 * 24, '{YYYY}-{MM}-{DD}', null, null, null, null, null, null, 1],
        [3600000, '{HH}:{mm}', '\n{YYYY}-{MM}-{DD}', null, '\n{MM}-{DD}', null, null, null, 1],
        [60000, '{HH}:{mm}', '\n{YYYY}-{MM}-{DD}', null, '\n{MM}-{DD}', null, null, null, 1],
        [1000, '{HH}:{mm}:{ss}', '\n{YYYY}-{MM}-{DD} UTC', null, '\n{MM}-{DD}', null, null, null, 1],
        [1, '{HH}:{mm}:{ss}.{fff}', '\n{YYYY}-{MM}-{DD} UTC', null, '\n{MM}-{DD}', null, null, null, 1]
      ]
    };
  }

  /**
   * Zoom by wheel around the cursor and pan by Shift+drag / Shift+wheel; the built-in drag-select zooms in and
   * a double-click shows everything.
   */
  function wheelAndPan(u) {
    var over = u.over;
    function full() { var xs = u.data[0]; return [xs[0], xs[xs.length - 1]]; }
    function clamp(min, max) {
      var f = full(), width = max - min, whole = f[1] - f[0];
      if (width >= whole) return [f[0], f[1]];
      if (min < f[0]) { min = f[0]; max = min + width; }
      if (max > f[1]) { max = f[1]; min = max - width; }
      return [min, max];
    }
    over.addEventListener('wheel', function (e) {
      e.preventDefault();
      var sc = u.scales.x, min = sc.min, max = sc.max, width = max - min;
      if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
        var shift = width * 0.1 * Math.sign(e.deltaX || e.deltaY);
        var r = clamp(min + shift, max + shift);
        u.setScale('x', { min: r[0], max: r[1] });
        return;
      }
      var rect = over.getBoundingClientRect();
      var at = u.posToVal(e.clientX - rect.left, 'x');
      var factor = e.deltaY < 0 ? 0.75 : 1 / 0.75;
      var nw = Math.max(width * factor, 50);
      var left = (at - min) / width;
      var z = clamp(at - left * nw, at + (1 - left) * nw);
      u.setScale('x', { min: z[0], max: z[1] });
    }, { passive: false });
    // Shift+drag pans: caught on the wrapper before uPlot's own drag-select sees the press.
    var dragging = null;
    u.root.querySelector('.u-wrap').addEventListener('mousedown', function (e) {
      if (!e.shiftKey || e.button !== 0) return;
      e.stopPropagation();
      e.preventDefault();
      dragging = { x: e.clientX, min: u.scales.x.min, max: u.scales.x.max };
    }, true);
    window.addEventListener('mousemove', function (e) {
      if (!dragging) return;
      var perPx = (dragging.max - dragging.min) / over.clientWidth;
      var d = -(e.clientX - dragging.x) * perPx;
      var r = clamp(dragging.min + d, dragging.max + d);
      u.setScale('x', { min: r[0], max: r[1] });
    });
    window.addEventListener('mouseup', function () { dragging = null; });
  }

  function markerAt(u, markers, left, top) {
    var best = null, bestD = 10;
    for (var i = 0; i < markers.length; i++) {
      var m = markers[i];
      var dx = u.valToPos(m.time, 'x') - left, dy = u.valToPos(m.spread, 'y') - top;
      var d = Math.sqrt(dx * dx + dy * dy);
      if (d < bestD) { bestD = d; best = m; }
    }
    return best;
  }

  /**
   * Both directions' gross entry spreads with the gross entry threshold, the held position's exit spread with the
   * exit target, held periods shaded, and a marker at each decision's tick.
   */
  function spreadChart(el, p, opts) {
    var s = p.series;
    var data = align([s.entryAOverB, s.entryBOverA, s.heldExit], opts.spanStart, opts.spanEnd);
    var xs = data[0];
    data.push(constant(xs, p.entryGross), constant(xs, p.exit));
    var A = p.dexA, B = p.dexB;
    var tip;
    var u = new uPlot({
      width: size(el).width, height: opts.height || 340, ms: 1, tzDate: utc,
      cursor: { drag: { x: true, y: false, setScale: true }, sync: { key: opts.syncKey || 'run', setSeries: false } },
      scales: { x: { time: true } },
      legend: { live: true },
      series: [
        { label: 'time (UTC)', value: '{YYYY}-{MM}-{DD} {HH}:{mm}:{ss}.{fff}' },
        { label: 'A>B entry (long ' + A + ', short ' + B + ')', stroke: COLOR.ab, width: 1.25, points: NO_POINTS, value: function (u, v) { return pct(v); } },
        { label: 'B>A entry (long ' + B + ', short ' + A + ')', stroke: COLOR.ba, width: 1.25, points: NO_POINTS, value: function (u, v) { return pct(v); } },
        { label: 'exit spread of the held position', stroke: COLOR.exit, width: 2.25, points: NO_POINTS, value: function (u, v) { return pct(v); } },
        { label: 'entry threshold ' + pct(p.entryGross, 3) + ' gross (' + pct(p.entryNet, 3) + ' net + ' + pct(p.roundTripFeePct, 3) + ' fees)',
          stroke: COLOR.entryLine, dash: [6, 4], width: 1, points: NO_POINTS, value: function (u, v) { return pct(v, 3); } },
        { label: 'exit target ' + pct(p.exit, 3), stroke: COLOR.exitLine, dash: [6, 4], width: 1, points: NO_POINTS, value: function (u, v) { return pct(v, 3); } }
      ],
      axes: [
        timeAxis(),
        { size: 78, values: function (u, vals) { return vals.map(function (v) { return v.toFixed(3) + '%'; }); } }
      ],
      hooks: {
        drawClear: [function (u) {
          var end = u.data[0][u.data[0].length - 1];
          p.held.forEach(function (h) {
            band(u, h.from, h.to == null ? end : h.to, h.direction === 'AOverB' ? COLOR.heldAB : COLOR.heldBA, 'held ' + h.direction);
          });
        }],
        draw: [function (u) {
          var r = 6 * uPlot.pxRatio;
          inBox(u, function (ctx) {
            p.markers.forEach(function (m) {
              var x = xPx(u, m.time), y = u.valToPos(m.spread, 'y', true);
              var color = m.kind === 'entry' ? (m.direction === 'AOverB' ? COLOR.ab : COLOR.ba) : COLOR.exit;
              if (m.kind === 'entry') triangle(ctx, x, y, true, r, m.failed ? '#ffffff' : color, m.failed ? '#57606a' : '#1f2328');
              else triangle(ctx, x, y, false, r, m.failed ? '#ffffff' : color, m.failed ? '#57606a' : '#1f2328');
            });
          });
        }],
        ready: [function (u) { tip = tooltip(u); }],
        setCursor: [function (u) {
          if (!tip) return;
          var c = u.cursor;
          var m = c.left == null || c.left < 0 ? null : markerAt(u, p.markers, c.left, c.top);
          if (!m) { tip.style.display = 'none'; return; }
          tip.textContent = clock(m.time, true) + ' UTC · ' + m.label;
          tip.style.display = 'block';
          var left = Math.min(u.valToPos(m.time, 'x') + 10, u.over.clientWidth - tip.offsetWidth - 4);
          tip.style.left = Math.max(0, left) + 'px';
          tip.style.top = Math.max(0, u.valToPos(m.spread, 'y') - 34) + 'px';
        }]
      }
    }, data, el);
    wheelAndPan(u);
    u.markers = p.markers;
    return u;
  }

  /** Cumulative realised net, net if closed now, fees paid and funding, with the max drawdown shaded. */
  function equityChart(el, eq, opts) {
    // Fees are drawn as what they are on a PnL chart: a cost, below zero.
    var feesAsCost = { t: eq.fees.t, v: eq.fees.v.map(function (v) { return v == null ? v : -v; }) };
    var data = align([eq.realisedNet, eq.netIfClosedNow, feesAsCost, eq.funding], opts.spanStart, opts.spanEnd);
    var digits = opts.moneyDigits == null ? 2 : opts.moneyDigits;
    var fmt = function (u, v) { return money(v, digits); };
    var dd = eq.drawdown;
    var u = new uPlot({
      width: size(el).width, height: opts.height || 260, ms: 1, tzDate: utc,
      cursor: { drag: { x: true, y: false, setScale: true }, sync: { key: opts.syncKey || 'run', setSeries: false } },
      scales: { x: { time: true } },
      series: [
        { label: 'time (UTC)', value: '{YYYY}-{MM}-{DD} {HH}:{mm}:{ss}.{fff}' },
        { label: 'realised net PnL', stroke: COLOR.realised, width: 2, paths: uPlot.paths.stepped({ align: 1 }), points: NO_POINTS, value: fmt },
        { label: 'net if closed now (marked to the books)', stroke: COLOR.marked, width: 1.25, points: NO_POINTS, value: fmt },
        { label: 'fees paid (a cost)', stroke: COLOR.fees, width: 1.25, dash: [4, 3], paths: uPlot.paths.stepped({ align: 1 }), points: NO_POINTS, value: fmt },
        { label: 'funding (realised + accrued on open positions; + received)', stroke: COLOR.funding, width: 1, dash: [2, 3], points: NO_POINTS, value: fmt }
      ],
      axes: [
        timeAxis(),
        { size: 78, values: function (u, vals) { return vals.map(function (v) { return money(v, digits); }); } }
      ],
      hooks: {
        drawClear: [function (u) {
          if (dd && dd.usd > 0 && dd.from != null && dd.to != null) band(u, dd.from, dd.to, COLOR.drawdown, 'max drawdown ' + money(dd.usd, digits));
        }]
      }
    }, data, el);
    wheelAndPan(u);
    return u;
  }

  /** One x range for every chart: zooming or panning one moves the others. */
  function syncZoom(charts, onChange) {
    var busy = false;
    charts.forEach(function (u) {
      u.hooks.setScale = u.hooks.setScale || [];
      u.hooks.setScale.push(function (src, key) {
        if (key !== 'x' || busy) return;
        busy = true;
        var min = src.scales.x.min, max = src.scales.x.max;
        charts.forEach(function (o) { if (o !== src) o.setScale('x', { min: min, max: max }); });
        busy = false;
        if (onChange) onChange(min, max);
      });
    });
  }

  function resizeAll(charts) {
    charts.forEach(function (u) { var w = u.root.parentNode.clientWidth; if (w && Math.abs(w - u.width) > 2) u.setSize({ width: w, height: u.height }); });
  }

  root.ArbCharts = { spreadChart: spreadChart, equityChart: equityChart, syncZoom: syncZoom, resizeAll: resizeAll, clock: clock, money: money, pct: pct };
})(window);
`;
