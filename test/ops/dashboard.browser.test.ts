/**
 * The live dashboard of a real sim run, in a real headless Chromium (Debian's `chromium`, driven by playwright-core,
 * as the report's test): the bot trades on simulated venues that this test starts (so it can read their positions
 * with the bot's own keys, as a client would), its API on port 0. The page loads under its CSP with no request
 * beyond the bot, draws the spreads, updates as events arrive, refuses a flatten without or with a wrong token
 * (the 401 shown, nothing closed at the venues), and a flatten with the token leaves both venues flat, which the
 * page then shows. Screenshots are left in test-artifacts/ (git-ignored) for a person to look at.
 *
 * Without a Chromium the suite is skipped with a message; with REPORT_BROWSER_REQUIRED=1 a missing browser fails.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { defaultConfig } from '../../src/config';
import type { TradingEvent } from '../../src/domain/events';
import { DASHBOARD_CSP } from '../../src/ops/dashboard';
import { startSimVenues, type SimVenues } from '../../src/sim/index';
import { createSimVenueClients, loadOrCreateSimKeys } from '../../src/venues/sim-connect';
import { startRun, type RunHandle } from '../../streams/cli/run';
import { ARTIFACTS, CHROMIUM, CHROMIUM_FLAGS, describeInBrowserFor } from '../support/chromium';

const TOKEN = 'dashboard-test-token-0123456789';
const describeInBrowser = describeInBrowserFor('dashboard.browser.test');
const FLAGS = CHROMIUM_FLAGS;

/** What the page exposes to scripts, as far as these tests read it (this program has no DOM types). */
interface DashboardWindow {
  dashboard: { charts: Map<string, PageChart>; events: number; tail: number; connected: boolean; statusLoads: number };
}
interface PageChart {
  data: (number | null)[][];
  u: { root: { querySelector(selector: 'canvas'): PageCanvas | null }; series: unknown[] };
}
interface PageCanvas {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null;
}

describeInBrowser('the live dashboard in Chromium', () => {
  const pair = defaultConfig().bots[0]!.pair;
  const card = `section.pair[data-pair="${pair}"]`;
  let sim: SimVenues;
  let dir: string;
  let handle: RunHandle | undefined;
  let base: string;
  let browser: Browser;
  let page: Page;
  const seen: TradingEvent[] = [];
  const pageErrors: string[] = [];
  const consoleTexts: string[] = [];
  let documentHeaders: Record<string, string> = {};

  const venuePositions = async () => {
    const clients = createSimVenueClients(sim, loadOrCreateSimKeys(path.join(dir, 'journal')));
    try {
      const [vest, paradex] = await Promise.all([clients.vest.positions(), clients.paradex.positions()]);
      return { vest: vest.filter((p) => p.size !== 0).length, paradex: paradex.filter((p) => p.size !== 0).length };
    } finally {
      await Promise.all([clients.vest.close(), clients.paradex.close()]);
    }
  };

  const count = (type: TradingEvent['type']) => seen.filter((e) => e.type === type).length;

  beforeAll(async () => {
    if (CHROMIUM === undefined) throw new Error('REPORT_BROWSER_REQUIRED=1 but no Chromium was found (apt-get install chromium, or set CHROMIUM_PATH)');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arb-dashboard-'));
    sim = await startSimVenues({ seed: 5 });
    // The basis is held inside the entry threshold until the test wants a position: the chart first draws a flat pair.
    sim.market.setBasis('BTC', 0);
    const journalDir = path.join(dir, 'journal');
    let resolveUrl: (u: string) => void = () => {};
    const url = new Promise<string>((r) => (resolveUrl = r));
    handle = startRun({
      mode: 'sim',
      config: defaultConfig(),
      seed: 1,
      closeOnExit: false,
      runsDir: path.join(dir, 'runs'),
      logLevel: 'warn',
      simVenues: { urls: sim, keys: loadOrCreateSimKeys(journalDir) },
      journalDir,
      api: { host: '127.0.0.1', port: 0, token: TOKEN, heartbeatMs: 1000 },
      onApiListening: resolveUrl,
      onEvent: (e) => seen.push(e),
    });
    base = await url;

    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (err) => pageErrors.push(String(err)));
    page.on('console', (m) => {
      consoleTexts.push(m.text());
      // CSP violations arrive here as errors too. The refusals this test provokes are logged by Chromium as failed
      // loads (401): they are expected, and shown in the page (checked below).
      if (m.type() === 'error' && !m.text().includes('status of 401 (Unauthorized)')) pageErrors.push(m.text());
    });
    page.on('request', (r) => {
      if (!r.url().startsWith(`${base}/`)) pageErrors.push(`request to ${r.url()}`);
    });
    const response = await page.goto(`${base}/`);
    documentHeaders = response?.headers() ?? {};
    await page.waitForFunction(() => (globalThis as unknown as DashboardWindow).dashboard?.connected === true);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (handle) {
      handle.stop('test over');
      await handle.done.catch(() => undefined);
    }
    await sim?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const chartProbe = () =>
    page.evaluate((p) => {
      const c = (globalThis as unknown as DashboardWindow).dashboard.charts.get(p)!;
      const canvas = c.u.root.querySelector('canvas')!;
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      let ink = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i + 3]! > 0 && (data[i]! < 200 || data[i + 1]! < 200 || data[i + 2]! < 200)) ink++;
      const points = c.data[0]!.length;
      const drawn = c.data[1]!.filter((v) => v !== null).length;
      return { points, drawn, series: c.u.series.length, ink };
    }, pair);

  /** Opens the token dialog with `open`, types the token (or none) and confirms; resolves with the result box. */
  const control = async (open: string, token: string | undefined, expectStatus: number) => {
    await page.click(open);
    await page.locator('#token-dialog').waitFor({ state: 'visible' });
    if (token !== undefined) await page.fill('#dlg-token', token);
    await page.click('#dlg-ok');
    const result = page.locator(`#control-result[data-status="${expectStatus}"]`);
    await result.waitFor({ state: 'visible', timeout: 60_000 });
    return { head: await result.locator('strong').innerText(), text: await result.innerText() };
  };

  it('is served by the bot under a strict Content-Security-Policy and loads with no error and no outside request', async () => {
    expect(documentHeaders['content-security-policy']).toBe(DASHBOARD_CSP);
    expect(DASHBOARD_CSP).toContain("script-src 'self'");
    expect(DASHBOARD_CSP).not.toContain('unsafe-inline');
    expect(documentHeaders['x-frame-options']).toBe('DENY');
    expect(await page.locator('#mode').innerText()).toBe('sim');
    expect(await page.locator('#conn').getAttribute('data-state')).toBe('live');
    expect(pageErrors).toEqual([]);
  });

  it('draws the spreads with the entry threshold and the exit target', async () => {
    await page.waitForFunction((p) => ((globalThis as unknown as DashboardWindow).dashboard.charts.get(p)?.data[0]?.length ?? 0) >= 8, pair, { timeout: 30_000 });
    await page.waitForTimeout(300); // the next animation frame draws what arrived
    const chart = await chartProbe();
    expect(chart.series).toBe(6); // time, net A>B, net B>A, held exit, entry threshold, exit target
    expect(chart.drawn).toBeGreaterThanOrEqual(8);
    expect(chart.ink).toBeGreaterThan(3_000);
    const legend = await page.locator(`${card} .u-legend`).innerText();
    for (const label of ['net entry A>B', 'net entry B>A', 'exit spread (held)', 'entry threshold (net)', 'exit target']) expect(legend).toContain(label);
    // The cursor is away: the legend shows the latest sample's values.
    expect(legend).toMatch(/net entry A>B\s*-?\d+\.\d{4}%/);
    // The figures beside the chart name the thresholds as configured.
    expect(await page.locator(`${card} tr[data-key="netEntryAOverB"] td`).innerText()).toMatch(/^-?\d+\.\d{4}% vs 0\.060%$/);
    expect(await page.locator(`${card} tr[data-key="position"] td`).innerText()).toBe('flat');
  }, 60_000);

  it('updates as events arrive: a position opens, its events reach the tail and its figures the pair', async () => {
    const pointsBefore = (await chartProbe()).points;
    const tailBefore = await page.locator('#tail li').count();
    expect(await page.locator('#tail li[data-type="BOT_STARTED"]').count()).toBe(1);
    // Vest cheaper than Paradex by 0.4 %: A>B (long Vest, short Paradex) clears the threshold at once, and stays
    // far from the exit target while the basis is held: only a flatten closes it.
    sim.market.setBasis('BTC', -0.4);
    await page.locator('#tail li[data-type="POSITION_OPENED"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('#tail li').count()).toBeGreaterThan(tailBefore);
    expect(await page.locator('#tail li').first().locator('time').innerText()).toMatch(/^\d\d:\d\d:\d\d\.\d{3}$/);
    await page.waitForSelector(`${card}[data-position="AOverB"]`, { timeout: 10_000 });
    const position = await page.locator(`${card} tr[data-key="position"] td`).innerText();
    expect(position).toMatch(/^AOverB 0\.001 · long vest \/ short paradex · entry \d+\.\d{4}%/);
    expect(await page.locator(`${card} .phase`).innerText()).toBe('in position');
    await page.locator(`${card} tr[data-key="unrealised"] td`, { hasText: /^-?\$\d+\.\d{2,6} \(gross -?\$\d+\.\d{2,6} − est\. exit fees \$\d+\.\d{2,6}\)$/ }).waitFor({ timeout: 10_000 });
    expect((await chartProbe()).points).toBeGreaterThan(pointsBefore);
    // The held position's exit spread is drawn from its first sample on.
    await page.waitForFunction((p) => (globalThis as unknown as DashboardWindow).dashboard.charts.get(p)!.data[3]!.some((v) => v !== null), pair);
    expect(await venuePositions()).toEqual({ vest: 1, paradex: 1 });
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-position.png') });
  }, 60_000);

  it('refuses a flatten without the token and with a wrong one: the 401 is shown and nothing is closed', async () => {
    const none = await control('#flatten', undefined, 401);
    expect(none.head).toBe('Flatten: 401 refused: missing or wrong token');
    expect(none.text).toContain('missing bearer token');
    const wrong = await control('#flatten', `${TOKEN}-wrong`, 401);
    expect(wrong.head).toBe('Flatten: 401 refused: missing or wrong token');
    expect(wrong.text).toContain('wrong token');
    expect(await page.locator('#token-state').innerText()).toBe('no token held');
    expect(count('POSITION_CLOSED')).toBe(0);
    expect(count('TRADING_HALTED')).toBe(0);
    expect(await venuePositions()).toEqual({ vest: 1, paradex: 1 });
    expect(await page.locator(card).getAttribute('data-position')).toBe('AOverB');
    expect(await page.locator(card).getAttribute('data-halted')).toBe('0');
  }, 60_000);

  it('flattens with the token: both venues go flat, the pair is halted, and the page shows it', async () => {
    const { head, text } = await control('#flatten', TOKEN, 200);
    expect(head).toBe('Flatten: 200 done');
    expect(text).toContain('flattened: every pair is flat and halted');
    expect(text).toContain(`${pair}: closed: position closed`);
    expect(count('POSITION_CLOSED')).toBe(1);
    expect(seen.find((e) => e.type === 'POSITION_CLOSED')).toMatchObject({ reason: 'flatten' });
    expect(await venuePositions()).toEqual({ vest: 0, paradex: 0 });
    await page.waitForSelector(`${card}[data-position="flat"][data-halted="1"]`, { timeout: 10_000 });
    expect(await page.locator(`${card} .halt`).innerText()).toBe('HALTED');
    // The pair's closed trips: net = gross − fees + funding, each shown to the decimals at which that adds up as shown.
    const realised = await page.locator(`${card} tr[data-key="realised"] td`).innerText();
    const parts = /^(-?)\$(\d+\.\d{2,6}) \(gross (-?)\$(\d+\.\d{2,6}) − fees \$(\d+\.\d{2,6}) \+ funding (-?)\$(\d+\.\d{2,6})\) · 1 round trip$/.exec(realised);
    expect(parts).not.toBeNull();
    const [, nSign, n, gSign, g, f, fuSign, fu] = parts!;
    const decimals = n!.split('.')[1]!.length;
    expect([g, f, fu].map((x) => x!.split('.')[1]!.length)).toEqual([decimals, decimals, decimals]);
    const value = (minus: string | undefined, text: string | undefined) => (minus ? -1 : 1) * Number(text);
    expect(value(gSign, g) - Number(f) + value(fuSign, fu)).toBeCloseTo(value(nSign, n), decimals);
    await page.locator('#tail li[data-type="POSITION_CLOSED"]').waitFor();
    // The page keeps the token for the next action (in memory): it shows that it holds one, never the token.
    expect(await page.locator('#token-state').innerText()).toBe('token held in this tab');
    expect(await page.content()).not.toContain(TOKEN);
    // The run's totals add up, exactly and as the page shows them: realised net = gross − fees + funding. Every
    // figure of the card has one precision: the cent, or more where figures rounded to the cent would not add up.
    await page.locator('#pnl tr[data-key="roundTrips"] td', { hasText: /^1$/ }).waitFor();
    const cardDecimals = ((await page.locator('#pnl tr[data-key="realisedNetUsd"] td').innerText()).split('.')[1] ?? '').length;
    expect(cardDecimals).toBeGreaterThanOrEqual(2);
    const figure = async (key: string) => {
      const cell = page.locator(`#pnl tr[data-key="${key}"] td`);
      const value = Number(await cell.getAttribute('data-value'));
      // The sign in front of the dollar; no -$0.00.
      const digits = Math.abs(value).toFixed(cardDecimals);
      expect(await cell.innerText()).toBe(`${value < 0 && Number(digits) !== 0 ? '-' : ''}$${digits}`);
      return { value, shown: (value < 0 ? -1 : 1) * Number(digits) };
    };
    const [net, gross, fees, funding] = [await figure('realisedNetUsd'), await figure('realisedGrossUsd'), await figure('feesUsd'), await figure('fundingUsd')];
    expect(net.value).toBeCloseTo(gross.value - fees.value + funding.value, 9);
    expect(net.shown).toBeCloseTo(gross.shown - fees.shown + funding.shown, cardDecimals);
    // The loss budget the journals keep (risk.max_loss_usd $500 by default; a fresh journal: nothing before this
    // run): one labelled line, this run's net as the PnL table's, and what is left of the limit.
    const signed = (v: number) => `${v < 0 ? '-' : '+'}$${Math.abs(v).toFixed(2)}`;
    const budget = page.locator('#loss-budget', { hasText: ` ${signed(net.value)} this run` });
    await budget.waitFor({ timeout: 10_000 });
    const line = await budget.innerText();
    expect(line).toMatch(/^loss budget: \$\d+\.\d\d of \$500\.00 left \(since \d{4}-\d\d-\d\dT[\d:.]+Z\); realised net on record \+\$0\.00 at start /);
    expect(line).toContain(`$${Math.max(0, 500 + net.value).toFixed(2)} of $500.00 left`);
    expect(line).toContain(`this run = ${signed(net.value)}`);
  }, 90_000);

  it('resumes the pair with the token held in the page (after the same venue check as the CLI)', async () => {
    sim.market.releaseBasis('BTC');
    sim.market.setBasis('BTC', 0); // no new entry once resumed
    await page.click(`${card} .resume-btn`);
    await page.locator('#token-dialog').waitFor({ state: 'visible' });
    expect(await page.getAttribute('#dlg-token', 'placeholder')).toContain('token held in this tab');
    await page.click('#dlg-ok');
    const result = page.locator('#control-result[data-status="200"]');
    expect(await result.locator('strong').innerText()).toBe(`Resume ${pair}: 200 done`);
    const text = await result.innerText();
    expect(text).toContain('halt cleared');
    await page.waitForSelector(`${card}[data-halted="0"]`, { timeout: 10_000 });
  }, 60_000);

  it('halts a pair with a reason from the page; the reason is shown and journalled', async () => {
    await page.click(`${card} .halt-btn`);
    await page.locator('#token-dialog').waitFor({ state: 'visible' });
    await page.fill('#dlg-reason', 'venue maintenance at 03:00');
    await page.click('#dlg-ok');
    const result = page.locator('#control-result[data-status="200"]');
    await result.waitFor();
    expect(await result.locator('strong').innerText()).toBe(`Halt ${pair}: 200 done`);
    await page.waitForSelector(`${card}[data-halted="1"]`, { timeout: 10_000 });
    expect(await page.locator(`${card} tr[data-key="halt"] td`).innerText()).toBe('venue maintenance at 03:00 · until resumed');
    expect(seen.filter((e) => e.type === 'TRADING_HALTED').pop()).toMatchObject({ reason: 'venue maintenance at 03:00' });
  }, 30_000);

  it('serves only its own assets, and answers an unknown pair or asset with a 404', async () => {
    const get = (p: string) => page.request.get(`${base}${p}`);
    expect((await get('/assets/uplot.js')).headers()['content-type']).toMatch(/^text\/javascript/);
    expect((await get('/assets/../package.json')).status()).toBe(404);
    expect((await get('/assets/nope.js')).status()).toBe(404);
    expect((await get('/api/spreads?pair=NOPE')).status()).toBe(404);
    const history = (await (await get(`/api/spreads?pair=${pair}`)).json()) as { points: unknown[][] };
    expect(history.points.length).toBeGreaterThan(3);
  });

  it('saves screenshots at 1280x800 and in a narrow window, with nothing wider than the window', async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.mouse.move(0, 0);
    const wide = path.join(ARTIFACTS, 'dashboard.png');
    await page.screenshot({ path: wide });
    expect(fs.statSync(wide).size).toBeGreaterThan(30_000);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-full.png'), fullPage: true });

    await page.setViewportSize({ width: 400, height: 860 });
    await page.waitForTimeout(300);
    type Root = { document: { documentElement: { scrollWidth: number; clientWidth: number } } };
    const overflow = await page.evaluate(() => {
      const root = (globalThis as unknown as Root).document.documentElement;
      return root.scrollWidth - root.clientWidth;
    });
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-narrow.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
    // The token never reached the console or a file of the run (bot.log, events.ndjson, the journal, report.html).
    expect(consoleTexts.some((t) => t.includes(TOKEN))).toBe(false);
    const files = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(d, e.name)) : e.isFile() ? [path.join(d, e.name)] : []));
    for (const file of files(dir)) expect({ file, holdsToken: fs.readFileSync(file, 'utf8').includes(TOKEN) }).toEqual({ file, holdsToken: false });
  }, 30_000);
});
