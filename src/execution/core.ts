/**
 * What every part of the executor shares: the pair, its two venues, the clock, the resolved
 * settings, the order path, the journal's two verbs and the halt state. Built once per executor; the
 * entry, close, armed-close and restart modules take it as their first argument.
 */
import { events as ev, type TradingEvent } from '../domain/events';
import { assertTimerMs } from '../domain/durations';
import type { VenueId } from '../domain/market';
import type { OrderBook } from '../domain/order-book';
import type { Venue } from '../venues/venue';
import type { CloseBooks, ExecutorOptions } from './executor-api';
import { HaltState } from './halt-state';
import { ExecutorJournal } from './journaling';
import { clientIdGenerator } from './orders';
import { OrderPath, processOrderTimers } from './order-path';
import type { VenueKey } from './reconcile';

const DEFAULTS = {
  slippagePct: 0.5,
  leverage: 1,
  legTimeoutMs: 5000,
  closeRetries: 5,
  closeBackoffMs: 250,
  haltCooldownMs: 60_000,
  fallbackCloseSlippagePct: 3,
  preparedSafetyMs: 1000,
  /** The bot checks the armed orders once a second. */
  refreshPeriodMs: 1000,
  reconcileRetryMs: 1000,
  reconcileRetryMaxMs: 60_000,
} as const;

/** Late-fill look-ups: first retry delay, doubled up to the cap. */
export const LATE_FILL_RETRY = { firstMs: 1000, maxMs: 60_000 } as const;

/** ExecutorOptions with every default applied (see ExecutorOptions for what each means). */
export interface ExecutorSettings {
  readonly size: number;
  readonly slippagePct: number;
  readonly unwindSlippagePct: number;
  readonly leverage: number;
  readonly legTimeoutMs: number;
  readonly closeRetries: number;
  readonly closeBackoffMs: number;
  readonly haltCooldownMs: number;
  readonly fallbackCloseSlippagePct: number;
  readonly preparedSafetyMs: number;
  readonly refreshAheadMs: number;
  readonly reconcileRetryMs: number;
  readonly reconcileRetryMaxMs: number;
  readonly maxPositionBase?: number;
  readonly maxNotionalUsd?: number;
  readonly spreadThreshold?: number;
  /** USD per USDC taken for this executor's positions (1 = at par). */
  readonly usdcUsd: number;
}

export function resolveSettings(opts: ExecutorOptions): ExecutorSettings {
  const slippagePct = opts.slippagePct ?? DEFAULTS.slippagePct;
  const closeRetries = opts.closeRetries ?? DEFAULTS.closeRetries;
  const closeBackoffMs = opts.closeBackoffMs ?? DEFAULTS.closeBackoffMs;
  const settings: ExecutorSettings = {
    size: opts.size,
    slippagePct,
    unwindSlippagePct: opts.unwindSlippagePct ?? 2 * slippagePct,
    leverage: opts.leverage ?? DEFAULTS.leverage,
    legTimeoutMs: opts.legTimeoutMs ?? DEFAULTS.legTimeoutMs,
    closeRetries,
    closeBackoffMs,
    haltCooldownMs: opts.haltCooldownMs ?? DEFAULTS.haltCooldownMs,
    fallbackCloseSlippagePct: opts.fallbackCloseSlippagePct ?? DEFAULTS.fallbackCloseSlippagePct,
    preparedSafetyMs: opts.preparedSafetyMs ?? DEFAULTS.preparedSafetyMs,
    refreshAheadMs: opts.refreshAheadMs ?? (opts.preparedSafetyMs ?? DEFAULTS.preparedSafetyMs) + DEFAULTS.refreshPeriodMs,
    reconcileRetryMs: opts.reconcileRetryMs ?? DEFAULTS.reconcileRetryMs,
    reconcileRetryMaxMs: opts.reconcileRetryMaxMs ?? DEFAULTS.reconcileRetryMaxMs,
    ...(opts.maxPositionBase !== undefined ? { maxPositionBase: opts.maxPositionBase } : {}),
    ...(opts.maxNotionalUsd !== undefined ? { maxNotionalUsd: opts.maxNotionalUsd } : {}),
    ...(opts.spreadThreshold !== undefined ? { spreadThreshold: opts.spreadThreshold } : {}),
    usdcUsd: opts.usdcUsd ?? 1,
  };
  if (!(settings.usdcUsd > 0) || !Number.isFinite(settings.usdcUsd)) throw new RangeError(`usdcUsd must be a finite number > 0, got ${settings.usdcUsd}`);
  // Each is a timer's delay or is added to the clock and journaled (`until`): it must be finite and
  // fit a timer, or the timer fires at once and an infinite `until` is journaled as null.
  assertTimerMs(settings.legTimeoutMs, 'legTimeoutMs');
  assertTimerMs(closeBackoffMs * 2 ** Math.max(0, closeRetries - 1), 'closeBackoffMs doubled at each of closeRetries');
  assertTimerMs(settings.haltCooldownMs, 'haltCooldownMs');
  return settings;
}

export class ExecutorCore {
  readonly pair: string;
  readonly venues: { readonly a: Venue; readonly b: Venue };
  readonly now: () => number;
  readonly newClientId: () => string;
  readonly settings: ExecutorSettings;
  readonly orders: OrderPath;
  readonly journal: ExecutorJournal;
  readonly halts: HaltState;

  constructor(opts: ExecutorOptions) {
    this.pair = opts.pair;
    this.venues = opts.venues;
    this.now = opts.now;
    this.newClientId = opts.newClientId ?? clientIdGenerator(opts.now);
    this.settings = resolveSettings(opts);
    const timers = opts.timers ?? processOrderTimers;
    const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((resolve) => timers.setTimeout(resolve, ms)));
    const { legTimeoutMs, closeRetries, closeBackoffMs } = this.settings;
    this.orders = new OrderPath({ pair: opts.pair, now: opts.now, sleep, timers, legTimeoutMs, closeRetries, closeBackoffMs });
    this.journal = new ExecutorJournal(opts.journal, () => this.orders.detached());
    this.halts = new HaltState(opts.now);
  }

  venueById(id: VenueId): Venue | undefined {
    const { a, b } = this.venues;
    return a.id === id ? a : b.id === id ? b : undefined;
  }

  keyOf(id: VenueId): VenueKey | undefined {
    return this.venues.a.id === id ? 'a' : this.venues.b.id === id ? 'b' : undefined;
  }

  /** The latest non-empty book of a venue from a close's context. */
  bookFor(venueId: VenueId, books: CloseBooks | undefined): OrderBook | undefined {
    if (books === undefined) return undefined;
    const isA = this.venues.a.id === venueId;
    const book = isA ? (books.a ?? books.tick?.a) : (books.b ?? books.tick?.b);
    return book !== undefined && (book.bids.length > 0 || book.asks.length > 0) ? book : undefined;
  }

  /** Raises a halt, journals it (best effort) and reports TRADING_HALTED. */
  halt(reason: string, until: number | undefined, events: TradingEvent[]): void {
    const next = this.halts.raise(reason, until);
    const untilField = next.until !== undefined ? { until: next.until } : {};
    this.journal.recordBestEffort({ kind: 'halted', pair: this.pair, time: this.now(), reason: next.reason, ...untilField });
    events.push(ev.tradingHalted(this.now(), { pair: this.pair, reason: next.reason, ...untilField }));
  }

  /** Journal writes that failed after orders were sent halt trading until an operator clears it. */
  haltOnJournalFailures(events: TradingEvent[]): void {
    const failures = this.journal.takeFailures();
    if (failures !== undefined) this.halt(failures, undefined, events);
  }

  /** A cooldown halt that has run out is cleared (and journalled) when the next entry is considered. */
  expireHalt(events: TradingEvent[]): void {
    if (!this.halts.expired()) return;
    this.halts.clear();
    this.journal.recordBestEffort({ kind: 'resumed', pair: this.pair, time: this.now(), operator: false });
    events.push(ev.tradingResumed(this.now(), { pair: this.pair }));
  }
}
