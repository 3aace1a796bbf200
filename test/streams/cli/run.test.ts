/**
 * End to end in one process: simulated venues over loopback, the real clients with throwaway keys and real
 * signatures, the executor and journal, the bot stream, the run folder. A fast-reverting basis makes the
 * simulated spread cross both thresholds within a few seconds for this seed.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultConfig, type BotConfig } from '../../../src/config';
import type { TradingEvent, TradingEventType } from '../../../src/domain/events';
import { SECP256K1_ORDER, STARK_CURVE_ORDER } from '../../../src/domain/keys';
import { openJournal } from '../../../src/execution/journal';
import { Outputs } from '../../../src/logging/output';
import { startRun } from '../../../streams/cli/run';
import { startSimVenues } from '../../../src/sim/index';
import { SIM_MARKETS, type SimMarketSpec } from '../../../src/sim/types';
import { newParadexAccount } from '../../../src/venues/paradex/signing';
import { newVestKeys } from '../../../src/venues/vest/signing';
import { filesUnder } from '../../support/files';
import { simAsLive, type SimAsLive } from '../../support/sim-live';
import { parseTradeRows } from '../../../src/report/trade-rows';
import { createSimVenueClients, loadOrCreateSimKeys } from '../../../src/venues/sim-connect';

const FAST_MARKET = { basisTauSec: 0.8, basisStdPct: 0.16 };

/** Opens run files whose name ends as listed on /dev/full (every write: ENOSPC), the rest normally. */
const fullDiskFor =
  (...names: string[]) =>
  (p: string, flags: 'a' | 'w'): number =>
    fs.openSync(names.some((n) => p.endsWith(n)) ? '/dev/full' : p, flags);

/** An output guard whose failures land in `told`, as main.ts's land on stderr. */
function collectingOutputs(openFile?: (p: string, flags: 'a' | 'w') => number): { outputs: Outputs; told: string[] } {
  const outputs = new Outputs(openFile);
  const told: string[] = [];
  outputs.reportTo('stderr', (line) => told.push(line));
  return { outputs, told };
}

/** Runs `body` with the simulated Vest's BTC-PERP taker fee set to `takerFee` (what /exchangeInfo serves and fills charge). */
async function withVestTakerFee<T>(takerFee: number, body: () => Promise<T>): Promise<T> {
  const btc = SIM_MARKETS.find((m) => m.base === 'BTC')! as { vest: SimMarketSpec['vest'] };
  const original = btc.vest;
  btc.vest = { ...original, takerFee };
  try {
    return await body();
  } finally {
    btc.vest = original;
  }
}

describe('a sim run', () => {
  let runsDir: string;
  beforeEach(() => {
    runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'arb-run-'));
  });
  afterEach(() => fs.rmSync(runsDir, { recursive: true, force: true }));

  it('completes round trips with real fills and writes a summary that adds up', async () => {
    // Event-driven, not a fixed duration: stop once a round trip has completed and the next position is
    // open (so close-on-exit is exercised too), however slow the machine is.
    let closedTrips = 0;
    const handle = startRun({
      mode: 'sim',
      config: defaultConfig(),
      seed: 7,
      closeOnExit: true,
      durationSec: 90,
      runsDir,
      logLevel: 'info',
      simModel: FAST_MARKET,
      // One row held in memory: the others are read back from trades.ndjson for the report and the result.
      tradeRowsKept: 1,
      // Likewise one chart marker and held period per pair: the older ones go to chart.ndjson.
      chartItemsKept: 1,
      onEvent: (e) => {
        if (e.type === 'POSITION_CLOSED') closedTrips++;
        if (e.type === 'POSITION_OPENED' && closedTrips >= 1) handle.stop('test: round trip seen');
      },
    });
    const result = await handle.done;
    const s = result.summary;

    expect(s.roundTrips).toBeGreaterThanOrEqual(1);
    expect(s.opened).toBe(s.closed + s.openAtExit);
    expect(s.openAtExit).toBe(0); // closeOnExit closed the second position
    expect(s.closed).toBeGreaterThanOrEqual(2);
    expect(s.netPnlUsd).toBeCloseTo(s.grossPnlUsd - s.feesUsd + s.fundingUsd, 9);
    expect(s.feesUsd).toBeGreaterThan(0);

    // Events in order for the first round trip.
    // The run keeps the notable events (no spread samples or polls), oldest first.
    const types = result.recentEvents.map((e): TradingEventType => e.type);
    expect(types).not.toContain('SPREAD_MONITORING');
    expect(types[0]).toBe('BOT_STARTED');
    const firstOpen = types.indexOf('POSITION_OPENED');
    const order: TradingEventType[] = ['SPREAD_DETECTED', 'ORDER_PLACED', 'ORDER_FILLED', 'TRADE_ENTRY', 'POSITION_OPENED', 'TRADE_EXIT', 'POSITION_CLOSED', 'EXIT_MONITOR_STOPPED'];
    let cursor = 0;
    for (const t of order) {
      expect(types.slice(cursor)).toContain(t);
      cursor = types.indexOf(t, cursor);
    }
    expect(firstOpen).toBeGreaterThan(0);
    expect(types.at(-1)).toBe('BOT_SHUTDOWN');

    // Real fill prices and fees: every fill has a positive price near the market.
    const fills = result.recentEvents.filter((e): e is Extract<TradingEvent, { type: 'ORDER_FILLED' }> => e.type === 'ORDER_FILLED');
    expect(fills.length).toBeGreaterThanOrEqual(4);
    expect(result.eventCounts.ORDER_FILLED).toBe(fills.length);
    for (const f of fills) {
      expect(f.avgPrice).toBeGreaterThan(50_000);
      expect(f.feeUsd).toBeGreaterThan(0);
    }

    // The run folder: every event in events.ndjson, a self-contained report.
    const lines = fs.readFileSync(result.eventsPath, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(result.eventCount);
    expect(result.eventCounts.SPREAD_MONITORING).toBe(lines.filter((l) => l.includes('"SPREAD_MONITORING"')).length);
    expect(JSON.parse(lines[0]!).type).toBe('BOT_STARTED');
    const html = fs.readFileSync(result.reportPath, 'utf8');
    expect(html).toContain('id="spread-chart-0"');
    expect(html).not.toMatch(/\s(src|href)\s*=\s*["']?(https?:)?\/\//i); // nothing fetched from elsewhere
    expect(html).toContain('BTC-PERP');
    // The quote-unit assumption, in the settings the report and the summary JSON carry.
    expect(result.settings.usdcUsd).toEqual({ rate: 1, source: 'config' });
    expect(html).toContain('USDC/USD taken as 1.0000 (assumed; config market.usdc_usd); vest quotes USDC, paradex quotes USD');

    // Every round trip's row, though the run held one: in trades.ndjson, the result and the report's table.
    expect(s.roundTrips).toBe(s.closed);
    expect(s.trades).toHaveLength(s.roundTrips);
    expect(s.tradesNotListed).toBe(0);
    const stored = parseTradeRows(fs.readFileSync(path.join(result.runDir, 'trades.ndjson'), 'utf8'));
    expect(stored.rows).toEqual(s.trades);
    const table = /<table class="grid" id="trades">([\s\S]*?)<\/table>/.exec(html)![1]!;
    expect(table.match(/<tr class="trade/g) ?? []).toHaveLength(s.roundTrips);
    expect(html).not.toContain('trades-not-listed');

    // Every decision on the chart, though the run held one marker: the older ones read back from chart.ndjson.
    expect(fs.readFileSync(path.join(result.runDir, 'chart.ndjson'), 'utf8').trim().split('\n').length).toBeGreaterThanOrEqual(2);
    const data = JSON.parse(/<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)![1]!) as { pairs: { markers: { kind: string }[]; held: unknown[] }[] };
    const markers = data.pairs.flatMap((p) => p.markers);
    expect(markers.filter((m) => m.kind === 'entry')).toHaveLength(result.eventCounts.SPREAD_DETECTED ?? 0);
    expect(markers.filter((m) => m.kind === 'exit')).toHaveLength(result.eventCounts.TRADE_EXIT ?? 0);
    expect(data.pairs.flatMap((p) => p.held)).toHaveLength(s.opened);
  }, 120_000);

  it('on simulated venues that outlive it, leaves a position journaled; the next run on that journal and keys resumes and closes it', async () => {
    const sim = await startSimVenues({ seed: 3 });
    const journalDir = path.join(runsDir, 'journal');
    try {
      // Vest cheaper than Paradex by 0.4 %: AOverB (buy Vest, sell Paradex) clears the entry threshold at once.
      sim.market.setBasis('BTC', -0.4);
      const first = startRun({
        mode: 'sim',
        config: defaultConfig(),
        seed: 1,
        closeOnExit: false,
        runsDir,
        logLevel: 'info',
        simVenues: { urls: sim, keys: loadOrCreateSimKeys(journalDir) },
        journalDir,
        onEvent: (e) => {
          if (e.type === 'POSITION_OPENED') first.stop('test: position open');
        },
      });
      expect((await first.done).summary.openAtExit).toBe(1);
      const journal = openJournal(path.join(journalDir, 'btc_vest_paradex.ndjson'));
      expect(journal.lastState('BTC-PERP').phase).toBe('open');
      journal.close();

      sim.market.releaseBasis('BTC');
      let restored = false;
      const second = startRun({
        mode: 'sim',
        config: defaultConfig(),
        seed: 1,
        closeOnExit: true,
        runsDir,
        logLevel: 'info',
        simVenues: { urls: sim, keys: loadOrCreateSimKeys(journalDir) },
        journalDir,
        onEvent: (e) => {
          if (e.type === 'POSITION_OPENED' && e.restored) {
            restored = true;
            second.stop('test: position restored');
          }
        },
      });
      const result = await second.done;
      expect(restored).toBe(true);
      expect(result.summary.openAtExit).toBe(0);
      // The venues, read as a client would with the same keys: flat.
      const clients = createSimVenueClients(sim, loadOrCreateSimKeys(journalDir));
      try {
        await expect(clients.vest.positions()).resolves.toEqual([]);
        await expect(clients.paradex.positions()).resolves.toEqual([]);
      } finally {
        await Promise.all([clients.vest.close(), clients.paradex.close()]);
      }
    } finally {
      await sim.close();
    }
  }, 60_000);

  it('stops cleanly when asked to stop while the venues are still starting', async () => {
    const handle = startRun({ mode: 'sim', config: defaultConfig(), seed: 1, closeOnExit: false, runsDir, logLevel: 'info' });
    handle.stop('operator');
    const result = await handle.done;
    expect(result.summary.opened).toBe(0);
    expect(result.recentEvents.map((e) => e.type)).toEqual(['BOT_STARTED', 'BOT_SHUTDOWN']);
    expect(result.eventCount).toBe(2);
  }, 30_000);

  it('fails with a clear error and releases everything when a venue cannot be reached', async () => {
    const dead = 'http://127.0.0.1:1';
    const handle = startRun({
      mode: 'paper',
      config: defaultConfig(),
      endpoints: {
        paradex: { restUrl: `${dead}/v1`, wsUrl: 'ws://127.0.0.1:1/v1', encoding: 'sbe' },
        vest: { restUrl: `${dead}/v2`, wsUrl: 'ws://127.0.0.1:1/ws-api?version=1.0', accountGroup: 0 },
      },
      seed: 1,
      closeOnExit: false,
      runsDir,
      logLevel: 'info',
    });
    await expect(handle.done).rejects.toThrow(/127\.0\.0\.1|ECONNREFUSED|unreachable|market/i);
  }, 30_000);

  it('in paper mode trades on public feeds with simulated fills and sends no order to the venues', async () => {
    // The simulated venues stand in for the real hosts' public endpoints; paper mode must never send them an order.
    const sim = await startSimVenues({ seed: 7, model: FAST_MARKET });
    const posted: string[] = [];
    // Every REST call the bot makes leaves through an http Agent; record method and path at the wire.
    const wire: string[] = [];
    // addRequest is how every request joins an Agent (public in Node, missing from its type declarations).
    type AgentInternals = { addRequest(req: http.ClientRequest, ...rest: unknown[]): unknown };
    const proto = http.Agent.prototype as unknown as AgentInternals;
    const addRequest = proto.addRequest;
    const spy = jest.spyOn(proto, 'addRequest').mockImplementation(function (this: AgentInternals, req: http.ClientRequest, ...rest: unknown[]) {
      wire.push(`${req.method} ${req.path.split('?')[0]}`);
      return addRequest.call(this, req, ...rest);
    });
    try {
      let closed = 0;
      const handle = startRun({
        mode: 'paper',
        config: defaultConfig(),
        endpoints: {
          paradex: { restUrl: sim.paradex.rest, wsUrl: sim.paradex.ws, encoding: 'sbe' },
          vest: { restUrl: sim.vest.rest, wsUrl: sim.vest.ws, accountGroup: 0 },
        },
        seed: 1,
        closeOnExit: true,
        durationSec: 90,
        runsDir,
        logLevel: 'info',
        onEvent: (e) => {
          if (e.type === 'ORDER_PLACED') posted.push(e.venue);
          if (e.type === 'POSITION_CLOSED' && ++closed >= 1) handle.stop('test: paper round trip seen');
        },
      });
      const result = await handle.done;
      expect(result.summary.roundTrips).toBeGreaterThanOrEqual(1);
      // Funding now arrives over WS every round, so even a short hold realises a little: net counts it.
      expect(result.summary.netPnlUsd).toBeCloseTo(result.summary.grossPnlUsd - result.summary.feesUsd + result.summary.fundingUsd, 9);
      expect(posted.length).toBeGreaterThanOrEqual(4);
      // Fills at the live books' prices, with the venues' taker fees.
      const fills = result.recentEvents.filter((e): e is Extract<TradingEvent, { type: 'ORDER_FILLED' }> => e.type === 'ORDER_FILLED');
      expect(fills.length).toBeGreaterThanOrEqual(4);
      for (const f of fills) {
        expect(f.avgPrice).toBeGreaterThan(50_000);
        expect(f.feeUsd).toBeGreaterThan(0);
      }
      // The public endpoints were used, and not one order or auth request went out.
      expect(wire).toEqual(expect.arrayContaining(['GET /v1/markets', 'GET /v2/exchangeInfo']));
      expect(wire.filter((w) => w.startsWith('POST') || /\/(orders|auth|onboarding|register)\b/.test(w))).toEqual([]);
    } finally {
      spy.mockRestore();
      await sim.close();
    }
  }, 120_000);

  it('trades on a venue that pays a rebate (a negative taker fee) and books it as a negative fee', async () => {
    await withVestTakerFee(-0.0001, async () => {
      const fills: Extract<TradingEvent, { type: 'ORDER_FILLED' }>[] = [];
      const handle = startRun({
        mode: 'sim',
        config: defaultConfig(),
        seed: 7,
        closeOnExit: true,
        durationSec: 90,
        runsDir,
        logLevel: 'info',
        simModel: FAST_MARKET,
        onEvent: (e) => {
          if (e.type === 'ORDER_FILLED') fills.push(e);
          if (e.type === 'POSITION_CLOSED') handle.stop('test: round trip with a rebate seen');
        },
      });
      const result = await handle.done;
      const s = result.summary;
      expect(s.roundTrips).toBeGreaterThanOrEqual(1);
      const vestFees = fills.filter((f) => f.venue === 'vest').map((f) => f.feeUsd);
      const paradexFees = fills.filter((f) => f.venue === 'paradex').map((f) => f.feeUsd);
      expect(vestFees.length).toBeGreaterThanOrEqual(2);
      for (const fee of vestFees) expect(fee).toBeLessThan(0); // Vest paid the taker
      for (const fee of paradexFees) expect(fee).toBeGreaterThan(0);
      expect(s.feesUsd).toBeCloseTo([...vestFees, ...paradexFees].reduce((a, b) => a + b, 0), 9);
      expect(s.netPnlUsd).toBeCloseTo(s.grossPnlUsd - s.feesUsd + s.fundingUsd, 9);
    });
  }, 120_000);

  it('refuses, with a clear error, a taker fee beyond -1 % (a unit error or a broken answer)', async () => {
    await withVestTakerFee(-0.02, async () => {
      const handle = startRun({ mode: 'sim', config: defaultConfig(), seed: 1, closeOnExit: false, runsDir, logLevel: 'info' });
      await expect(handle.done).rejects.toThrow(
        'vest BTC-PERP: taker fee -0.02 must be a fraction above -0.01 and below 0.01 (a rebate or fee within 1 % of notional); not trading BTC-PERP',
      );
    });
  }, 30_000);

  it('goes on through a full disk on events.ndjson: reported once, then a clean end with the report and the journal', async () => {
    const { outputs, told } = collectingOutputs(fullDiskFor('events.ndjson'));
    const handle = startRun({
      mode: 'sim',
      config: defaultConfig(),
      seed: 7,
      closeOnExit: false,
      durationSec: 90,
      runsDir,
      logLevel: 'info',
      simModel: FAST_MARKET,
      outputs,
      onEvent: (e) => {
        if (e.type === 'POSITION_OPENED') handle.stop('test: position open');
      },
    });
    const result = await handle.done;
    const line = 'output error: events.ndjson: no space left on device (ENOSPC); later output to it is dropped';
    expect(told).toEqual([line]);
    expect(result.outputErrors).toEqual([line]);
    expect(fs.readFileSync(path.join(result.runDir, 'bot.log'), 'utf8').split(line)).toHaveLength(2); // once
    expect(fs.readFileSync(result.reportPath, 'utf8')).toContain('id="equity-chart"');
    expect(result.summary.openAtExit).toBe(1);
    const journal = openJournal(path.join(result.runDir, 'journal', 'btc_vest_paradex.ndjson'));
    try {
      expect(journal.lastState('BTC-PERP').phase).toBe('open');
    } finally {
      journal.close();
    }
  }, 120_000);

  it('ends cleanly with its journal when every run file is on a full disk (events, bot.log, report)', async () => {
    const { outputs, told } = collectingOutputs(fullDiskFor('events.ndjson', 'bot.log', 'report.html'));
    const handle = startRun({ mode: 'sim', config: defaultConfig(), seed: 1, closeOnExit: false, durationSec: 2, runsDir, logLevel: 'info', outputs });
    const result = await handle.done;
    expect(told.map((l) => l.split(':')[1]!.trim()).sort()).toEqual(['bot.log', 'events.ndjson', 'report.html']);
    expect(result.recentEvents.at(-1)?.type).toBe('BOT_SHUTDOWN');
    expect(fs.existsSync(path.join(result.runDir, 'journal', 'btc_vest_paradex.ndjson'))).toBe(true);
  }, 60_000);

  it('never lets a key that is not a curve scalar reach any output, even handed past the credential check', async () => {
    // Well-formed hex, but not keys: above the curve orders. The signing libraries would print them in decimal.
    const vestKey = `0x${(SECP256K1_ORDER + 0x1234567n).toString(16)}` as const;
    const starkKey = `0x${(STARK_CURVE_ORDER + 0x7654321n).toString(16).padStart(64, '0')}` as const;
    const sim = await startSimVenues({ seed: 7, model: FAST_MARKET });
    const journalDir = path.join(runsDir, 'journal');
    const config: BotConfig = { ...defaultConfig(), journalDir };
    const vest = newVestKeys();
    const status: string[] = [];
    const { outputs, told } = collectingOutputs();
    try {
      for (const credentials of [
        { vestSigning: vestKey, starkKey: newParadexAccount().privateKey },
        { vestSigning: vest.signingKey, starkKey },
      ]) {
        const handle = startRun({
          mode: 'live',
          config,
          credentials: {
            vest: { primaryAddr: vest.primaryAddr, primaryKey: vest.primaryKey, signingKey: credentials.vestSigning, apiKey: undefined, production: false, accountGroup: 0 },
            paradex: { privateKey: credentials.starkKey as `0x${string}`, accountAddress: '0x5e11', production: false },
          },
          endpoints: {
            paradex: { restUrl: sim.paradex.rest, wsUrl: sim.paradex.ws, encoding: 'sbe' },
            vest: { restUrl: sim.vest.rest, wsUrl: sim.vest.ws, accountGroup: 0 },
          },
          seed: 1,
          closeOnExit: false,
          durationSec: 10,
          runsDir,
          logLevel: 'debug',
          statusOut: { write: (text: string) => status.push(text) },
          outputs,
        });
        const failure = await handle.done.then(
          () => new Error('the run started with a key that is not a key'),
          (err: unknown) => err as Error,
        );
        expect(failure.message).toMatch(/^(Vest signing key|Paradex private key) is not below the (secp256k1|Stark) curve order/);
        status.push(failure.message, ...told);
      }
    } finally {
      await sim.close();
    }
    const texts = [...status, ...filesUnder(runsDir).map((f) => fs.readFileSync(f, 'utf8'))];
    expect(filesUnder(runsDir).length).toBeGreaterThan(0);
    for (const key of [vestKey, starkKey]) expectNowhere(texts, key);
  }, 60_000);
});

/** Every file below `dir`. */
/** Fails if any text holds 20 consecutive characters of the key's hex or 20 consecutive digits of its decimal. */
function expectNowhere(texts: readonly string[], key: string): void {
  const hex = key.slice(2).toLowerCase().replace(/^0+/, '');
  const decimal = BigInt(key).toString(10);
  const windows = (s: string) => Array.from({ length: s.length - 19 }, (_, i) => s.slice(i, i + 20));
  const needles = [...windows(hex), ...windows(decimal)];
  for (const text of texts) {
    const lower = text.toLowerCase();
    const found = needles.find((n) => lower.includes(n));
    expect(found).toBeUndefined();
  }
}

describe('a stop while an entry is in flight (live mode against simulated venues the test owns)', () => {
  let dir: string;
  let live: SimAsLive | undefined;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'arb-stop-'));
  });
  afterEach(async () => {
    live?.sim.faults.trading.paradex.releaseAll();
    await live?.sim.close();
    live = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Forces an entry whose Paradex leg fills nothing and whose answer is held (the default 5 s leg
   * deadline, then a lookup), and stops the run while that answer is still held: mid-entry, with
   * the other leg filled. (The executor's events come out when the entry is over, so the venue is
   * watched, not the events.)
   */
  async function startStoppedMidEntry(l: SimAsLive, journalDir: string, extra = '') {
    const paradex = l.sim.faults.trading.paradex;
    paradex.partialFillNext(0, 1);
    paradex.timeoutNextOrders(1);
    const handle = startRun({
      mode: 'live',
      config: l.config(journalDir, extra),
      endpoints: l.endpoints,
      credentials: l.credentials,
      seed: 1,
      closeOnExit: false,
      durationSec: 60,
      runsDir: dir,
      logLevel: 'info',
    });
    l.sim.market.setBasis('BTC', 0.6); // a spread far above the entry threshold
    const deadline = Date.now() + 30_000;
    while (paradex.pendingCount === 0) {
      if (Date.now() > deadline) throw new Error('no entry within 30 s');
      await new Promise((r) => setTimeout(r, 10));
    }
    const stoppedAt = Date.now();
    handle.stop('SIGINT (test)');
    return { handle, stoppedAt };
  }

  it('finishes the entry before the run ends (default 10 s grace): the lone Vest leg is unwound, the summary says so', async () => {
    live = await simAsLive({ updateIntervalMs: 50 });
    const { handle, stoppedAt } = await startStoppedMidEntry(live, path.join(dir, 'journal'));
    const result = await handle.done;
    // It waited for the Paradex leg's deadline (5 s) and the unwind: past the old fixed 3 s grace.
    expect(Date.now() - stoppedAt).toBeGreaterThan(3_000);
    expect(result.unfinished).toBe(false);
    expect(result.summary).toMatchObject({ opened: 0, openAtExit: 0, legsUnwound: 1, exposureAtExit: [] });
    expect(result.recentEvents.find((e) => e.type === 'LEG_UNWOUND')).toMatchObject({ venue: 'vest', ok: true });
    expect(await live.holdings()).toEqual([0, 0]);
    const journal = openJournal(path.join(dir, 'journal', 'btc_vest_paradex.ndjson'));
    try {
      expect(journal.lastState('BTC-PERP').phase).toBe('flat');
    } finally {
      journal.close();
    }
  }, 60_000);

  it('when the grace runs out first, the run reports and journals what it leaves, and the next start finishes it', async () => {
    live = await simAsLive({ updateIntervalMs: 50 });
    const journalDir = path.join(dir, 'journal');
    const { handle } = await startStoppedMidEntry(live, journalDir, 'execution:\n  shutdown_grace_ms: 300');
    const result = await handle.done;
    expect(result.unfinished).toBe(true);
    expect(result.summary.exposureAtExit).toEqual([
      expect.objectContaining({
        pair: 'BTC-PERP',
        source: 'venues',
        unhedged: [expect.objectContaining({ venue: 'vest', symbol: 'BTC-PERP' })],
        pendingOrders: expect.arrayContaining([expect.objectContaining({ venue: 'paradex', size: 0.01 })]),
        note: 'entry unfinished',
      }),
    ]);
    const file = path.join(journalDir, 'btc_vest_paradex.ndjson');
    const written = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; reason?: string });
    expect(written.at(-1)).toMatchObject({ kind: 'exit_exposure', reason: expect.stringContaining('shutdown grace ran out') });
    // The run gave up on the entry: nothing more was sent after it ended.
    const [vestHeld] = await live.holdings();
    expect(Math.abs(vestHeld)).toBeCloseTo(0.01, 10);
    await new Promise((r) => setTimeout(r, 6_000));
    expect(await live.holdings()).toEqual([vestHeld, 0]);

    // The next start on the same journal and accounts finishes it.
    live.sim.faults.trading.paradex.releaseAll();
    // No spread any more: the restart only finishes what was left, it does not enter again.
    live.sim.market.setBasis('BTC', 0);
    let restart: ReturnType<typeof startRun> | undefined = undefined;
    restart = startRun({
      mode: 'live',
      config: live.config(journalDir),
      endpoints: live.endpoints,
      credentials: live.credentials,
      seed: 1,
      closeOnExit: false,
      durationSec: 60,
      runsDir: dir,
      logLevel: 'info',
      onEvent: (e) => {
        if (e.type === 'LEG_UNWOUND') restart?.stop('test: the restart finished the entry');
      },
    });
    const again = await restart.done;
    expect(again.recentEvents.find((e) => e.type === 'LEG_UNWOUND')).toMatchObject({ venue: 'vest', ok: true });
    expect(again.summary.exposureAtExit).toEqual([]);
    expect(await live.holdings()).toEqual([0, 0]);
  }, 90_000);
});
