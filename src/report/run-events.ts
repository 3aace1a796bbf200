/**
 * What a run does with every event of the bot stream, in order: fold it into the run record, write its
 * events.ndjson line (through the outputs' secrets filter), log it to bot.log, update the status, print
 * it on the console when the log level says so, and hand it to the embedding caller.
 *
 * Off the stream's path: `add` only queues the event; the queue is handled on the next turn of the event
 * loop (setImmediate), in order, or at once by `flush`. The handling is synchronous work (a TRADE_EXIT
 * costs ~0.05 ms warm and several times that cold: a JSON line through six redaction patterns, a winston
 * line, the status board), and the exit monitor emits TRADE_EXIT in the very turn that hands the close
 * orders to the venue clients, whose HTTP requests reach their sockets only at the end of that turn.
 * Handled inline, it sat between the exit decision and the orders' bytes.
 */
import type { TradingEvent } from '../domain/events';
import { describeEvent, logEvent, type Logger } from '../logging/logger';
import type { TextOutput } from '../logging/output';
import type { RunRecord } from './run-record';
import { clockTime, eventOnConsole, type StatusDisplay } from './status-display';

export interface RunEventParts {
  readonly record: RunRecord;
  /** events.ndjson: one JSON line per event. */
  readonly events: TextOutput;
  readonly logger: Logger;
  readonly display?: StatusDisplay;
  /** `[event]` lines for the console (above the status block), filtered by `logLevel`. */
  readonly console?: { readonly print: (text: string) => void; readonly logLevel: string };
  /** The embedding caller's callback (RunOptions.onEvent). */
  readonly onEvent?: (event: TradingEvent) => void;
}

export interface RunEventSink {
  /** Queues an event; it is handled on the next turn of the event loop. */
  add(event: TradingEvent): void;
  /** Handles every queued event now (at the end of the stream, before the summary is read). */
  flush(): void;
  /** Events queued and not handled yet. */
  readonly pending: number;
}

/** One event as the run handles it. */
export function handleRunEvent(parts: RunEventParts, event: TradingEvent): void {
  parts.record.add(event);
  parts.events.write(`${JSON.stringify(event)}\n`);
  logEvent(parts.logger, event);
  parts.display?.update(event);
  parts.onEvent?.(event);
  if (parts.console !== undefined && eventOnConsole(event, parts.console.logLevel)) {
    parts.console.print(`[event] ${clockTime(event.time)} ${describeEvent(event)}`);
  }
}

/** `defer` runs the queue later; default setImmediate (tests may pass their own). */
export function createRunEventSink(parts: RunEventParts, defer: (run: () => void) => void = (run) => void setImmediate(run)): RunEventSink {
  let queue: TradingEvent[] = [];
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      for (let i = 0; i < batch.length; i++) {
        try {
          handleRunEvent(parts, batch[i]!);
        } catch (error) {
          // The rest stays queued for the next turn; the error goes on as an inline subscriber's would.
          queue = [...batch.slice(i + 1), ...queue];
          if (queue.length > 0 && !scheduled) {
            scheduled = true;
            defer(flush);
          }
          throw error;
        }
      }
    }
  };
  return {
    add(event) {
      queue.push(event);
      if (scheduled) return;
      scheduled = true;
      defer(flush);
    },
    flush,
    get pending() {
      return queue.length;
    },
  };
}
