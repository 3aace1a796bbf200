/**
 * alertSender: one webhook's queue in virtual time. `send` is a cold observable per attempt, so the specs see
 * when each attempt starts (subscriptions) and how long the sender waits between them.
 */
import type { Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { Alert } from '../../src/domain/alerts';
import { events } from '../../src/domain/events';
import type { SendResult } from '../../src/ops/webhook';
import { type AlertDelivery, alertSender } from '../../streams/alert-sender';

const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

const alert = (n: number): Alert => ({ kind: 'TRADING_HALTED', time: n, text: `alert ${n}`, event: events.tradingHalted(n, { pair: 'BTC-PERP', reason: `r${n}` }) });
const A = alert(1);
const B = alert(2);
const C = alert(3);

const OK: SendResult = { ok: true, status: 200 };
const E500: SendResult = { ok: false, status: 500, retryable: true, reason: 'HTTP 500' };
const E429: SendResult = { ok: false, status: 429, retryable: true, retryAfterMs: 30, reason: 'HTTP 429' };
const E404: SendResult = { ok: false, status: 404, retryable: false, reason: 'HTTP 404' };

/** A send whose n-th call answers `answers[n]` after `latency` frames. */
function scripted(cold: (m: string, v: Record<string, SendResult>) => Observable<SendResult>, answers: SendResult[], latency = 2) {
  let calls = 0;
  const starts: number[] = [];
  return {
    starts,
    send: (_a: Alert): Observable<SendResult> => {
      const r = answers[Math.min(calls++, answers.length - 1)]!;
      return cold(`${'-'.repeat(latency)}(r|)`, { r });
    },
  };
}

describe('alertSender', () => {
  it('sends each alert once, spaced by the minimum interval, and completes after the queue', () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const { send } = scripted(cold, [OK]);
      const source = hot('ab|', { a: A, b: B });
      // a sent at 2; b may start only at 10 (2 + minInterval 8), sent at 12
      expectObservable(source.pipe(alertSender({ send, minIntervalMs: 8 }))).toBe('--a---------(b|)', {
        a: { type: 'sent', alert: A, attempts: 1 },
        b: { type: 'sent', alert: B, attempts: 1 },
      } satisfies Record<string, AlertDelivery>);
    });
  });

  it('retries a 500 after the backoff, doubled each time, then succeeds', () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const { send } = scripted(cold, [E500, E500, OK]);
      const source = hot('a|', { a: A });
      //  500 at 2, wait 10 -> 500 at 14, wait 20 -> ok at 36
      expectObservable(source.pipe(alertSender({ send, backoffMs: 10, minIntervalMs: 0 }))).toBe('--r 11ms s 21ms (o|)', {
        r: { type: 'retry', alert: A, attempt: 1, delayMs: 10, reason: 'HTTP 500' },
        s: { type: 'retry', alert: A, attempt: 2, delayMs: 20, reason: 'HTTP 500' },
        o: { type: 'sent', alert: A, attempts: 3 },
      });
    });
  });

  it("waits what a 429 asks (retry_after) rather than its own backoff", () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const { send } = scripted(cold, [E429, OK]);
      const source = hot('a|', { a: A });
      expectObservable(source.pipe(alertSender({ send, backoffMs: 1, minIntervalMs: 0 }))).toBe('--r 31ms (o|)', {
        r: { type: 'retry', alert: A, attempt: 1, delayMs: 30, reason: 'HTTP 429' },
        o: { type: 'sent', alert: A, attempts: 2 },
      });
    });
  });

  it('gives up at once on an answer a retry cannot change, and goes on with the next alert', () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      let n = 0;
      const send = () => cold('--(r|)', { r: n++ === 0 ? E404 : OK });
      const source = hot('ab|', { a: A, b: B });
      expectObservable(source.pipe(alertSender({ send, minIntervalMs: 0 }))).toBe('--f-(b|)', {
        f: { type: 'failed', alert: A, attempts: 1, reason: 'HTTP 404' },
        b: { type: 'sent', alert: B, attempts: 1 },
      });
    });
  });

  it('gives up after maxAttempts', () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const { send } = scripted(cold, [E500]);
      const source = hot('a|', { a: A });
      expectObservable(source.pipe(alertSender({ send, maxAttempts: 2, backoffMs: 5, minIntervalMs: 0 }))).toBe('--r 6ms (f|)', {
        r: { type: 'retry', alert: A, attempt: 1, delayMs: 5, reason: 'HTTP 500' },
        f: { type: 'failed', alert: A, attempts: 2, reason: 'HTTP 500 (gave up after 2 attempts)' },
      });
    });
  });

  it('does not wait a 429 longer than maxRetryAfterMs: the alert is given up', () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const { send } = scripted(cold, [{ ...E429, retryAfterMs: 600_000 } as SendResult]);
      expectObservable(hot('a|', { a: A }).pipe(alertSender({ send, maxRetryAfterMs: 60_000 }))).toBe('--(f|)', {
        f: { type: 'failed', alert: A, attempts: 1, reason: 'HTTP 429; asked to wait 600 s, longer than 60 s' },
      });
    });
  });

  it('keeps at most queueLimit alerts waiting, dropping the oldest, while one is being sent', () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      const send = () => cold('-----(r|)', { r: OK });
      // A is in flight from 0; B and C wait (limit 1): C pushes B out.
      const source = hot('abc|', { a: A, b: B, c: C });
      expectObservable(source.pipe(alertSender({ send, queueLimit: 1, minIntervalMs: 0 }))).toBe('--d--a----(c|)', {
        d: { type: 'dropped', alert: B, reason: 'queue full (1 alerts waiting)' },
        a: { type: 'sent', alert: A, attempts: 1 },
        c: { type: 'sent', alert: C, attempts: 1 },
      });
    });
  });

  it('never lets the alerts wait on a send: the source is never blocked', () => {
    testScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const send = () => cold('-'.repeat(50) + '(r|)', { r: OK });
      const source = hot('abc|', { a: A, b: B, c: C });
      expectObservable(source.pipe(alertSender({ send, queueLimit: 10, minIntervalMs: 0 })), '^ 10ms !').toBe('');
      // The source is read to its end (frame 3) at once, though the first send takes 50 frames.
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('aborts the send in flight when unsubscribed', () => {
    testScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const inflight = cold('----------(r|)', { r: OK });
      const source = hot('a|', { a: A });
      expectObservable(source.pipe(alertSender({ send: () => inflight })), '^---!').toBe('');
      expectSubscriptions(inflight.subscriptions).toBe('^---!');
    });
  });

  it('turns a send that errors into a retryable failure instead of dying', () => {
    testScheduler().run(({ hot, cold, expectObservable }) => {
      let n = 0;
      const send = () => (n++ === 0 ? cold<SendResult>('-#', undefined, new Error('socket hang up')) : cold('-(r|)', { r: OK }));
      expectObservable(hot('a|', { a: A }).pipe(alertSender({ send, backoffMs: 3, minIntervalMs: 0 }))).toBe('-r 3ms (o|)', {
        r: { type: 'retry', alert: A, attempt: 1, delayMs: 3, reason: 'socket hang up' },
        o: { type: 'sent', alert: A, attempts: 2 },
      });
    });
  });
});
