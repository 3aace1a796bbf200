/**
 * The bot's logger: JSON lines to a file (for machines and post-mortems) and readable lines on the
 * console (for the operator). Every line is redacted before any transport sees it (see redact.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import TransportStream from 'winston-transport';
import winston, { format, type Logger } from 'winston';
import { formatPct, formatUsd, type TradingEvent, type TradingEventType } from '../domain/events';
import type { LogFormat, LogLevel } from '../config/env';
import { Outputs, type FileOutput, type RotateBySize, type TextOutput, type WritableLike } from './output';
import { redactFormat, redactLineFormat } from './redact';

export type { Logger } from 'winston';

const LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];
const MESSAGE = Symbol.for('message');

export interface LoggerOptions {
  /** 'error' | 'warn' | 'info' | 'debug'. */
  readonly level: LogLevel | string;
  /** Console line format; the file is always JSON lines. Default 'pretty'. */
  readonly format?: LogFormat;
  /** JSON-lines log file (appended; its directory is created). */
  readonly file?: string;
  /** Write console lines. Default true. */
  readonly console?: boolean;
  /** Where console lines go; default process.stdout (tests pass a PassThrough). */
  readonly stream?: NodeJS.WritableStream;
  /**
   * Guards the file and the console stream: a full disk or a closed pipe is reported once through the
   * other outputs and never throws out of a log call (see output.ts). Without it, a failed write of
   * the file is dropped silently.
   */
  readonly outputs?: Outputs;
  /** Rotates the file by size (bot.log.1, .2, …). Default: never. */
  readonly rotate?: RotateBySize;
}

/**
 * Appends each line with a synchronous write, so a line is on disk when `log` returns (a crash loses
 * nothing) and `logger.end(cb)` calls back only after the file is closed. A write that fails (a full
 * disk) never throws out of a log call: the file output reports it once and drops later lines.
 */
class SyncFileTransport extends TransportStream {
  private readonly file: FileOutput;

  constructor(filename: string, outputs: Outputs, opts: TransportStream.TransportStreamOptions, rotate?: RotateBySize) {
    super(opts);
    fs.mkdirSync(path.dirname(path.resolve(filename)), { recursive: true });
    this.file = outputs.file(path.basename(filename), filename, 'a', rotate ? { rotate } : {});
  }

  override log(info: Record<string | symbol, unknown>, next: () => void): void {
    this.file.write(`${String(info[MESSAGE])}\n`);
    next();
  }

  override close(): void {
    this.file.close();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.close();
    callback();
  }
}

/** Console-style output to any stream; unlike winston's Console transport it can be captured. */
class LineStreamTransport extends TransportStream {
  constructor(
    private readonly out: TextOutput,
    opts: TransportStream.TransportStreamOptions,
  ) {
    super(opts);
  }

  override log(info: Record<string | symbol, unknown>, next: () => void): void {
    this.out.write(`${String(info[MESSAGE])}\n`);
    next();
  }
}

const jsonLine = (): winston.Logform.Format => format.combine(format.json(), redactLineFormat());

const prettyLine = (colors: boolean): winston.Logform.Format =>
  format.combine(
    format.printf((info) => {
      const { level, message, timestamp, ...meta } = info;
      const lvl = String(level).toUpperCase().padEnd(5);
      const shown = colors ? format.colorize().colorize(String(level), lvl) : lvl;
      // An event's line already says everything; other lines show their fields.
      const extra = Object.keys(meta).length > 0 && meta['event_type'] === undefined ? ` ${JSON.stringify(meta, jsonSafe)}` : '';
      return `${String(timestamp)} ${shown} ${String(message)}${extra}`;
    }),
    redactLineFormat(),
  );

function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

export function createLogger(opts: LoggerOptions): Logger {
  if (!(LEVELS as readonly string[]).includes(opts.level)) {
    throw new Error(`log level must be one of ${LEVELS.join(', ')}; got ${JSON.stringify(opts.level)}`);
  }
  const transports: TransportStream[] = [];
  // Without a caller's guard, failures are only dropped (nothing reports them).
  const outputs = opts.outputs ?? new Outputs();
  if (opts.file !== undefined) transports.push(new SyncFileTransport(opts.file, outputs, { format: jsonLine() }, opts.rotate));
  if (opts.console !== false) {
    const out = opts.stream ?? process.stdout;
    const colors = (out as { isTTY?: boolean }).isTTY === true;
    const guarded = outputs.stream('console', out as WritableLike);
    transports.push(new LineStreamTransport(guarded, { format: opts.format === 'json' ? jsonLine() : prettyLine(colors) }));
  }
  return winston.createLogger({
    level: opts.level,
    levels: winston.config.npm.levels,
    // Redaction first: every transport, including ones added later, receives already-clean data.
    format: format.combine(redactFormat(), format.timestamp()),
    transports,
    exitOnError: false,
  });
}

/** The level an event is logged at. */
export function eventLevel(event: TradingEvent): LogLevel {
  switch (event.type) {
    case 'POSITION_MONITORING':
    case 'SPREAD_MONITORING':
      return 'debug';
    case 'LEG_UNWOUND':
      // A failed unwind leaves an unhedged position on a venue: someone must act.
      return event.ok ? 'warn' : 'error';
    case 'CLOSE_FAILED':
    case 'TRADING_HALTED':
    case 'FEED_STALE':
    case 'RECONCILIATION_MISMATCH':
    case 'TRADE_FAILED':
    case 'ORDER_FAILED':
    case 'FEED_RECONNECT':
    case 'FUNDING_MISMATCH':
      return 'warn';
    default:
      return 'info';
  }
}

/** Funding is cents or less per trade: four decimals, sign first. */
function fundingUsd(value: number): string {
  const rounded = Math.round(value * 10_000) / 10_000;
  return rounded < 0 ? `-$${(-rounded).toFixed(4)}` : `$${rounded.toFixed(4)}`;
}

/** Each leg's bot figure against its venue's, then the totals: `long paradex bot=$x venue=$y diff=$z (tol $t)`. */
function fundingCheckLine(e: Extract<TradingEvent, { type: 'FUNDING_RECONCILED' | 'FUNDING_MISMATCH' }>): string {
  const legs = e.legs.map(
    (l) =>
      `${l.leg} ${l.venue} bot=${fundingUsd(l.botUsd)} ` +
      (l.venueUsd !== undefined && l.diffUsd !== undefined
        ? `venue=${fundingUsd(l.venueUsd)} diff=${fundingUsd(l.diffUsd)} (tol ${fundingUsd(l.toleranceUsd)})`
        : `venue=unavailable (${l.unavailable ?? 'not read'})`),
  );
  const total = e.diffUsd !== undefined ? ` total bot=${fundingUsd(e.botUsd)} venue=${fundingUsd(e.venueUsd ?? 0)} diff=${fundingUsd(e.diffUsd)}` : '';
  return `${e.whileHeld ? '(while held) ' : ''}${legs.join('; ')}${total}`;
}

/** Each event type's readable line: a lookup table, so a new event type without a line does not compile. */
const DESCRIBERS: { readonly [K in TradingEventType]: (e: Extract<TradingEvent, { type: K }>) => string } = {
  BOT_STARTED: (e) => `BOT_STARTED mode=${e.mode} pairs=${e.pairs.join(',')}`,
  BOT_SHUTDOWN: (e) => `BOT_SHUTDOWN reason=${e.reason}`,
  SPREAD_DETECTED: (e) =>
    `SPREAD_DETECTED ${e.pair} ${e.direction} entry=${formatPct(e.entrySpread)} net=${formatPct(e.netSpread)} threshold=${formatPct(e.threshold)}`,
  SPREAD_MONITORING: (e) => (
    `SPREAD_MONITORING ${e.pair} entry AOverB=${formatPct(e.entryAOverB)} BOverA=${formatPct(e.entryBOverA)}` +
    ` exit AOverB=${formatPct(e.exitAOverB)} BOverA=${formatPct(e.exitBOverA)}`
  ),
  TRADE_ENTRY: (e) => (
    `TRADE_ENTRY ${e.pair} ${e.direction} long=${e.longVenue}@${formatUsd(e.longFillPrice)} short=${e.shortVenue}@${formatUsd(e.shortFillPrice)}` +
    ` size=${e.size} entry=${formatPct(e.entrySpread)} threshold=${formatPct(e.spreadThreshold)} fees=${formatUsd(e.feesUsd)} latency=${e.latencyMs}ms`
  ),
  TRADE_FAILED: (e) => `TRADE_FAILED ${e.pair}: ${e.reason}`,
  ORDER_PLACED: (e) =>
    `ORDER_PLACED ${e.pair} ${e.venue} ${e.side} ${e.size}${e.reduceOnly ? ' reduce-only' : ''} id=${e.clientId}`,
  ORDER_FILLED: (e) =>
    `ORDER_FILLED ${e.pair} ${e.venue} ${e.filledSize} @ ${formatUsd(e.avgPrice)} fee=${formatUsd(e.feeUsd)} latency=${e.latencyMs}ms id=${e.clientId}`,
  ORDER_FAILED: (e) => `ORDER_FAILED ${e.pair} ${e.venue} id=${e.clientId}: ${e.reason}`,
  POSITION_OPENED: (e) =>
    `POSITION_OPENED ${e.pair} ${e.direction} size=${e.size} entry=${formatPct(e.entrySpread)}${e.restored ? ' (restored)' : ''}`,
  POSITION_MONITORING: (e) =>
    `POSITION_MONITORING ${e.pair} poll=${e.polls} entry=${formatPct(e.entrySpread)} exit=${formatPct(e.exitSpread)} target=${formatPct(e.exitTarget)}`,
  TRADE_EXIT: (e) => (
    `TRADE_EXIT ${e.pair} entry=${formatPct(e.entrySpread)} exit=${formatPct(e.exitSpread)} target=${formatPct(e.exitTarget)}` +
    ` profit=${formatPct(e.profit)} polls=${e.polls}`
  ),
  POSITION_CLOSED: (e) => (
    `POSITION_CLOSED ${e.pair} entry=${formatPct(e.entrySpread)} exit=${formatPct(e.exitSpread)} profit=${formatPct(e.profit)}` +
    (e.grossPnlUsd !== undefined ? ` pnl=${formatUsd(e.grossPnlUsd)}` : '') +
    (e.feesUsd !== undefined ? ` fees=${formatUsd(e.feesUsd)}` : '') +
    (e.fundingUsd !== undefined ? ` funding=${fundingUsd(e.fundingUsd)}` : e.fundingNote !== undefined ? ` funding=unknown (${e.fundingNote})` : '') +
    ` polls=${e.polls}`
  ),
  CLOSE_FAILED: (e) => `CLOSE_FAILED ${e.pair} poll=${e.polls}: ${e.reason}`,
  EXIT_MONITOR_STOPPED: (e) => `EXIT_MONITOR_STOPPED ${e.pair} reason=${e.reason} polls=${e.polls}`,
  LEG_UNWOUND: (e) => `LEG_UNWOUND ${e.pair} ${e.venue} size=${e.size} ${e.ok ? 'ok' : 'FAILED'}: ${e.reason}`,
  FILL_CREDITED: (e) => (
    `FILL_CREDITED ${e.pair} ${e.venue} ${e.phase} ${e.filledSize}${e.avgPrice !== undefined ? ` @ ${formatUsd(e.avgPrice)}` : ''} fee=${formatUsd(e.feeUsd)}` +
    (e.creditedPnlUsd === undefined
      ? ` credited pnl=unknown fees=${formatUsd(e.creditedFeesUsd)}`
      : e.creditedPnlUsd !== 0 || e.creditedFeesUsd !== 0
        ? ` credited pnl=${formatUsd(e.creditedPnlUsd)} fees=${formatUsd(e.creditedFeesUsd)}`
        : '') +
    ` id=${e.clientId}: ${e.reason}`
  ),
  TRADING_HALTED: (e) =>
    `TRADING_HALTED ${e.pair}: ${e.reason} (${e.until !== undefined ? `until ${new Date(e.until).toISOString()}` : 'until cleared'})`,
  TRADING_RESUMED: (e) => `TRADING_RESUMED ${e.pair}`,
  FEED_STALE: (e) => `FEED_STALE ${e.venue} ${e.symbol} ${e.reason} (age=${e.ageMs}ms)`,
  FEED_FRESH: (e) => `FEED_FRESH ${e.venue} ${e.symbol}`,
  FEED_RESYNC: (e) => `FEED_RESYNC ${e.venue} ${e.symbol}: ${e.reason}`,
  FEED_RECONNECT: (e) => `FEED_RECONNECT ${e.venue} ${e.symbol} attempt=${e.attempt} in ${e.delayMs}ms: ${e.reason}`,
  POSITION_RESTORED: (e) => `POSITION_RESTORED ${e.pair} ${e.direction} size=${e.size} entry=${formatPct(e.entrySpread)}`,
  RECONCILIATION_MISMATCH: (e) => `RECONCILIATION_MISMATCH ${e.pair}: ${e.detail}`,
  FUNDING_ACCRUED: (e) =>
    `FUNDING_ACCRUED ${e.pair} ${e.direction} long ${e.longVenue}=${fundingUsd(e.longUsd)} short ${e.shortVenue}=${fundingUsd(e.shortUsd)} total=${fundingUsd(e.totalUsd)} (unrealised)`,
  FUNDING_RECONCILED: (e) => `FUNDING_RECONCILED ${e.pair} ${fundingCheckLine(e)}`,
  FUNDING_MISMATCH: (e) => `FUNDING_MISMATCH ${e.pair} ${fundingCheckLine(e)}`,
  SLIPPAGE_ANALYSIS: (e) => (
    `SLIPPAGE_ANALYSIS ${e.pair} ${e.direction} detected=${formatPct(e.detectionSpread)}` +
    ` executed=${formatPct(e.executionSpread)} slippage=${e.slippageBps.toFixed(1)}bps`
  ),
};

/** One readable line per event, spreads as formatPct ('0.0600%') and money as formatUsd. */
export function describeEvent(e: TradingEvent): string {
  return (DESCRIBERS[e.type] as (event: TradingEvent) => string)(e);
}

/**
 * Logs a trading event: the readable line as the message, the event's fields as meta
 * (`event_type` as the original's tracing field, `time` in ms).
 */
export function logEvent(logger: Logger, event: TradingEvent): void {
  const level = eventLevel(event);
  // Monitoring events come every tick: skip building the line when the level is off.
  if (!logger.isLevelEnabled(level)) return;
  const { type, ...fields } = event;
  logger.log(level, describeEvent(event), { event_type: type, ...fields });
}
