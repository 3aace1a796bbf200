/**
 * The live status block of a run: one line per pair (status-layout.ts), kept at the bottom of a
 * terminal and redrawn in place, or written as timestamped `[status]` lines where there is no terminal.
 *
 * The in-place redraw is log-update 4: it wraps what it draws at the terminal's width and erases by the
 * rows that took, so a line that did wrap never leaves a copy behind (a redraw that counted lines, not
 * rows, flooded an 80-column screen). The layout already fits the width, so nothing wraps in practice.
 * On a resize the terminal may already have re-wrapped the old block (most do when narrowed), which
 * log-update cannot know: the block is erased by the rows it takes at the new width, then redrawn.
 */
import ansiEscapes from 'ansi-escapes';
import logUpdate from 'log-update';
import stringWidth from 'string-width';
import type { TradingEvent } from '../domain/events';
import { eventLevel } from '../logging/logger';
import { venueSymbol, type VenueId } from '../domain/market';
import { emptyBoard, reduceStatus, type PairStatus, type StatusBoard } from './status';
import { pairStatusLines, type FeedView, type PairView } from './status-layout';

/** Where the status goes: a terminal (process.stdout) or any writable (a pipe, a file, a test). */
export interface StatusOut {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
  readonly rows?: number;
  on?(event: 'resize', listener: () => void): unknown;
  off?(event: 'resize', listener: () => void): unknown;
}

export interface StatusDisplayOptions {
  readonly out: StatusOut;
  readonly pairs: readonly PairView[];
  /** Wall clock, ms (timestamps, halt countdowns). */
  readonly now?: () => number;
  /** Redraw period on a terminal, ms. Default 250. */
  readonly ttyIntervalMs?: number;
  /** Period of `[status]` lines without a terminal, ms. Default 5000. */
  readonly plainIntervalMs?: number;
}

export interface StatusDisplay {
  /** Folds an event into the board; the next draw shows it. */
  update(event: TradingEvent): void;
  /** Prints a line above the status block (events, notices); the block is drawn again below it. */
  print(text: string): void;
  /** Draws the status now. */
  render(): void;
  /** The lines the status would show now at `width` (no terminal: Infinity). */
  lines(width: number): string[];
  /** Stops redrawing and leaves the last status on screen (without a terminal: writes it once more). Idempotent. */
  close(): void;
}

const LEVELS = ['error', 'warn', 'info', 'debug'];

/**
 * Whether an event gets an `[event]` line on the console: `--log-level` governs the console as it does
 * bot.log (`warn` shows warnings and errors only). Spread samples never do: the status line shows them.
 */
export function eventOnConsole(event: TradingEvent, logLevel: string): boolean {
  if (event.type === 'SPREAD_MONITORING') return false;
  const limit = LEVELS.indexOf(logLevel);
  return LEVELS.indexOf(eventLevel(event)) <= (limit < 0 ? LEVELS.indexOf('info') : limit);
}

/** The time of day of `ms` as `[event]` and `[status]` lines show it: HH:MM:SS.mmm, UTC. */
export function clockTime(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}

const DEFAULT_COLUMNS = 80;

export function createStatusDisplay(opts: StatusDisplayOptions): StatusDisplay {
  const { out, pairs } = opts;
  const now = opts.now ?? Date.now;
  const tty = out.isTTY === true;
  const board: StatusBoard = emptyBoard(pairs.map((p) => p.pair));
  // log-update only writes to the stream it is given; the cursor stays visible (nothing to restore after kill -9).
  const redraw = tty ? logUpdate.create(out as NodeJS.WritableStream, { showCursor: true }) : undefined;
  let drawn: string[] = [];
  let closed = false;

  const lines = (width: number): string[] =>
    pairs.flatMap((view) => {
      const s = board.pairs.get(view.pair)!;
      return pairStatusLines(s, view, feedsOf(board, view, s), { width, now: now() });
    });

  const columns = () => (out.columns !== undefined && out.columns > 0 ? out.columns : DEFAULT_COLUMNS);

  const render = () => {
    if (closed) return;
    if (redraw) {
      drawn = lines(columns());
      redraw(drawn.join('\n'));
    } else {
      const stamp = clockTime(now());
      out.write(lines(Infinity).map((l) => `[status] ${stamp} ${l}`).join('\n') + '\n');
    }
  };

  const onResize = () => {
    if (!redraw || closed) return;
    // Rows the old block takes now, if the terminal re-wrapped it to the new width (+1: the cursor's row).
    const width = columns();
    const rows = drawn.reduce((n, l) => n + Math.max(1, Math.ceil(stringWidth(l) / width)), 0);
    redraw.done();
    out.write(ansiEscapes.eraseLines(rows + 1));
    render();
  };

  const timer = setInterval(render, tty ? (opts.ttyIntervalMs ?? 250) : (opts.plainIntervalMs ?? 5_000));
  timer.unref();
  if (tty) out.on?.('resize', onResize);

  return {
    update: (event) => void reduceStatus(board, event),
    print: (text) => {
      if (redraw && !closed) {
        redraw.clear();
        out.write(`${text}\n`);
        render();
      } else out.write(`${text}\n`);
    },
    render,
    lines,
    close: () => {
      if (closed) return;
      clearInterval(timer);
      if (tty) out.off?.('resize', onResize);
      // A log read later ends with the last state, whatever the period left out.
      render();
      redraw?.done();
      closed = true;
    },
  };
}

function feedsOf(board: StatusBoard, view: PairView, s: PairStatus): FeedView[] {
  const feed = (venue: VenueId, ageMs: number | undefined): FeedView => {
    const health = board.feeds.get(`${venue}:${venueSymbol(venue, view.pair)}`);
    return { venue, ageMs, stale: health?.stale ?? false, resyncs: health?.resyncs ?? 0, reconnects: health?.reconnects ?? 0 };
  };
  return [feed(view.dexA, s.bookAgeAMs), feed(view.dexB, s.bookAgeBMs)];
}
