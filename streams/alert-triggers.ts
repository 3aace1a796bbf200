/**
 * alertTriggers: the run's events to the alerts one webhook subscribed to (src/domain/alerts.ts).
 *  - An event whose kind is subscribed becomes an alert at once (LEG_UNWOUND, RECONCILIATION_MISMATCH, …).
 *  - The loss limit's TRADING_HALTED is MAX_LOSS_REACHED when that kind is subscribed, once per run (it halts
 *    every pair); otherwise it is a TRADING_HALTED like any other.
 *  - CLOSE_FAILED alerts at a pair's `closeFailedAfter`-th failure in a row, and at every as many more; a
 *    position opened or closed starts the count again.
 *  - FEED_STALE alerts when the feed is still stale `feedStaleAfterMs` later (FEED_FRESH before that: no alert);
 *    a feed goes stale again only after a FEED_FRESH. Timers on the injected scheduler; the run's end cuts them.
 * Alert texts are one readable line (the bot.log line), secrets filtered.
 */
import { EMPTY, type Observable, type OperatorFunction, type SchedulerLike, asyncScheduler, distinctUntilChanged, endWith, filter, groupBy, ignoreElements, map, merge, mergeMap, scan, share, switchMap, takeUntil, timer } from 'rxjs';
import { type Alert, type AlertKind, isMaxLossHalt } from '../src/domain/alerts';
import type { TradingEvent } from '../src/domain/events';
import { describeEvent } from '../src/logging/logger';
import { redactText } from '../src/logging/redact';

export interface AlertTriggerOptions {
  readonly kinds: readonly AlertKind[];
  /** CLOSE_FAILED in a row on one pair before an alert. Default 3. */
  readonly closeFailedAfter?: number;
  /** How long a feed stays stale before an alert, ms. Default 60 s. */
  readonly feedStaleAfterMs?: number;
  /** Starts each text (e.g. `vest-paradex-arb live`). */
  readonly label?: string;
  readonly scheduler?: SchedulerLike;
}

type FeedEvent = Extract<TradingEvent, { type: 'FEED_STALE' | 'FEED_FRESH' }>;

export function alertTriggers({ kinds, closeFailedAfter = 3, feedStaleAfterMs = 60_000, label = 'vest-paradex-arb', scheduler = asyncScheduler }: AlertTriggerOptions): OperatorFunction<TradingEvent, Alert> {
  if (!Number.isInteger(closeFailedAfter) || closeFailedAfter < 1) throw new Error(`alertTriggers: closeFailedAfter must be an integer >= 1, got ${closeFailedAfter}`);
  const subscribed = new Set(kinds);
  const alert = (kind: AlertKind, e: TradingEvent, subject: string | undefined, note = ''): Alert => ({
    kind,
    time: e.time,
    ...(subject !== undefined ? { subject } : {}),
    text: redactText(`[${label}] ${kind}: ${describeEvent(e)}${note}`),
    event: e,
  });
  return (events$) => {
    const shared$ = events$.pipe(share());
    const ended$ = shared$.pipe(ignoreElements(), endWith(true));
    const immediate$ = shared$.pipe(
      scan((s, e) => step(s, e, subscribed, closeFailedAfter), INITIAL),
      mergeMap((s) => (s.fire === undefined ? EMPTY : [alert(s.fire.kind, s.fire.event, 'pair' in s.fire.event ? s.fire.event.pair : undefined, s.fire.note)])),
    );
    const stale$: Observable<Alert> = !subscribed.has('FEED_STALE')
      ? EMPTY
      : shared$.pipe(
          filter((e): e is FeedEvent => e.type === 'FEED_STALE' || e.type === 'FEED_FRESH'),
          groupBy((e) => `${e.venue} ${e.symbol}`),
          mergeMap((feed$) =>
            feed$.pipe(
              distinctUntilChanged((a, b) => a.type === b.type),
              // Not an order write: a FEED_FRESH is meant to cancel the pending alert.
              switchMap((e) =>
                e.type === 'FEED_FRESH'
                  ? EMPTY
                  : timer(feedStaleAfterMs, scheduler).pipe(map(() => alert('FEED_STALE', e, `${e.venue} ${e.symbol}`, ` (still stale after ${feedStaleAfterMs < 1000 ? `${feedStaleAfterMs} ms` : `${Math.round(feedStaleAfterMs / 1000)} s`})`))),
              ),
            ),
          ),
          takeUntil(ended$),
        );
    return merge(immediate$, stale$);
  };
}

/** What the scan keeps: consecutive close failures per pair, whether the loss alert went out, and what fires now. */
interface TriggerState {
  readonly closeFailures: ReadonlyMap<string, number>;
  readonly maxLossSent: boolean;
  readonly fire: { kind: AlertKind; event: TradingEvent; note: string } | undefined;
}

const INITIAL: TriggerState = { closeFailures: new Map(), maxLossSent: false, fire: undefined };

function step(s: TriggerState, e: TradingEvent, subscribed: ReadonlySet<AlertKind>, closeFailedAfter: number): TriggerState {
  const quiet = s.fire === undefined ? s : { ...s, fire: undefined };
  switch (e.type) {
    case 'CLOSE_FAILED': {
      const count = (s.closeFailures.get(e.pair) ?? 0) + 1;
      const closeFailures = new Map(s.closeFailures).set(e.pair, count);
      const fire = subscribed.has('CLOSE_FAILED') && count % closeFailedAfter === 0 ? { kind: 'CLOSE_FAILED' as const, event: e, note: ` (${count} failures in a row)` } : undefined;
      return { ...s, closeFailures, fire };
    }
    case 'POSITION_OPENED':
    case 'POSITION_CLOSED': {
      const closeFailures = s.closeFailures.has(e.pair) ? new Map([...s.closeFailures].filter(([pair]) => pair !== e.pair)) : s.closeFailures;
      return { ...s, closeFailures, fire: subscribed.has(e.type) ? { kind: e.type, event: e, note: '' } : undefined };
    }
    case 'TRADING_HALTED':
      if (isMaxLossHalt(e) && subscribed.has('MAX_LOSS_REACHED')) {
        return s.maxLossSent ? quiet : { ...s, maxLossSent: true, fire: { kind: 'MAX_LOSS_REACHED', event: e, note: ': every pair stops entering' } };
      }
      return { ...s, fire: subscribed.has('TRADING_HALTED') ? { kind: 'TRADING_HALTED', event: e, note: '' } : undefined };
    case 'FEED_STALE':
      return quiet;
    default:
      return subscribed.has(e.type as AlertKind) ? { ...s, fire: { kind: e.type as AlertKind, event: e, note: '' } } : quiet;
  }
}
