/**
 * Control surface of a simulated-venues process (`npm run venues -- --admin`), so a harness in
 * another process (the fault campaign, a user rehearsing a crash) can turn the fault knobs that
 * `startSimVenues` gives in code, and act at the moment an order reaches a venue.
 *
 * Off unless asked for, and bound to 127.0.0.1 whatever `--host` the venues use: it can fail orders
 * and move the market, so only this machine may reach it. JSON over HTTP:
 *
 *   POST /admin/knob   {"knob":"trading.paradex.delaySettlement","args":[500]}   → {"ok":true}
 *   POST /admin/reset  every fault knob off, feeds resumed, basis released        → {"ok":true}
 *   GET  /admin/orders?after=N&waitMs=T  orders that reached a venue's knobs (passed the request
 *        checks) with seq > N, waiting up to T ms (≤ 30 s) for one       → {"arrivals":[…],"last":N}
 *   GET  /admin/market  basis (Vest mid vs Paradex mid, %) and shared mid per base
 *
 * Knobs (venue = 'paradex' | 'vest'): feed.dropConnections(venue), feed.pauseFeed(venue),
 * feed.resumeFeed(venue), feed.skipSeq(count?), feed.duplicateSeq(count?), feed.reorderSeq(),
 * feed.sendMalformed(venue, 'garbage'|'truncated', count?), feed.delayFrames(venue, ms);
 * trading.<venue>.rejectNextOrders(count?, code?), .rejectNextClose(code?), .partialFillNext(fraction,
 * count?), .timeoutNextOrders(count?), .delayResponses(ms), .delaySettlement(ms), .outage(ms, atNextOrder?),
 * .releaseAll(), .reset();
 * market.setBasis(base, pct), market.releaseBasis(base), market.step(n?).
 */
import type { VenueId } from '../domain/market';
import { startHttpServer } from './http';
import type { SimVenues } from './index';
import type { SimRequest, SimResponse, SimRoute } from './types';

export interface SimAdminOptions {
  /** Default 0 (any free port). */
  readonly port?: number;
  /** Order arrivals remembered for GET /admin/orders; default 1,000. */
  readonly keepArrivals?: number;
}

export interface SimAdmin {
  /** 'http://127.0.0.1:P/admin' */
  readonly url: string;
  close(): Promise<void>;
}

/** An order that reached a venue's fault knobs. */
export interface SimOrderArrival {
  readonly seq: number;
  readonly venue: VenueId;
  readonly reduceOnly: boolean;
  /** Wall clock, ms. */
  readonly at: number;
}

const MAX_WAIT_MS = 30_000;
const VENUES: readonly VenueId[] = ['paradex', 'vest'];

type Args = readonly unknown[];

class KnobError extends Error {}

function num(args: Args, i: number, what: string, optional = false): number | undefined {
  const v = args[i];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new KnobError(`argument ${i + 1} (${what}) must be a number`);
  return v;
}

function str(args: Args, i: number, what: string, optional = false): string | undefined {
  const v = args[i];
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'string') throw new KnobError(`argument ${i + 1} (${what}) must be a string`);
  return v;
}

function venueArg(args: Args, i = 0): VenueId {
  const v = args[i];
  if (v !== 'paradex' && v !== 'vest') throw new KnobError(`argument ${i + 1} (venue) must be "paradex" or "vest"`);
  return v;
}

/** Every knob by name; each validates its arguments (the knobs themselves also refuse bad values). */
function knobs(sim: SimVenues): Map<string, (args: Args) => void> {
  const f = sim.faults;
  const m = sim.market;
  const table = new Map<string, (args: Args) => void>([
    ['feed.dropConnections', (a) => f.dropConnections(venueArg(a))],
    ['feed.pauseFeed', (a) => f.pauseFeed(venueArg(a))],
    ['feed.resumeFeed', (a) => f.resumeFeed(venueArg(a))],
    ['feed.skipSeq', (a) => f.skipSeq(num(a, 0, 'count', true))],
    ['feed.duplicateSeq', (a) => f.duplicateSeq(num(a, 0, 'count', true))],
    ['feed.reorderSeq', () => f.reorderSeq()],
    [
      'feed.sendMalformed',
      (a) => {
        const kind = a[1];
        if (kind !== 'garbage' && kind !== 'truncated') throw new KnobError('argument 2 (kind) must be "garbage" or "truncated"');
        f.sendMalformed(venueArg(a), kind, num(a, 2, 'count', true));
      },
    ],
    ['feed.delayFrames', (a) => f.delayFrames(venueArg(a), num(a, 1, 'ms')!)],
    ['market.setBasis', (a) => m.setBasis(str(a, 0, 'base')!, num(a, 1, 'pct')!)],
    ['market.releaseBasis', (a) => m.releaseBasis(str(a, 0, 'base')!)],
    ['market.step', (a) => m.step(num(a, 0, 'n', true))],
  ]);
  for (const venue of VENUES) {
    const t = f.trading[venue];
    const code = (a: Args, i: number): string | number | undefined => {
      const v = a[i];
      if (v === undefined || typeof v === 'string' || typeof v === 'number') return v;
      throw new KnobError(`argument ${i + 1} (code) must be a string or a number`);
    };
    table.set(`trading.${venue}.rejectNextOrders`, (a) => t.rejectNextOrders(num(a, 0, 'count', true), code(a, 1)));
    table.set(`trading.${venue}.rejectNextClose`, (a) => t.rejectNextClose(code(a, 0)));
    table.set(`trading.${venue}.partialFillNext`, (a) => t.partialFillNext(num(a, 0, 'fraction')!, num(a, 1, 'count', true)));
    table.set(`trading.${venue}.timeoutNextOrders`, (a) => t.timeoutNextOrders(num(a, 0, 'count', true)));
    table.set(`trading.${venue}.delayResponses`, (a) => t.delayResponses(num(a, 0, 'ms')!));
    table.set(`trading.${venue}.delaySettlement`, (a) => t.delaySettlement(num(a, 0, 'ms')!));
    table.set(`trading.${venue}.outage`, (a) => {
      const atNextOrder = a[1];
      if (atNextOrder !== undefined && typeof atNextOrder !== 'boolean') throw new KnobError('argument 2 (atNextOrder) must be true or false');
      t.outage(num(a, 0, 'ms')!, atNextOrder === true);
    });
    table.set(`trading.${venue}.releaseAll`, () => t.releaseAll());
    table.set(`trading.${venue}.reset`, () => t.reset());
  }
  return table;
}

function json(body: unknown, status = 200): SimResponse {
  return { status, body };
}

function parseBody(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text === '' ? '{}' : text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Order arrivals on both venues, kept up to a bound, with long-poll waiters. */
class OrderArrivals {
  private readonly arrivals: SimOrderArrival[] = [];
  private readonly waiters = new Set<() => void>();
  private seq = 0;

  constructor(private readonly keep: number) {}

  get last(): number {
    return this.seq;
  }

  record(venue: SimOrderArrival['venue'], reduceOnly: boolean): void {
    this.arrivals.push({ seq: ++this.seq, venue, reduceOnly, at: Date.now() });
    if (this.arrivals.length > this.keep) this.arrivals.splice(0, this.arrivals.length - this.keep);
    this.wakeAll();
  }

  since(after: number): SimOrderArrival[] {
    return this.arrivals.filter((a) => a.seq > after);
  }

  /** Resolves when an arrival after `after` is recorded, or after waitMs. */
  async waitFor(after: number, waitMs: number): Promise<void> {
    if (this.since(after).length > 0 || waitMs <= 0) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      this.waiters.add(done);
    });
  }

  wakeAll(): void {
    for (const wake of [...this.waiters]) wake();
  }
}

function applyKnob(table: ReturnType<typeof knobs>, text: string): SimResponse {
  const body = parseBody(text);
  const name = body?.knob;
  const args = body?.args ?? [];
  if (typeof name !== 'string' || !Array.isArray(args)) return json({ error: 'body must be {"knob": "<name>", "args": [...]}' }, 400);
  const knob = table.get(name);
  if (knob === undefined) return json({ error: `unknown knob ${JSON.stringify(name)}; known: ${[...table.keys()].join(', ')}` }, 400);
  try {
    knob(args);
  } catch (err) {
    if (err instanceof KnobError || err instanceof RangeError) return json({ error: `${name}: ${err.message}` }, 400);
    throw err;
  }
  return json({ ok: true });
}

function resetAll(sim: SimVenues, bases: readonly string[]): SimResponse {
  for (const venue of VENUES) {
    sim.faults.trading[venue].reset();
    sim.faults.resumeFeed(venue);
    sim.faults.delayFrames(venue, 0);
  }
  for (const base of bases) sim.market.releaseBasis(base);
  return json({ ok: true });
}

async function ordersSince(arrivals: OrderArrivals, req: SimRequest): Promise<SimResponse> {
  const after = Number(req.query.get('after') ?? 0);
  const waitMs = Number(req.query.get('waitMs') ?? 0);
  if (!Number.isInteger(after) || after < 0) return json({ error: 'after must be an integer >= 0' }, 400);
  if (!Number.isFinite(waitMs) || waitMs < 0) return json({ error: 'waitMs must be >= 0' }, 400);
  await arrivals.waitFor(after, Math.min(waitMs, MAX_WAIT_MS));
  return json({ arrivals: arrivals.since(after), last: arrivals.last });
}

function adminRoutes(sim: SimVenues, bases: readonly string[], arrivals: OrderArrivals): SimRoute[] {
  const table = knobs(sim);
  return [
    { method: 'POST', path: /^\/admin\/knob$/, handle: (req) => applyKnob(table, req.body) },
    { method: 'POST', path: /^\/admin\/reset$/, handle: () => resetAll(sim, bases) },
    { method: 'GET', path: /^\/admin\/orders$/, handle: (req) => ordersSince(arrivals, req) },
    {
      method: 'GET',
      path: /^\/admin\/market$/,
      handle: () => json(Object.fromEntries(bases.map((b) => [b, { basisPct: sim.market.basis(b), mid: sim.market.mid(b) }]))),
    },
  ];
}

export async function startSimAdmin(sim: SimVenues, bases: readonly string[], opts: SimAdminOptions = {}): Promise<SimAdmin> {
  const arrivals = new OrderArrivals(opts.keepArrivals ?? 1_000);
  const unsubscribe = VENUES.map((venue) => sim.faults.trading[venue].onOrder(({ reduceOnly }) => arrivals.record(venue, reduceOnly)));
  const routes = adminRoutes(sim, bases, arrivals);
  const server = await startHttpServer({
    host: '127.0.0.1',
    port: opts.port ?? 0,
    routes: () => routes,
    notFound: (req) => json({ error: `no route for ${req.method} ${req.path}` }, 404),
  });
  return {
    url: `http://127.0.0.1:${server.port}/admin`,
    close: async () => {
      unsubscribe.forEach((off) => off());
      arrivals.wakeAll();
      await server.close();
    },
  };
}
