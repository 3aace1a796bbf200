/**
 * fundingWithFallback: a venue's funding from its WebSocket first, REST polling as the fallback.
 *
 * Applied to the WS stream (`ws$.pipe(fundingWithFallback({ fallback$ }))`):
 * - every WS snapshot passes through;
 * - when the WS has delivered nothing for `silenceMs` (from subscription, or since its last snapshot:
 *   a down socket, a stalled channel), `fallback$` (the REST feed) is subscribed and its snapshots pass
 *   too, until the WS delivers again, which unsubscribes it;
 * - when the WS stream ends or errors (the venue refused the channel), `fallback$` runs from then on.
 * A snapshot older than the last one emitted (`at`) is dropped: figures never go back in time when
 * the source changes. `stats` says which source fed the figures.
 */
import {
  EMPTY,
  asyncScheduler,
  catchError,
  concat,
  connect,
  defer,
  distinctUntilChanged,
  endWith,
  filter,
  map,
  merge,
  of,
  startWith,
  switchMap,
  tap,
  timer,
  type Observable,
  type OperatorFunction,
  type SchedulerLike,
} from 'rxjs';
import type { FundingSnapshot } from '../src/domain/funding';

export interface FundingSourceStats {
  wsUpdates: number;
  restUpdates: number;
  /** Times REST took over (silence or a refused/ended WS). */
  fallbacks: number;
  /** The source of the last figure. */
  source: 'ws' | 'rest' | undefined;
}

export const newFundingSourceStats = (): FundingSourceStats => ({ wsUpdates: 0, restUpdates: 0, fallbacks: 0, source: undefined });

export interface FundingWithFallbackOptions {
  /** The REST feed (streams/funding-feed.ts): subscribed only while the WS is silent or gone. */
  readonly fallback$: Observable<FundingSnapshot>;
  /** WS silence after which REST takes over, ms. */
  readonly silenceMs?: number;
  readonly stats?: FundingSourceStats;
  readonly scheduler?: SchedulerLike;
}

/** Paradex pushes funding as it is recomputed (every second); twice the default REST period is a clear stall. */
export const DEFAULT_FUNDING_WS_SILENCE_MS = 20_000;

type WsSignal = { readonly kind: 'snapshot'; readonly snapshot: FundingSnapshot } | { readonly kind: 'ended' } | { readonly kind: 'start' };

export function fundingWithFallback({
  fallback$,
  silenceMs = DEFAULT_FUNDING_WS_SILENCE_MS,
  stats = newFundingSourceStats(),
  scheduler = asyncScheduler,
}: FundingWithFallbackOptions): OperatorFunction<FundingSnapshot, FundingSnapshot> {
  return (ws$) =>
    defer(() => {
      let lastAt = Number.NEGATIVE_INFINITY;
      return ws$.pipe(
        map((snapshot): WsSignal => ({ kind: 'snapshot', snapshot })),
        // A refused channel or a finished stream: REST for good.
        catchError(() => EMPTY),
        endWith<WsSignal>({ kind: 'ended' }),
        // One subscription to the socket, shared by the figures and the silence watch.
        connect((signals$) => {
          const fallbackOn$ = signals$.pipe(
            startWith<WsSignal>({ kind: 'start' }),
            switchMap((s) => (s.kind === 'ended' ? of(true) : concat(of(false), timer(silenceMs, scheduler).pipe(map(() => true))))),
            distinctUntilChanged(),
            tap((on) => {
              if (on) stats.fallbacks++;
            }),
          );
          const fromWs$ = signals$.pipe(
            filter((s): s is Extract<WsSignal, { kind: 'snapshot' }> => s.kind === 'snapshot'),
            map((s) => ({ snapshot: s.snapshot, source: 'ws' as const })),
          );
          const fromRest$ = fallbackOn$.pipe(switchMap((on) => (on ? fallback$.pipe(map((snapshot) => ({ snapshot, source: 'rest' as const }))) : EMPTY)));
          return merge(fromWs$, fromRest$);
        }),
        filter(({ snapshot }) => snapshot.at >= lastAt),
        tap(({ snapshot, source }) => {
          lastAt = snapshot.at;
          stats.source = source;
          if (source === 'ws') stats.wsUpdates++;
          else stats.restUpdates++;
        }),
        map(({ snapshot }) => snapshot),
      );
    });
}
