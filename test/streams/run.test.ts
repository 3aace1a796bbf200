/**
 * End to end in one process: simulated venues over loopback, the real clients with throwaway keys and real
 * signatures, the executor and journal, the bot stream, the run folder. A fast-reverting basis makes the
 * simulated spread cross both thresholds within a few seconds for this seed.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultConfig } from '../../src/domain/config';
import type { TradingEvent, TradingEventType } from '../../src/domain/events';
import { startRun } from '../../streams/run';
import { startSimVenues } from '../../src/sim/index';

const FAST_MARKET = { basisTauSec: 0.8, basisStdPct: 0.16 };

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
    expect(s.netPnlUsd).toBeCloseTo(s.grossPnlUsd - s.feesUsd, 9);
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
  }, 120_000);

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
      expect(result.summary.netPnlUsd).toBeCloseTo(result.summary.grossPnlUsd - result.summary.feesUsd, 9);
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
});
