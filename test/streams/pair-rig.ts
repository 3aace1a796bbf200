/**
 * A real `pairContext` over fakes, for the marble specs of the pair's streams: the books come from observables
 * the test writes (hot/cold marbles), the executor's close is a cold observable so virtual time drives it.
 */
import { NEVER, type Observable, type SchedulerLike } from 'rxjs';
import type { CloseContext } from '../../streams/exit-monitor';
import type { BotDeps, BotSettings, PairSettings } from '../../streams/bot';
import { lossLimit, type LossLimit } from '../../streams/loss-limit';
import { pairContext, type PairContext } from '../../streams/pair-context';
import type { CloseReport, OpenedPosition, PairExecutor } from '../../streams/pair-executor';
import type { MarketTick, SpreadOpportunity, VenueId } from '../../src/domain/market';
import { bookFromLevels, type OrderBook } from '../../src/domain/order-book';
import type { TakerFees } from '../../src/domain/spread';
import type { PairFunding } from '../../src/domain/funding';
import type { BookFeed, Venue } from '../../src/venues/venue';

export type Side = ReadonlyArray<readonly [price: number, size: number]>;

export function book(bids: Side, asks: Side, receivedAt = 0): OrderBook {
  const levels = (side: Side) => side.map(([price, size]) => ({ price, size }));
  return bookFromLevels(levels(bids), levels(asks), { receivedAt });
}

export const pairSettings = (over: Partial<PairSettings> = {}): PairSettings => ({
  id: 'btc',
  pair: 'BTC-PERP',
  dexA: 'vest',
  dexB: 'paradex',
  spreadEntry: 0.1,
  spreadExit: -0.02,
  positionSize: 0.25,
  entryConfirmTicks: 1,
  sampleMs: 0,
  cooldownMs: 10,
  ...over,
});

export const botSettings = (pair: PairSettings, over: Partial<BotSettings> = {}): BotSettings => ({
  mode: 'sim',
  pairs: [pair],
  closeOnExit: false,
  spreadSampleMs: 5,
  logEvery: 1000,
  shutdownGraceMs: 500,
  ...over,
});

export function fakeVenue(id: VenueId, book$: Observable<OrderBook>, symbols: string[] = []): Venue {
  const unused = () => Promise.reject(new Error('not used by the stream'));
  const feed: BookFeed = {
    book$,
    events$: NEVER,
    stats: { frames: 0, bytes: 0, decodeErrors: 0, resyncs: 0, reconnects: 0, lastUpdateAt: 0, stale: false },
  };
  return {
    id,
    symbolFor: (p) => p,
    market: unused,
    bookFeed: (symbol) => {
      symbols.push(symbol);
      return feed;
    },
    prepareOrder: unused,
    submitOrder: unused,
    placeOrder: unused,
    orderByClientId: unused,
    positions: unused,
    availableMarginUsd: unused,
    close: () => Promise.resolve(),
  };
}

/**
 * An executor whose close is scripted as observables. `defer` (where the streams call it) takes any
 * ObservableInput, so a cold observable stands in for the Promise and its timing is virtual.
 */
/** An executor that sends nothing: it records each entry the bot asks for and answers that nothing was opened. */
export function recordingExecutor(entries: SpreadOpportunity[]): PairExecutor {
  return {
    openPosition: async (opportunity) => {
      entries.push(opportunity);
      return { ok: false, reason: 'recorded, not sent', events: [] };
    },
    closePosition: async () => ({ ok: false, reason: 'no position', events: [] }),
    restore: async () => ({ events: [] }),
    isHalted: () => false,
  };
}

export interface ScriptedExecutor {
  readonly executor: PairExecutor;
  readonly closes: Array<{ position: OpenedPosition; ctx: CloseContext }>;
}

export function scriptedExecutor(closeWith: (n: number) => Observable<CloseReport>, extra: Partial<PairExecutor> = {}): ScriptedExecutor {
  const closes: ScriptedExecutor['closes'] = [];
  const executor: PairExecutor = {
    openPosition: () => Promise.reject(new Error('not used')),
    closePosition: (position, ctx) => {
      closes.push({ position, ctx });
      return closeWith(closes.length) as unknown as Promise<CloseReport>;
    },
    restore: () => Promise.resolve({ events: [] }),
    isHalted: () => false,
    ...extra,
  };
  return { executor, closes };
}

export interface RigOptions {
  readonly a$: Observable<OrderBook>;
  readonly b$: Observable<OrderBook>;
  readonly stop$?: Observable<true>;
  readonly scheduler: SchedulerLike;
  readonly executor?: PairExecutor;
  readonly fees?: TakerFees;
  readonly pair?: Partial<PairSettings>;
  readonly settings?: Partial<BotSettings>;
  readonly lossLimit?: LossLimit;
  /** The pair's funding (BotDeps.fundingFor); absent: funding not tracked. */
  readonly funding$?: Observable<PairFunding>;
}

export function pairRig(o: RigOptions): { ctx: PairContext; symbols: { a: string[]; b: string[] } } {
  const pair = pairSettings(o.pair);
  const symbols = { a: [] as string[], b: [] as string[] };
  const deps: BotDeps = {
    venues: { vest: fakeVenue('vest', o.a$, symbols.a), paradex: fakeVenue('paradex', o.b$, symbols.b) },
    executorFor: () => o.executor ?? scriptedExecutor(() => NEVER).executor,
    feesFor: () => o.fees ?? { a: 0, b: 0 },
    shutdown$: NEVER,
    ...(o.funding$ ? { fundingFor: () => o.funding$! } : {}),
  };
  const ctx = pairContext(pair, {
    deps,
    settings: botSettings(pair, o.settings),
    stop$: o.stop$ ?? NEVER,
    scheduler: o.scheduler,
    lossLimit: o.lossLimit ?? lossLimit(undefined),
  });
  return { ctx, symbols };
}

export const tickOf = (a: OrderBook, b: OrderBook, time = 0): MarketTick => ({ a, b, time });
