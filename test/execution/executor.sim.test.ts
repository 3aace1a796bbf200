/**
 * The executor against the simulated venues over loopback, through the real Paradex and Vest
 * clients: every order is signed with throwaway keys and verified by the simulator.
 */
import * as fs from 'node:fs';
import nodeFs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SpreadOpportunity } from '../../src/domain/market';
import { bestAsk, bestBid } from '../../src/domain/order-book';
import { createExecutor, type Executor, type ExecutorOptions } from '../../src/execution/executor';
import { openJournal, type Journal } from '../../src/execution/journal';
import { NO_ORDER_LATENCY, startSimVenues, type SimVenues } from '../../src/sim';
import { DEFAULT_PARADEX_SETTLE_MS } from '../../src/sim/paradex-exchange';
import { newParadexAccount } from '../../src/venues/paradex/signing';
import { createParadexVenue, type ParadexVenue } from '../../src/venues/paradex/venue';
import { newVestKeys } from '../../src/venues/vest/signing';
import { createVestVenue, type VestVenue } from '../../src/venues/vest/venue';
import type { PreparedOrder, Venue } from '../../src/venues/venue';
import { doomedProcess } from './doomed-process';

// The sim as before its order-latency model (Paradex settles 5 ms after NEW, Vest at once): these tests time fills, not what they meet.
const FAST_FILLS = { ...NO_ORDER_LATENCY, paradexOrderDelayMs: DEFAULT_PARADEX_SETTLE_MS };

const PAIR = 'BTC-PERP';

let sim: SimVenues | undefined;
const clients: Venue[] = [];
const journals: Journal[] = [];
const dirs: string[] = [];

afterEach(async () => {
  sim?.faults.trading.paradex.releaseAll();
  sim?.faults.trading.vest.releaseAll();
  for (const c of clients.splice(0)) await c.close();
  for (const j of journals.splice(0)) j.close();
  await sim?.close();
  sim = undefined;
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

interface SimRig {
  sim: SimVenues;
  vest: VestVenue;
  paradex: ParadexVenue;
  journalPath: string;
  make(more?: Partial<ExecutorOptions>): Executor;
  /** Fresh venue clients with the same keys: what a restarted process has (empty memory). */
  newClients(): { vest: VestVenue; paradex: ParadexVenue };
}

async function setup(): Promise<SimRig> {
  const s = await startSimVenues({ updateIntervalMs: 0, model: FAST_FILLS });
  sim = s;
  const account = newParadexAccount();
  const keys = newVestKeys();
  const paradex = createParadexVenue({ restUrl: s.paradex.rest, wsUrl: s.paradex.ws, account, onboard: true, requestTimeoutMs: 5_000 });
  const vest = createVestVenue({ restUrl: s.vest.rest, wsUrl: s.vest.ws, keys: { primaryKey: keys.primaryKey, signingKey: keys.signingKey }, requestTimeoutMs: 5_000 });
  clients.push(paradex, vest);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'executor-sim-'));
  dirs.push(dir);
  const journalPath = path.join(dir, 'journal.ndjson');
  const make = (more: Partial<ExecutorOptions> = {}): Executor => {
    const journal = more.journal ?? openJournal(journalPath);
    journals.push(journal);
    return createExecutor({
      pair: PAIR,
      venues: { a: vest, b: paradex },
      size: 0.01,
      journal,
      now: Date.now,
      legTimeoutMs: 1_500,
      closeBackoffMs: 20,
      ...more,
    });
  };
  const newClients = (): { vest: VestVenue; paradex: ParadexVenue } => {
    const p = createParadexVenue({ restUrl: s.paradex.rest, wsUrl: s.paradex.ws, account, requestTimeoutMs: 5_000 });
    const v = createVestVenue({ restUrl: s.vest.rest, wsUrl: s.vest.ws, keys: { primaryKey: keys.primaryKey, signingKey: keys.signingKey }, requestTimeoutMs: 5_000 });
    clients.push(p, v);
    return { vest: v, paradex: p };
  };
  return { sim: s, vest, paradex, journalPath, make, newClients };
}

function opportunity(s: SimVenues): SpreadOpportunity {
  const a = s.market.book('vest', 'BTC-PERP');
  const b = s.market.book('paradex', 'BTC-USD-PERP');
  const askA = a && bestAsk(a)?.price;
  const bidA = a && bestBid(a)?.price;
  const askB = b && bestAsk(b)?.price;
  const bidB = b && bestBid(b)?.price;
  if (!askA || !bidA || !askB || !bidB) throw new Error('sim books are empty');
  const spread = ((bidB - askA) / askA) * 100;
  return { pair: PAIR, direction: 'AOverB', spread, netSpread: spread, askA, bidA, askB, bidB, detectedAt: Date.now() };
}

async function holding(v: Venue, symbol: string): Promise<number> {
  return (await v.positions()).filter((p) => p.symbol === symbol).reduce((sum, p) => sum + p.size, 0);
}

describe('executor against the simulated venues', () => {
  it('opens and closes a hedged position with signed orders, and both venues end flat', async () => {
    const r = await setup();
    const exec = r.make();
    const opened = await exec.openPosition(opportunity(r.sim));
    expect(opened.ok).toBe(true);
    if (!opened.ok) return;
    expect(await holding(r.vest, 'BTC-PERP')).toBeCloseTo(0.01, 10);
    expect(await holding(r.paradex, 'BTC-USD-PERP')).toBeCloseTo(-0.01, 10);
    expect(opened.position.longEntryPrice).toBeGreaterThan(0);
    expect(opened.position.entryFeesUsd).toBeGreaterThan(0);

    r.sim.market.step(5);
    const closed = await exec.closePosition(opened.position);
    expect(closed.ok).toBe(true);
    const { long, short } = closed.legs;
    const expectedPnl =
      (long.avgExitPrice! - opened.position.longEntryPrice) * 0.01 + (opened.position.shortEntryPrice - short.avgExitPrice!) * 0.01;
    expect(closed.grossPnlUsd).toBeCloseTo(expectedPnl, 6);
    expect(await holding(r.vest, 'BTC-PERP')).toBe(0);
    expect(await holding(r.paradex, 'BTC-USD-PERP')).toBe(0);
  });

  it('unwinds the Vest leg when Paradex rejects, and halts', async () => {
    const r = await setup();
    const exec = r.make();
    r.sim.faults.trading.paradex.rejectNextOrders(1);
    const opened = await exec.openPosition(opportunity(r.sim));
    expect(opened).toMatchObject({ ok: false, stage: 'execution', halted: true });
    expect(opened.events.find((e) => e.type === 'LEG_UNWOUND')).toMatchObject({ venue: 'vest', ok: true });
    expect(await holding(r.vest, 'BTC-PERP')).toBe(0);
    expect(await holding(r.paradex, 'BTC-USD-PERP')).toBe(0);
    // Bought at the simulated ask, sold back at its bid: a loss of about the spread, reported as realised.
    const fills = opened.events.flatMap((e) => (e.type === 'ORDER_FILLED' && e.venue === 'vest' ? [e] : []));
    expect(fills).toHaveLength(2);
    const unwound = opened.events.find((e) => e.type === 'LEG_UNWOUND');
    expect(unwound?.type === 'LEG_UNWOUND' && unwound.grossPnlUsd).toBeCloseTo((fills[1]!.avgPrice - fills[0]!.avgPrice) * fills[1]!.filledSize, 9);
    expect(fills[1]!.avgPrice).toBeLessThan(fills[0]!.avgPrice);
  });

  it('keeps the hedged part of a partial fill and unwinds the excess', async () => {
    const r = await setup();
    const exec = r.make();
    r.sim.faults.trading.paradex.partialFillNext(0.5, 1);
    const opened = await exec.openPosition(opportunity(r.sim));
    expect(opened.ok).toBe(true);
    if (!opened.ok) return;
    expect(opened.position.size).toBeCloseTo(0.005, 10);
    expect(await holding(r.vest, 'BTC-PERP')).toBeCloseTo(0.005, 10);
    expect(await holding(r.paradex, 'BTC-USD-PERP')).toBeCloseTo(-0.005, 10);
  });

  it('resolves an order whose answer never came by client id, without doubling the position', async () => {
    const r = await setup();
    const exec = r.make();
    r.sim.faults.trading.vest.timeoutNextOrders(1);
    const lookup = jest.spyOn(r.vest, 'orderByClientId');
    const opened = await exec.openPosition(opportunity(r.sim));
    expect(opened.ok).toBe(true);
    if (!opened.ok) return;
    // With the order's lookup ref (Vest's nonce), as a new process would need it.
    expect(lookup).toHaveBeenCalledWith('BTC-PERP', opened.position.clientIds.long, expect.stringMatching(/^\d+$/));
    expect(await holding(r.vest, 'BTC-PERP')).toBeCloseTo(0.01, 10);
    expect(await holding(r.paradex, 'BTC-USD-PERP')).toBeCloseTo(-0.01, 10);
  });

  it('opens cleanly when Paradex settles the leg only after the client stopped waiting for it', async () => {
    const r = await setup();
    // The venue answers NEW and matches 2.5 s later, past the client's 2 s fill wait: the leg comes back
    // not final, and the executor must find its fill by client id rather than unwind a hedge it has.
    r.sim.faults.trading.paradex.delaySettlement(2_500);
    const exec = r.make({ closeBackoffMs: 250 });
    const lookup = jest.spyOn(r.paradex, 'orderByClientId');
    const opened = await exec.openPosition(opportunity(r.sim));
    expect(opened.ok).toBe(true);
    if (!opened.ok) return;
    expect(lookup).toHaveBeenCalledWith('BTC-USD-PERP', opened.position.clientIds.short);
    expect(opened.unwound).toEqual([]);
    expect(await holding(r.vest, 'BTC-PERP')).toBeCloseTo(0.01, 10);
    expect(await holding(r.paradex, 'BTC-USD-PERP')).toBeCloseTo(-0.01, 10);
  }, 20_000);

  it('retries a rejected close leg and reports ok only when both venues are flat', async () => {
    const r = await setup();
    const exec = r.make();
    const opened = await exec.openPosition(opportunity(r.sim));
    if (!opened.ok) throw new Error(opened.reason);
    r.sim.faults.trading.paradex.rejectNextClose();
    r.sim.faults.trading.paradex.rejectNextClose();
    const closed = await exec.closePosition(opened.position);
    expect(closed.ok).toBe(true);
    expect(closed.legs.short.attempts).toBe(3);
    expect(await holding(r.paradex, 'BTC-USD-PERP')).toBe(0);
  });

  it('puts both armed close orders on their sockets before the closing line is fsynced', async () => {
    const r = await setup();
    const exec = r.make();
    const opened = await exec.openPosition(opportunity(r.sim));
    expect(opened.ok).toBe(true);
    if (!opened.ok) return;
    expect(await exec.prepareClose(opened.position)).toBe(true);
    // What happens, in order, from the exit on: order requests written to a socket, and fsyncs.
    const trail: string[] = [];
    const realWrite = net.Socket.prototype.write;
    const write = jest.spyOn(net.Socket.prototype, 'write').mockImplementation(function (this: net.Socket, ...args: Parameters<net.Socket['write']>) {
      const head = typeof args[0] === 'string' ? args[0] : Buffer.isBuffer(args[0]) ? args[0].toString('latin1', 0, 64) : '';
      if (/^POST \S*\/orders /.test(head)) trail.push(`order ${String(this.remotePort)}`);
      return realWrite.apply(this, args);
    });
    const realFsync = nodeFs.fsyncSync;
    const fsync = jest.spyOn(nodeFs, 'fsyncSync').mockImplementation((fd) => {
      trail.push('fsync');
      realFsync(fd);
    });
    try {
      const closed = await exec.closePosition(opened.position);
      expect(closed).toMatchObject({ ok: true, preparedUsed: 2 });
    } finally {
      write.mockRestore();
      fsync.mockRestore();
    }
    const ports = [new URL(r.sim.vest.rest).port, new URL(r.sim.paradex.rest).port];
    // The first fsync of the close is 'closing': both armed orders were written before it.
    expect(trail.indexOf('fsync')).toBe(2);
    expect(trail.slice(0, 2).sort()).toEqual(ports.map((p) => `order ${p}`).sort());
    const kinds = journals.at(-1)!.entries(PAIR).map((e) => e.kind);
    expect(kinds.slice(-4)).toEqual(['closing', 'leg_filled', 'leg_filled', 'closed']);
  });

  it('a crash right after the armed close went out: a new process, with new clients, finds both legs closed', async () => {
    const r = await setup();
    const armed = new Map<string, PreparedOrder>(); // the latest armed close order per venue
    for (const venue of [r.vest, r.paradex]) {
      const prepare = venue.prepareOrder.bind(venue);
      jest.spyOn(venue, 'prepareOrder').mockImplementation(async (req) => {
        const order = await prepare(req);
        if (req.reduceOnly) armed.set(order.venue, order);
        return order;
      });
    }
    const first = r.make();
    const opened = await first.openPosition(opportunity(r.sim));
    if (!opened.ok) throw new Error(opened.reason);
    expect(await first.prepareClose(opened.position)).toBe(true);
    const lastArmed = fs
      .readFileSync(r.journalPath, 'utf8')
      .split('\n')
      .filter((line) => line.includes('"close_armed"'))
      .map((line) => JSON.parse(line) as { clientIds: Record<string, string>; lookupRefs?: Record<string, string> })
      .pop();
    expect(Object.values(lastArmed?.clientIds ?? {}).sort()).toEqual([...armed.values()].map((o) => o.request.clientId).sort());
    expect(Object.values(lastArmed?.lookupRefs ?? {})).toEqual([armed.get('vest')?.lookupRef]); // Vest's nonce; Paradex needs none
    // The crashed process had sent both armed orders; 'closing' was never written.
    for (const order of armed.values()) {
      const venue = order.venue === 'vest' ? r.vest : r.paradex;
      expect(await venue.submitOrder(order)).toMatchObject({ ok: true, status: 'FILLED' });
    }

    const fresh = r.newClients();
    const journal = openJournal(r.journalPath);
    const second = r.make({ journal, venues: { a: fresh.vest, b: fresh.paradex } });
    const restored = await second.restore();
    expect(restored).toMatchObject({ ok: true, resumeClose: false });
    expect(second.currentPosition()).toBeUndefined();
    expect(second.isHalted()).toBe(false);
    expect(journal.entries(PAIR).map((e) => e.kind).slice(-4)).toEqual(['closing', 'leg_filled', 'leg_filled', 'closed']);
    expect(await holding(fresh.vest, 'BTC-PERP')).toBe(0);
    expect(await holding(fresh.paradex, 'BTC-USD-PERP')).toBe(0);
  });

  it('a restarted executor resumes the open position from the journal and the venues', async () => {
    const r = await setup();
    const first = r.make();
    const opened = await first.openPosition(opportunity(r.sim));
    if (!opened.ok) throw new Error(opened.reason);
    const second = r.make({ journal: openJournal(r.journalPath) });
    const restored = await second.restore();
    expect(restored.ok).toBe(true);
    expect(restored.position).toEqual(opened.position);
    const closed = await second.closePosition(restored.position!);
    expect(closed.ok).toBe(true);
  });
});

describe('a crash mid-entry against the simulated venues, restarted with new clients on the same accounts', () => {
  /** The first process on the sim, killed at an entry order ('before' it leaves, or 'after' it executed). */
  async function crashAtEntry(r: SimRig, venue: 'vest' | 'paradex', moment: 'before' | 'after'): Promise<void> {
    const p = doomedProcess({ a: r.vest, b: r.paradex }, openJournal(r.journalPath), (v, o) => (v.id === venue && !o.request.reduceOnly ? moment : undefined));
    // A short deadline: the dead process's own timers run out at once instead of outliving the test.
    const first = r.make({ venues: p.venues, journal: p.journal, legTimeoutMs: 50, closeRetries: 1 });
    void first.openPosition(opportunity(r.sim));
    await p.died;
    // A killed process runs nothing more: an entry waiting on its silent (dead) venue clients stops too.
    first.detach();
  }

  function restarted(r: SimRig): { executor: Executor; journal: Journal; vest: VestVenue; paradex: ParadexVenue } {
    const fresh = r.newClients();
    const journal = openJournal(r.journalPath);
    return { executor: r.make({ journal, venues: { a: fresh.vest, b: fresh.paradex } }), journal, ...fresh };
  }

  it('the Vest leg filled and the Paradex order never left: the new process unwinds the lone leg and both venues end flat', async () => {
    const r = await setup();
    await crashAtEntry(r, 'paradex', 'before');
    await new Promise((resolve) => setTimeout(resolve, 200)); // the Vest order settles at the venue
    expect(await holding(r.vest, 'BTC-PERP')).toBeCloseTo(0.01, 10);
    expect(await holding(r.paradex, 'BTC-USD-PERP')).toBe(0);

    const next = restarted(r);
    const restored = await next.executor.restore();
    expect(restored).toMatchObject({ ok: true, resumeClose: false });
    expect(restored.position).toBeUndefined();
    expect(restored.events.find((e) => e.type === 'LEG_UNWOUND')).toMatchObject({ venue: 'vest', ok: true });
    expect(restored.events.find((e) => e.type === 'FILL_CREDITED')).toMatchObject({ venue: 'vest', phase: 'open' });
    expect(next.executor.isHalted()).toBe(false);
    expect(await holding(next.vest, 'BTC-PERP')).toBe(0);
    expect(await holding(next.paradex, 'BTC-USD-PERP')).toBe(0);
    expect(next.journal.lastState(PAIR).phase).toBe('flat');
  });

  it('both legs executed, the replies lost: the new process finds both orders (Vest by its journalled nonce), keeps the hedge and can close it', async () => {
    const r = await setup();
    await crashAtEntry(r, 'paradex', 'after');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await holding(r.vest, 'BTC-PERP')).toBeCloseTo(0.01, 10);
    expect(await holding(r.paradex, 'BTC-USD-PERP')).toBeCloseTo(-0.01, 10);

    const next = restarted(r);
    const lookups = jest.spyOn(next.vest, 'orderByClientId');
    const restored = await next.executor.restore();
    expect(restored).toMatchObject({ ok: true, position: { size: 0.01, longVenue: 'vest', shortVenue: 'paradex' } });
    expect(lookups).toHaveBeenCalledWith('BTC-PERP', restored.position!.clientIds.long, expect.stringMatching(/^\d+$/));
    expect(restored.position!.longEntryPrice).toBeGreaterThan(0);
    expect(restored.position!.entryFeesUsd).toBeGreaterThan(0);
    expect(next.executor.isHalted()).toBe(false);
    expect(next.journal.lastState(PAIR).phase).toBe('open');
    const closed = await next.executor.closePosition(restored.position!);
    expect(closed.ok).toBe(true);
    expect(await holding(next.vest, 'BTC-PERP')).toBe(0);
    expect(await holding(next.paradex, 'BTC-USD-PERP')).toBe(0);
  });
});

