/**
 * The report of a real sim run, opened in a real headless Chromium (Debian's `chromium`, driven by playwright-core):
 * the charts draw, decisions sit on the data, zoom and pan work, and every total on the page is the summary JSON's.
 * A full-page screenshot and the page itself are left in test-artifacts/ (git-ignored) for a person to look at.
 *
 * Without a Chromium the suite is skipped with a message saying so; with REPORT_BROWSER_REQUIRED=1 (CI installs
 * chromium and sets it) a missing browser fails instead.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { defaultConfig } from '../../src/config';
import { summaryFigures, summaryJson } from '../../src/report/summary';
import { startRun, type RunResult } from '../../streams/cli/run';
import { ARTIFACTS, CHROMIUM, CHROMIUM_FLAGS, describeInBrowserFor } from '../support/chromium';

const describeInBrowser = describeInBrowserFor('report.browser.test');
const FLAGS = CHROMIUM_FLAGS;

const FAST_MARKET = { basisTauSec: 0.8, basisStdPct: 0.16 };

/** What the page exposes to scripts, as far as these tests read it (this program has no DOM types). */
interface ReportWindow {
  reportCharts: PageChart[];
}

interface PageChart {
  root: { querySelector(selector: 'canvas'): PageCanvas | null };
  series: unknown[];
  scales: { x: { min: number; max: number } };
  data: (number | null | undefined)[][];
  markers: { kind: string; time: number; spread: number; direction: string }[];
  valToPos(value: number, scale: string): number;
}

interface PageCanvas {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
}

interface ChartProbe {
  series: number;
  xMin: number;
  xMax: number;
  inkPixels: number;
}

describeInBrowser('report.html in Chromium', () => {
  let browser: Browser;
  let page: Page;
  let runsDir: string;
  let result: RunResult;
  let json: Record<string, unknown>;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (CHROMIUM === undefined) throw new Error('REPORT_BROWSER_REQUIRED=1 but no Chromium was found (apt-get install chromium, or set CHROMIUM_PATH)');
    runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'arb-report-'));
    // A round trip closed, then the next position opened and left open at exit: every kind of table row.
    let closed = 0;
    let exiting = false;
    const handle = startRun({
      mode: 'sim',
      config: defaultConfig(),
      seed: 7,
      closeOnExit: false,
      durationSec: 90,
      runsDir,
      logLevel: 'warn',
      simModel: FAST_MARKET,
      onEvent: (e) => {
        if (e.type === 'POSITION_CLOSED') closed++;
        if (e.type === 'POSITION_OPENED') exiting = false;
        if (e.type === 'TRADE_EXIT') exiting = true;
        // Stop once the open position has been marked to the books, unless its close is already in flight (a close
        // in flight always finishes). A stop from a sample is synchronous: no later tick reaches the exit monitor.
        if (e.type === 'SPREAD_MONITORING' && closed >= 1 && !exiting && e.position !== undefined) handle.stop('test: a round trip and an open position');
      },
    });
    result = await handle.done;
    // As `--summary-json` writes it.
    json = summaryJson(result.summary, { mode: 'sim', reportPath: result.reportPath, eventsPath: result.eventsPath, settings: result.settings });

    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    page = await browser.newPage({ viewport: { width: 1320, height: 900 } });
    page.on('pageerror', (err) => pageErrors.push(String(err)));
    page.on('console', (m) => {
      if (m.type() === 'error') pageErrors.push(m.text());
    });
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) pageErrors.push(`request to ${r.url()}`);
    });
    await page.goto(`file://${result.reportPath}`);
    await page.waitForSelector('body[data-charts]');
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (runsDir) fs.rmSync(runsDir, { recursive: true, force: true });
  });

  const probe = (index: number): Promise<ChartProbe> =>
    page.evaluate((i) => {
      const u = (globalThis as unknown as ReportWindow).reportCharts[i]!;
      const canvas = u.root.querySelector('canvas')!;
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      let ink = 0;
      for (let p = 0; p < data.length; p += 4) if (data[p + 3]! > 0 && (data[p]! < 200 || data[p + 1]! < 200 || data[p + 2]! < 200)) ink++;
      return { series: u.series.length, xMin: u.scales.x.min, xMax: u.scales.x.max, inkPixels: ink };
    }, index);

  /** The spread chart's plotting area, scrolled into view (the mouse reaches only what is on screen). */
  const plotArea = async () => {
    await page.locator('#spread-chart-0').scrollIntoViewIfNeeded();
    return (await page.locator('#spread-chart-0 .u-over').boundingBox())!;
  };

  it('loads with no error and no request beyond the file itself', () => {
    expect(pageErrors).toEqual([]);
  });

  it('draws the spread chart and the equity chart, each with its series', async () => {
    expect(await page.getAttribute('body', 'data-charts')).toBe('2');
    const spreads = await probe(0);
    const equity = await probe(1);
    expect(spreads.series).toBe(6); // time, A>B, B>A, held exit, entry threshold, exit target
    expect(equity.series).toBe(5); // time, realised net, net if closed now, fees, funding
    expect(spreads.inkPixels).toBeGreaterThan(5_000);
    expect(equity.inkPixels).toBeGreaterThan(3_000);
    const legend = await page.locator('#spread-chart-0 .u-legend').innerText();
    expect(legend).toContain('A>B entry (long vest, short paradex)');
    expect(legend).toMatch(/entry threshold 0\.\d{3}% gross \(0\.060% net \+ 0\.\d{3}% fees\)/);
  });

  it('puts a marker at every entry and exit decision, on the plotted data of its tick', async () => {
    const markers = await page.evaluate(() => {
      const u = (globalThis as unknown as ReportWindow).reportCharts[0]!;
      return u.markers.map((m) => {
        const i = u.data[0]!.indexOf(m.time);
        const series = m.kind === 'exit' ? 3 : m.direction === 'AOverB' ? 1 : 2;
        return { kind: m.kind, onData: i >= 0 && u.data[series]![i] === m.spread };
      });
    });
    const counts = result.eventCounts;
    expect(markers.filter((m) => m.kind === 'entry')).toHaveLength(counts.SPREAD_DETECTED ?? 0);
    expect(markers.filter((m) => m.kind === 'exit')).toHaveLength(counts.TRADE_EXIT ?? 0);
    expect(markers.length).toBeGreaterThanOrEqual(3);
    expect(markers.every((m) => m.onData)).toBe(true);
  });

  it('shows the figures of the summary JSON: header, totals of the trade table, and the console table', async () => {
    expect(json.openAtExit).toBe(1);
    const card = async (key: string) => page.getAttribute(`.card[data-key="${key}"]`, 'data-value');
    for (const key of ['netPnlUsd', 'unrealisedPnlUsd', 'netIfClosedNowUsd', 'maxDrawdownUsd']) {
      expect(Number(await card(key))).toBeCloseTo(json[key] as number, 9);
    }
    const totals = await page.$$eval('#trades tfoot [data-value]', (cells) => cells.map((c) => Number(c.getAttribute('data-value'))));
    expect(totals).toHaveLength(5);
    const [gross, fees, funding, net, unrealised] = totals as [number, number, number, number, number];
    expect(gross).toBeCloseTo(json.grossPnlUsd as number, 9);
    expect(fees).toBeCloseTo(json.feesUsd as number, 9);
    expect(funding).toBeCloseTo(json.fundingUsd as number, 9);
    expect(net).toBeCloseTo(gross - fees + funding, 9);
    expect(net).toBeCloseTo(json.netPnlUsd as number, 9);
    expect(unrealised).toBeCloseTo(json.unrealisedPnlUsd as number, 9);
    expect(net + unrealised).toBeCloseTo(json.netIfClosedNowUsd as number, 9);
    // The rows add up to the totals, column by column, as the page shows them.
    const columnSums = await page.$$eval('#trades tbody tr', (rows) => {
      const sums = [0, 0, 0, 0, 0];
      for (const row of rows) {
        const cells = [...row.querySelectorAll('td[data-value]')];
        cells.forEach((c, i) => (sums[i] = (sums[i] ?? 0) + Number(c.getAttribute('data-value') || 0)));
      }
      return sums;
    });
    columnSums.forEach((sum, i) => expect(sum).toBeCloseTo(totals[i]!, 9));
    expect(await page.locator('#trades tr.open-at-exit').count()).toBe(1);
    expect(await page.locator('#trades tr.trade').count()).toBe(json.roundTrips);
    expect(await page.locator('#totals-check').innerText()).toMatch(/^Totals = the summary/);
    // The console's summary table, figure by figure.
    const shown = await page.$$eval('#summary tr', (rows) => rows.map((r) => [r.getAttribute('data-key'), r.querySelector('td')!.textContent]));
    expect(shown).toEqual(summaryFigures(result.summary).map((f) => [f.key, f.text]));
  });

  it('fits the trade table in the page at 1,320 px, no column behind a horizontal scroll (a money figure stays on one line)', async () => {
    const fit = await page.$eval('table#trades', (t) => ({ table: t.scrollWidth, box: t.parentElement!.clientWidth }));
    expect(fit.box).toBeGreaterThan(0);
    expect(fit.table).toBeLessThanOrEqual(fit.box);
    const unrealisedLines = await page.$$eval('#trades tr.open-at-exit td:last-child .nw', (spans) => spans.map((s) => s.getClientRects().length));
    expect(unrealisedLines.length).toBeGreaterThanOrEqual(2);
    expect(unrealisedLines.every((n) => n === 1)).toBe(true);
  });

  it('zooms by dragging, on every chart at once, and shows everything again on a double-click', async () => {
    const before = await probe(0);
    const over = await plotArea();
    const y = over.y + over.height / 2;
    await page.mouse.move(over.x + over.width * 0.25, y);
    await page.mouse.down();
    await page.mouse.move(over.x + over.width * 0.45, y, { steps: 5 });
    await page.mouse.move(over.x + over.width * 0.6, y, { steps: 5 });
    await page.mouse.up();
    const zoomed = await probe(0);
    const equity = await probe(1);
    expect(zoomed.xMax - zoomed.xMin).toBeLessThan((before.xMax - before.xMin) * 0.5);
    expect(zoomed.xMin).toBeGreaterThan(before.xMin);
    expect([equity.xMin, equity.xMax]).toEqual([zoomed.xMin, zoomed.xMax]);
    expect(await page.locator('#zoom-range').innerText()).toMatch(/^\d\d:\d\d:\d\d\.\d{3} – \d\d:\d\d:\d\d\.\d{3} UTC$/);

    await page.mouse.dblclick(over.x + over.width / 2, y);
    const reset = await probe(0);
    expect([reset.xMin, reset.xMax]).toEqual([before.xMin, before.xMax]);
  });

  it('zooms with the wheel around the cursor and pans with Shift+drag', async () => {
    const before = await probe(0);
    const over = await plotArea();
    const y = over.y + over.height / 2;
    await page.mouse.move(over.x + over.width / 2, y);
    await page.mouse.wheel(0, -200);
    await page.waitForFunction((w) => {
      const u = (globalThis as unknown as ReportWindow).reportCharts[0]!;
      return u.scales.x.max - u.scales.x.min < w;
    }, before.xMax - before.xMin);
    const zoomed = await probe(0);
    expect(zoomed.xMax - zoomed.xMin).toBeLessThan(before.xMax - before.xMin);

    await page.keyboard.down('Shift');
    await page.mouse.move(over.x + over.width * 0.6, y);
    await page.mouse.down();
    await page.mouse.move(over.x + over.width * 0.4, y, { steps: 4 });
    await page.mouse.up();
    await page.keyboard.up('Shift');
    const panned = await probe(0);
    expect(panned.xMax - panned.xMin).toBeCloseTo(zoomed.xMax - zoomed.xMin, 3);
    expect(panned.xMin).toBeGreaterThan(zoomed.xMin); // dragged left: later times come into view

    await page.click('#zoom-reset');
    const reset = await probe(0);
    expect([reset.xMin, reset.xMax]).toEqual([before.xMin, before.xMax]);
  });

  it('tells what a marker was decided on when the cursor is over it', async () => {
    const at = await page.evaluate(() => {
      const u = (globalThis as unknown as ReportWindow).reportCharts[0]!;
      const m = u.markers[0]!;
      return { left: u.valToPos(m.time, 'x'), top: u.valToPos(m.spread, 'y') };
    });
    const over = await plotArea();
    await page.mouse.move(over.x + at.left, over.y + at.top);
    const tip = page.locator('#spread-chart-0 .chart-tip');
    await tip.waitFor({ state: 'visible' });
    expect(await tip.innerText()).toMatch(/^\d\d:\d\d:\d\d\.\d{3} UTC · entry (AOverB|BOverA) at 0\.\d{4}% gross/);
  });

  it('saves a full-page screenshot for people to look at', async () => {
    await page.mouse.move(0, 0);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, 'report.png');
    await page.screenshot({ path: file, fullPage: true });
    expect(fs.statSync(file).size).toBeGreaterThan(50_000);
    fs.copyFileSync(result.reportPath, path.join(ARTIFACTS, 'report.html'));
  });
});
