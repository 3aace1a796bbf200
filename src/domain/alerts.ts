/**
 * Alerts: the events that need a human, as kinds an operator subscribes a webhook to (`alerts.webhooks[].events`).
 * Most kinds are an event type; three are rules over events:
 *  - MAX_LOSS_REACHED: the TRADING_HALTED the loss limit raises (once per run, not once per pair);
 *  - CLOSE_FAILED: a pair's close failing `close_failed_after` times in a row (and every as many again);
 *  - FEED_STALE: a feed still stale `feed_stale_after_sec` after it went stale (a blip is no page).
 * Pure values: the rules run in streams/alert-triggers.ts, the sending in src/ops/webhook.ts.
 */
import type { TradingEvent } from './events';

export const ALERT_KINDS = [
  'BOT_STARTED',
  'BOT_SHUTDOWN',
  'LEG_UNWOUND',
  'TRADING_HALTED',
  'MAX_LOSS_REACHED',
  'RECONCILIATION_MISMATCH',
  'CLOSE_FAILED',
  'FEED_STALE',
  'TRADING_RESUMED',
  'POSITION_OPENED',
  'POSITION_CLOSED',
  'POSITION_RESTORED',
  'TRADE_FAILED',
  'FILL_CREDITED',
  'FUNDING_MISMATCH',
] as const;

export type AlertKind = (typeof ALERT_KINDS)[number];

/** What a webhook is sent when its `events` are not given: what needs a human, plus start and stop. */
export const DEFAULT_ALERT_KINDS: readonly AlertKind[] = [
  'LEG_UNWOUND',
  'TRADING_HALTED',
  'MAX_LOSS_REACHED',
  'RECONCILIATION_MISMATCH',
  'CLOSE_FAILED',
  'FEED_STALE',
  'BOT_STARTED',
  'BOT_SHUTDOWN',
];

/** One message for the operator: already redacted text, the event it came from. */
export interface Alert {
  readonly kind: AlertKind;
  readonly time: number;
  /** The pair (or `venue symbol` for a feed), when the alert is about one. */
  readonly subject?: string;
  /** One line (or a few) a human reads on a phone. */
  readonly text: string;
  readonly event: TradingEvent;
}

/** The reason prefix of the loss limit's halt (streams/bot.ts lossHaltEvent$). */
export const MAX_LOSS_REASON_PREFIX = 'max loss reached';

export function isMaxLossHalt(e: TradingEvent): boolean {
  return e.type === 'TRADING_HALTED' && e.reason.startsWith(MAX_LOSS_REASON_PREFIX);
}
