/**
 * The run's webhook alerts: every event the run handled goes to each webhook's triggers (streams/alert-triggers.ts)
 * and its bounded, rate-limited, retrying queue (streams/alert-sender.ts), which POSTs through src/ops/webhook.ts.
 *
 * Off the trading path: events arrive after the run's sink handled them (a turn after the bot emitted them),
 * `observe` only queues, and nothing here can fail the run. Every outcome is logged by the webhook's name,
 * never its URL (the URL is the credential).
 */
import { Observable, Subject, type Subscription } from 'rxjs';
import type { AlertsConfig } from '../../src/config';
import type { ResolvedWebhook } from '../../src/config/alerts';
import type { TradingEvent } from '../../src/domain/events';
import type { Logger } from '../../src/logging/logger';
import { postWebhook, type SendResult } from '../../src/ops/webhook';
import { type AlertDelivery, alertSender } from '../alert-sender';
import { alertTriggers } from '../alert-triggers';

export type AlertRules = Pick<AlertsConfig, 'closeFailedAfter' | 'feedStaleAfterMs' | 'minIntervalMs' | 'queueLimit' | 'maxAttempts' | 'timeoutMs'>;

export interface AlertsOptions {
  readonly webhooks: readonly ResolvedWebhook[];
  readonly rules: AlertRules;
  readonly logger: Logger;
  /** Starts every text, e.g. `vest-paradex-arb sim`. */
  readonly label: string;
  /** First retry's wait, ms (doubled each time). Default 1000. */
  readonly backoffMs?: number;
  /** Called with every delivery outcome (tests, metrics). */
  readonly onDelivery?: (webhook: string, delivery: AlertDelivery) => void;
}

export interface Alerts {
  /** Hands an event to every webhook's triggers; returns at once. */
  observe(event: TradingEvent): void;
  /** Per webhook: alerts sent, given up, dropped. */
  readonly counts: ReadonlyMap<string, { sent: number; failed: number; dropped: number }>;
  /** Ends the alerts: what is queued is still sent, for up to `deadlineMs`; then whatever is left is abandoned. */
  close(deadlineMs: number): Promise<void>;
}

/** The POST as an Observable: one result, then complete; unsubscribing aborts the request. */
function sendTo(webhook: ResolvedWebhook, timeoutMs: number) {
  return (alert: Parameters<typeof postWebhook>[1]) =>
    new Observable<SendResult>((subscriber) => {
      const abort = new AbortController();
      void postWebhook(webhook, alert, { timeoutMs, signal: abort.signal }).then((result) => {
        subscriber.next(result);
        subscriber.complete();
      });
      return () => abort.abort();
    });
}

export function startAlerts(o: AlertsOptions): Alerts {
  const events$ = new Subject<TradingEvent>();
  const counts = new Map(o.webhooks.map((w) => [w.name, { sent: 0, failed: 0, dropped: 0 }]));
  const subs: Subscription[] = [];
  const ended: Promise<void>[] = [];
  for (const webhook of o.webhooks) {
    const count = counts.get(webhook.name)!;
    const deliveries$ = events$.pipe(
      alertTriggers({ kinds: webhook.kinds, closeFailedAfter: o.rules.closeFailedAfter, feedStaleAfterMs: o.rules.feedStaleAfterMs, label: o.label }),
      alertSender({
        send: sendTo(webhook, o.rules.timeoutMs),
        queueLimit: o.rules.queueLimit,
        minIntervalMs: o.rules.minIntervalMs,
        maxAttempts: o.rules.maxAttempts,
        ...(o.backoffMs !== undefined ? { backoffMs: o.backoffMs } : {}),
      }),
    );
    ended.push(
      new Promise<void>((resolve) => {
        subs.push(
          deliveries$.subscribe({
            next: (d) => {
              if (d.type === 'sent') count.sent++;
              if (d.type === 'failed') count.failed++;
              if (d.type === 'dropped') count.dropped++;
              logDelivery(o.logger, webhook.name, d);
              o.onDelivery?.(webhook.name, d);
            },
            // The operators turn every failure into a value; an error here would be a bug: logged, not thrown.
            error: (err: unknown) => {
              o.logger.error(`alerts: ${webhook.name}: stopped: ${err instanceof Error ? err.message : String(err)}`);
              resolve();
            },
            complete: () => resolve(),
          }),
        );
      }),
    );
  }
  return {
    observe: (event) => events$.next(event),
    counts,
    async close(deadlineMs) {
      events$.complete();
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), deadlineMs)));
      const outcome = await Promise.race([Promise.all(ended).then(() => 'done' as const), deadline]);
      clearTimeout(timer);
      if (outcome === 'timeout') o.logger.warn(`alerts: still sending after ${deadlineMs} ms at shutdown: the rest is not sent`);
      subs.forEach((s) => s.unsubscribe());
    },
  };
}

function logDelivery(logger: Logger, name: string, d: AlertDelivery): void {
  switch (d.type) {
    case 'sent':
      logger.info(`alert sent: ${d.alert.kind} to ${name}${d.attempts > 1 ? ` (attempt ${d.attempts})` : ''}`);
      break;
    case 'retry':
      logger.warn(`alert to ${name} failed (${d.reason}): ${d.alert.kind} retried in ${d.delayMs} ms (attempt ${d.attempt + 1})`);
      break;
    case 'failed':
      logger.error(`alert NOT sent: ${d.alert.kind} to ${name}: ${d.reason}`);
      break;
    case 'dropped':
      logger.warn(`alert dropped: ${d.alert.kind} to ${name}: ${d.reason}`);
      break;
  }
}
