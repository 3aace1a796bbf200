/**
 * Durable trade journal: every state change of the executor is appended here BEFORE the executor
 * acts on it, so a crash at any point leaves enough to reconcile against the venues on restart.
 *
 * Format: NDJSON, one entry per line, one file for all pairs (each entry carries `pair`), each
 * append written with writeSync and made durable with fsyncSync. Why this and not SQLite:
 * the access pattern is append-only and tiny (a few lines per trade), a human can read and grep
 * the file during an incident, and it needs no native module (better-sqlite3 would). The cost is
 * a torn last line if the process dies mid-write; the reader detects it, reports it and skips it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Direction } from '../domain/spread';
import type { Exposure, LegFill, LegPlan, OpenPosition } from './types';

interface EntryBase<K extends string> {
  readonly kind: K;
  readonly pair: string;
  /** ms */
  readonly time: number;
}

/** About to send both entry legs (written before sending). */
export interface OpeningEntry extends EntryBase<'opening'> {
  readonly direction: Direction;
  readonly size: number;
  readonly detectedSpread: number;
  readonly long: LegPlan;
  readonly short: LegPlan;
}
/** An order's outcome as reconciled (entry, unwind or close leg). */
export interface LegFilledEntry extends EntryBase<'leg_filled'> {
  readonly phase: 'open' | 'unwind' | 'close';
  readonly leg: 'long' | 'short';
  readonly fill: LegFill;
}
/** Both legs hedged: the position to monitor. */
export interface OpenEntry extends EntryBase<'open'> {
  readonly position: OpenPosition;
}
/** The entry ended with no position (nothing filled, or everything unwound). */
export interface EntryFailedEntry extends EntryBase<'entry_failed'> {
  readonly reason: string;
}
/** An excess leg was reduced (ok) or could not be (then an 'exposed' entry follows). */
export interface UnwoundEntry extends EntryBase<'unwound'> {
  readonly venue: Exposure['venue'];
  readonly symbol: string;
  /** Signed size that was to be unwound (+ = selling a long excess). */
  readonly size: number;
  readonly unwoundSize: number;
  readonly ok: boolean;
  readonly reason: string;
}
/** Holdings the executor could not flatten or hedge; kept until an operator clears the halt. */
export interface ExposedEntry extends EntryBase<'exposed'> {
  readonly exposure: readonly Exposure[];
  readonly reason: string;
}
/** About to send the closing legs. */
export interface ClosingEntry extends EntryBase<'closing'> {
  readonly clientIds: { readonly long: string; readonly short: string };
}
export interface ClosedEntry extends EntryBase<'closed'> {
  readonly grossPnlUsd: number;
  readonly feesUsd: number;
}
/** A close attempt gave up before both venues reported flat; the position is still (partly) open. */
export interface CloseFailedEntry extends EntryBase<'close_failed'> {
  readonly reason: string;
}
export interface HaltedEntry extends EntryBase<'halted'> {
  readonly reason: string;
  /** ms; absent = until an operator clears it. */
  readonly until?: number;
}
export interface ResumedEntry extends EntryBase<'resumed'> {
  /** True when an operator cleared the halt (acknowledging any recorded exposure). */
  readonly operator: boolean;
}

export type JournalEntry =
  | OpeningEntry
  | LegFilledEntry
  | OpenEntry
  | EntryFailedEntry
  | UnwoundEntry
  | ExposedEntry
  | ClosingEntry
  | ClosedEntry
  | CloseFailedEntry
  | HaltedEntry
  | ResumedEntry;

export type JournalEntryKind = JournalEntry['kind'];

const KINDS: ReadonlySet<string> = new Set<JournalEntryKind>([
  'opening',
  'leg_filled',
  'open',
  'entry_failed',
  'unwound',
  'exposed',
  'closing',
  'closed',
  'close_failed',
  'halted',
  'resumed',
]);

/** What the journal says about one pair, derived from its entries in order. */
export interface JournalState {
  /**
   * flat: no position. opening: entry legs were sent and never concluded (crash mid-entry).
   * open: hedged position. closing: close started and not confirmed flat. exposed: unhedged holdings.
   */
  readonly phase: 'flat' | 'opening' | 'open' | 'closing' | 'exposed';
  readonly position?: OpenPosition;
  /** The unfinished entry, in phase 'opening'. */
  readonly opening?: OpeningEntry;
  /** Entry leg fills seen since the last 'opening'. */
  readonly openingFills: readonly LegFilledEntry[];
  /** Base size already closed per leg of the current position. */
  readonly closedSize: { readonly long: number; readonly short: number };
  /** The close-leg fills of the current position (for PnL after a restart mid-close). */
  readonly closeFills: readonly LegFilledEntry[];
  readonly exposure?: readonly Exposure[];
  /** The latest halt not followed by a resume. Whether it has expired is the caller's call (clock). */
  readonly halt?: { readonly reason: string; readonly until?: number; readonly time: number };
  readonly lastEntryAt?: number;
}

export interface CorruptLine {
  /** 1-based line number in the file. */
  readonly line: number;
  readonly reason: string;
  /** The first characters of the line (never a secret: the journal holds none). */
  readonly excerpt: string;
}

export interface Journal {
  /** Appends and fsyncs one entry; throws only when the disk write fails (the caller must then not act). */
  append(entry: JournalEntry): void;
  entries(pair?: string): readonly JournalEntry[];
  lastState(pair: string): JournalState;
  /** Lines the reader skipped at open (torn last line after a crash, hand edits). */
  readonly corruptLines: readonly CorruptLine[];
  readonly path: string;
  close(): void;
}

export interface OpenJournalOptions {
  /** Called once per skipped line at open; default: nothing (read `corruptLines`). */
  onCorruptLine?: (problem: CorruptLine) => void;
}

export function openJournal(file: string, opts: OpenJournalOptions = {}): Journal {
  const existed = fs.existsSync(file);
  const text = existed ? fs.readFileSync(file, 'utf8') : '';
  const { entries, corrupt } = parseJournal(text);
  for (const c of corrupt) opts.onCorruptLine?.(c);

  if (!existed) fs.mkdirSync(path.dirname(file), { recursive: true });
  let fd: number | undefined = fs.openSync(file, 'a');
  if (!existed) fsyncDirectory(path.dirname(file));
  // A torn last line has no newline: start the next entry on its own line or it would be lost too.
  if (text.length > 0 && !text.endsWith('\n')) {
    fs.writeSync(fd, '\n');
    fs.fsyncSync(fd);
  }

  const all: JournalEntry[] = [...entries];
  return {
    path: file,
    corruptLines: corrupt,
    append(entry) {
      if (fd === undefined) throw new Error(`journal ${file} is closed`);
      const line = `${JSON.stringify(entry)}\n`;
      fs.writeSync(fd, line);
      fs.fsyncSync(fd);
      all.push(entry);
    },
    entries(pair) {
      return pair === undefined ? [...all] : all.filter((e) => e.pair === pair);
    },
    lastState(pair) {
      return deriveState(all, pair);
    },
    close() {
      if (fd === undefined) return;
      fs.closeSync(fd);
      fd = undefined;
    },
  };
}

/** Parses NDJSON text; bad lines are returned in `corrupt`, never thrown. */
export function parseJournal(text: string): { entries: JournalEntry[]; corrupt: CorruptLine[] } {
  const entries: JournalEntry[] = [];
  const corrupt: CorruptLine[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    if (raw.trim() === '') return;
    const problem = (reason: string): void => {
      corrupt.push({ line: i + 1, reason, excerpt: raw.slice(0, 80) });
    };
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      problem(i === lines.length - 1 ? 'torn last line (unterminated JSON)' : 'invalid JSON');
      return;
    }
    if (!isEntry(value)) {
      problem('not a journal entry (needs kind, pair, time)');
      return;
    }
    entries.push(value);
  });
  return { entries, corrupt };
}

function isEntry(v: unknown): v is JournalEntry {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.kind === 'string' && KINDS.has(o.kind) && typeof o.pair === 'string' && typeof o.time === 'number';
}

/** Folds a pair's entries into its current state. Pure, so restore logic can be tested without files. */
export function deriveState(entries: readonly JournalEntry[], pair: string): JournalState {
  let phase: JournalState['phase'] = 'flat';
  let position: OpenPosition | undefined;
  let opening: OpeningEntry | undefined;
  let openingFills: LegFilledEntry[] = [];
  let closedLong = 0;
  let closedShort = 0;
  let closeFills: LegFilledEntry[] = [];
  let exposure: readonly Exposure[] | undefined;
  let halt: JournalState['halt'];
  let lastEntryAt: number | undefined;

  for (const e of entries) {
    if (e.pair !== pair) continue;
    lastEntryAt = e.time;
    switch (e.kind) {
      case 'opening':
        phase = 'opening';
        opening = e;
        openingFills = [];
        position = undefined;
        exposure = undefined;
        break;
      case 'leg_filled':
        if (e.phase === 'close') {
          closeFills.push(e);
          if (e.leg === 'long') closedLong += e.fill.filledSize;
          else closedShort += e.fill.filledSize;
        } else if (e.phase === 'open') {
          openingFills.push(e);
        }
        break;
      case 'open':
        phase = 'open';
        position = e.position;
        opening = undefined;
        closedLong = 0;
        closedShort = 0;
        closeFills = [];
        break;
      case 'entry_failed':
        phase = 'flat';
        opening = undefined;
        position = undefined;
        break;
      case 'unwound':
        break;
      case 'exposed':
        phase = 'exposed';
        exposure = e.exposure;
        opening = undefined;
        break;
      case 'closing':
        phase = 'closing';
        break;
      case 'close_failed':
        // Still (partly) open: the next close resumes from the closed sizes.
        break;
      case 'closed':
        phase = 'flat';
        position = undefined;
        closedLong = 0;
        closedShort = 0;
        closeFills = [];
        break;
      case 'halted':
        halt = { reason: e.reason, time: e.time, ...(e.until !== undefined ? { until: e.until } : {}) };
        break;
      case 'resumed':
        halt = undefined;
        if (e.operator && phase === 'exposed') {
          // The operator acknowledged the exposure; a restore compares the venues against 'flat' again.
          phase = 'flat';
          exposure = undefined;
          position = undefined;
        }
        break;
    }
  }
  return {
    phase,
    openingFills,
    closedSize: { long: closedLong, short: closedShort },
    closeFills,
    ...(position !== undefined ? { position } : {}),
    ...(opening !== undefined ? { opening } : {}),
    ...(exposure !== undefined ? { exposure } : {}),
    ...(halt !== undefined ? { halt } : {}),
    ...(lastEntryAt !== undefined ? { lastEntryAt } : {}),
  };
}

/** Makes a newly created file's directory entry durable (Linux); harmless where unsupported. */
function fsyncDirectory(dir: string): void {
  let dfd: number | undefined;
  try {
    dfd = fs.openSync(dir, 'r');
    fs.fsyncSync(dfd);
  } catch {
    // Windows cannot fsync a directory; the file's own fsync still holds its content.
  } finally {
    if (dfd !== undefined) fs.closeSync(dfd);
  }
}
