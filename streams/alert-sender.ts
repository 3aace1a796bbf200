/**
 * alertSender: one webhook's alerts, sent one at a time through a bounded queue, off the trading path.
 *  - `add` never waits: an alert is queued; beyond `queueLimit` waiting, the oldest is dropped (reported as
 *    `dropped`), so a dead webhook costs bounded memory and nothing else.
 *  - Rate limit: two sends are at least `minIntervalMs` apart (Slack allows about one message a second per
 *    webhook, Telegram about one a second per chat, Discord 429s bursts).
 *  - Retry: a retryable failure (timeout, unreachable, 408, 429, 5xx) is tried again after the wait the service
 *    asked for (429 retry_after), else after `backoffMs` doubled at each attempt up to `maxBackoffMs`, up to
 *    `maxAttempts` tries; then the alert is given up (`failed`). A wait longer than `maxRetryAfterMs` is not
 *    waited for. Nothing here errors: every outcome is a value for the caller to log.
 *  - When the alerts end (the run stops), the queue is still sent, then the stream completes.
 * `send` is the I/O, injected: it emits one SendResult and completes, and unsubscribing aborts it.
 */
import { Observable, type OperatorFunction, type SchedulerLike, type Subscription, asyncScheduler, catchError, concat, concatMap, defer, mergeMap, of, take, timer } from 'rxjs';
import type { Alert } from '../src/domain/alerts';
import type { SendResult } from '../src/ops/webhook';

export type AlertDelivery =
  | { readonly type: 'sent'; readonly alert: Alert; readonly attempts: number }
  | { readonly type: 'retry'; readonly alert: Alert; readonly attempt: number; readonly delayMs: number; readonly reason: string }
  | { readonly type: 'failed'; readonly alert: Alert; readonly attempts: number; readonly reason: string }
  | { readonly type: 'dropped'; readonly alert: Alert; readonly reason: string };

export interface AlertSenderOptions {
  readonly send: (alert: Alert) => Observable<SendResult>;
  /** Alerts waiting at most; default 100. */
  readonly queueLimit?: number;
  /** Least time between two sends, ms; default 1000. */
  readonly minIntervalMs?: number;
  /** Tries per alert, the first included; default 5. */
  readonly maxAttempts?: number;
  /** First retry's wait, ms (doubled each time); default 1000. */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  /** A service asking for a longer wait than this gets the alert given up instead; default 5 min. */
  readonly maxRetryAfterMs?: number;
  readonly scheduler?: SchedulerLike;
}

type RetryRules = Required<Pick<AlertSenderOptions, 'send' | 'maxAttempts' | 'backoffMs' | 'maxBackoffMs' | 'maxRetryAfterMs' | 'scheduler'>>;

/** Attempt `n` of one alert, and the retries after it: every outcome a value. */
function attempt(alert: Alert, n: number, r: RetryRules): Observable<AlertDelivery> {
  return defer(() => r.send(alert)).pipe(
    take(1),
    catchError((err: unknown) => of<SendResult>({ ok: false, retryable: true, reason: err instanceof Error ? err.message : String(err) })),
    concatMap((res): Observable<AlertDelivery> => {
      if (res.ok) return of({ type: 'sent', alert, attempts: n });
      const wait = res.retryAfterMs ?? Math.min(r.maxBackoffMs, r.backoffMs * 2 ** (n - 1));
      if (!res.retryable || n >= r.maxAttempts) return of({ type: 'failed', alert, attempts: n, reason: res.retryable ? `${res.reason} (gave up after ${n} attempts)` : res.reason });
      if (wait > r.maxRetryAfterMs) return of({ type: 'failed', alert, attempts: n, reason: `${res.reason}; asked to wait ${Math.round(wait / 1000)} s, longer than ${Math.round(r.maxRetryAfterMs / 1000)} s` });
      return concat(
        of<AlertDelivery>({ type: 'retry', alert, attempt: n, delayMs: wait, reason: res.reason }),
        timer(wait, r.scheduler).pipe(mergeMap(() => attempt(alert, n + 1, r))),
      );
    }),
  );
}

export function alertSender({
  send,
  queueLimit = 100,
  minIntervalMs = 1000,
  maxAttempts = 5,
  backoffMs = 1000,
  maxBackoffMs = 30_000,
  maxRetryAfterMs = 300_000,
  scheduler = asyncScheduler,
}: AlertSenderOptions): OperatorFunction<Alert, AlertDelivery> {
  for (const [name, value] of [['queueLimit', queueLimit], ['maxAttempts', maxAttempts]] as const) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`alertSender: ${name} must be an integer >= 1, got ${value}`);
  }
  const rules: RetryRules = { send, maxAttempts, backoffMs, maxBackoffMs, maxRetryAfterMs, scheduler };

  return (alerts$) => sendQueue(alerts$, { queueLimit, minIntervalMs, scheduler, rules });
}

/** The bounded queue in front of one webhook: read at once, sent one at a time, spaced by minIntervalMs. */
function sendQueue(alerts$: Observable<Alert>, { queueLimit, minIntervalMs, scheduler, rules }: { queueLimit: number; minIntervalMs: number; scheduler: SchedulerLike; rules: RetryRules }): Observable<AlertDelivery> {
  return new Observable<AlertDelivery>((subscriber) => {
    const queue: Alert[] = [];
    let current: Subscription | undefined;
    let lastSentAt = -Infinity;
    let ended = false;
    const next = (): void => {
      if (current !== undefined) return;
      const alert = queue.shift();
      if (alert === undefined) {
        if (ended) subscriber.complete();
        return;
      }
      const spacing = Math.max(0, lastSentAt + minIntervalMs - scheduler.now());
      const delivery$ = spacing > 0 ? timer(spacing, scheduler).pipe(concatMap(() => attempt(alert, 1, rules))) : attempt(alert, 1, rules);
      let finished = false;
      const sub = delivery$.subscribe({
        next: (d) => {
          if (d.type !== 'retry') lastSentAt = scheduler.now();
          subscriber.next(d);
        },
        complete: () => {
          finished = true;
          current = undefined;
          next();
        },
      });
      if (!finished) current = sub; // a synchronous send already completed inside subscribe
    };
    const source = alerts$.subscribe({
      next: (alert) => {
        if (queue.length >= queueLimit) subscriber.next({ type: 'dropped', alert: queue.shift()!, reason: `queue full (${queueLimit} alerts waiting)` });
        queue.push(alert);
        next();
      },
      error: (err: unknown) => subscriber.error(err),
      complete: () => {
        ended = true;
        if (current === undefined) next();
      },
    });
    return () => {
      source.unsubscribe();
      current?.unsubscribe();
      queue.length = 0;
    };
  });
}
