/**
 * Durable trade journal: every state change of the executor is appended here BEFORE the executor
 * acts on it, so a crash at any point leaves enough to reconcile against the venues on restart.
 * (The exit sends pre-armed close orders before writing 'closing'; their ids were made durable
 * when they were armed: see CloseArmedEntry.)
 *
 * Format: NDJSON, one entry per line, one file for all pairs (each entry carries `pair`), each
 * append written with writeSync and made durable with fsyncSync. Why this and not SQLite:
 * the access pattern is append-only and tiny (a few lines per trade), a human can read and grep
 * the file during an incident, and it needs no native module (better-sqlite3 would). The cost is
 * a torn last line if the process dies mid-write; the reader detects it, reports it and skips it.
 * In memory it keeps only each pair's folded state and its entries since the last terminal state;
 * `entries()` reads the history back from the file.
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
/**
 * The pre-signed close orders now armed, written when they are signed (prepareClose /
 * refreshPreparedClose), long before the exit. Each entry names the whole armed set; a later one
 * supersedes it (the executor drops a superseded order from memory, so it can never be sent).
 *
 * Why: "durable before acting" at exit time would put an fsync (≈1-4 ms) between the exit
 * decision and the orders. Instead the ids are made durable HERE, before they can be sent, and the
 * exit sends the armed orders first and journals 'closing' right after. A crash in that window
 * leaves phase 'open' with `armed` ids; restore() looks them up at the venues by client id and
 * reconciles with the venues' positions (a close that executed, fully or partly, is journalled
 * and finished; an unexplained difference halts). Orders that are NOT armed (signed on the spot,
 * retries) are still sent only after 'closing' is durable.
 */
/** Venue lookup references beside client ids (PreparedOrder.lookupRef: Vest's nonce), per leg. */
export interface LookupRefs {
  readonly long?: string;
  readonly short?: string;
}
export interface CloseArmedEntry extends EntryBase<'close_armed'> {
  readonly clientIds: { readonly long?: string; readonly short?: string };
  /** What finds each armed order at its venue from a new process (absent in older journals). */
  readonly lookupRefs?: LookupRefs;
  /** ms; the earliest validUntil of the armed orders (after it, none of them can execute). */
  readonly validUntil: number;
}
/** The closing legs are being sent (armed ones may already be in flight; see CloseArmedEntry). */
export interface ClosingEntry extends EntryBase<'closing'> {
  readonly clientIds: { readonly long: string; readonly short: string };
  readonly lookupRefs?: LookupRefs;
}
/**
 * A close order signed on the spot (a retry, or a leg without an armed order), written before it is
 * sent, so that a restart can look it up (and credit its fill) if the process dies before its fill
 * is journalled.
 */
export interface CloseOrderEntry extends EntryBase<'close_order'> {
  readonly leg: 'long' | 'short';
  readonly clientId: string;
  /** PreparedOrder.lookupRef (Vest: the nonce), when the venue needs one to find the order. */
  readonly lookupRef?: string;
}
/** A close order that was sent (or may have been) and whose fill is not journalled yet. */
export interface PendingCloseOrder {
  readonly clientId: string;
  readonly lookupRef?: string;
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
  | CloseArmedEntry
  | ClosingEntry
  | CloseOrderEntry
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
  'close_armed',
  'closing',
  'close_order',
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
  /** The latest armed close orders of the open position, until a 'closing' (phase 'open' only). */
  readonly armed?: CloseArmedEntry;
  /** The ids of the latest 'closing' (phase 'closing' only). */
  readonly closing?: ClosingEntry;
  /**
   * Close orders sent since the latest 'closing' (its armed ids, then each 'close_order') whose fills
   * are not journalled yet: after a crash mid-close, what may have executed unrecorded (phase 'closing' only).
   */
  readonly pendingCloseOrders?: { readonly long: readonly PendingCloseOrder[]; readonly short: readonly PendingCloseOrder[] };
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
  /**
   * The whole history, read back from the file (the journal keeps only per-pair state in memory,
   * so this costs a file read: for tools, tests and reports, not for the trading path).
   */
  entries(pair?: string): readonly JournalEntry[];
  lastState(pair: string): JournalState;
  /** Entries held in memory: those since each pair's last terminal state (closed, entry_failed). */
  retainedEntries(): number;
  /** Lines the reader skipped at open (torn last line after a crash, hand edits). */
  readonly corruptLines: readonly CorruptLine[];
  readonly path: string;
  /** Where the history went when the journal was rotated at open (see OpenJournalOptions.rotateAboveBytes). */
  readonly rotatedTo?: string;
  close(): void;
}

export interface OpenJournalOptions {
  /** Called once per skipped line at open; default: nothing (read `corruptLines`). */
  onCorruptLine?: (problem: CorruptLine) => void;
  /**
   * Rotate at open when the file is larger than this many bytes and nothing in it is in flight:
   * every pair flat (no position, no unfinished entry, no recorded exposure) and no corrupt line.
   * The history moves to `<name>.<UTC time>.ndjson` beside it and the journal restarts with only the
   * halts still on record, so a bot that runs for months neither reads nor parses its whole history
   * at every start. A journal with anything in flight is never rotated. Default 32 MiB; 0 = never.
   */
  rotateAboveBytes?: number;
  /** Clock for the archive name; default Date.now. */
  now?: () => number;
}

const DEFAULT_ROTATE_ABOVE_BYTES = 32 * 1024 * 1024;

/** The entries that carry a rotated journal's state: each pair's halt still on record. */
function carriedOver(entries: readonly JournalEntry[]): JournalEntry[] | undefined {
  const folders = new Map<string, StateFolder>();
  for (const e of entries) {
    let folder = folders.get(e.pair);
    if (folder === undefined) folders.set(e.pair, (folder = new StateFolder()));
    folder.apply(e);
  }
  const carried: JournalEntry[] = [];
  for (const [pair, folder] of folders) {
    const state = folder.state();
    if (state.phase !== 'flat') return undefined;
    const halt = state.halt;
    if (halt !== undefined) carried.push({ kind: 'halted', pair, time: halt.time, reason: halt.reason, ...(halt.until !== undefined ? { until: halt.until } : {}) });
  }
  return carried;
}

/**
 * Replaces `file` by `text` atomically, keeping the old content as `archive` (a hard link: at no
 * moment is there no journal at `file`).
 */
function rotateFile(file: string, archive: string, text: string): void {
  const next = `${file}.rotating`;
  const fd = fs.openSync(next, 'w');
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.linkSync(file, archive);
  fs.renameSync(next, file);
  fsyncDirectory(path.dirname(file));
}

export function openJournal(file: string, opts: OpenJournalOptions = {}): Journal {
  const existed = fs.existsSync(file);
  let text = existed ? fs.readFileSync(file, 'utf8') : '';
  const parsed = parseJournal(text);
  let entries = parsed.entries;
  const corrupt = parsed.corrupt;
  for (const c of corrupt) opts.onCorruptLine?.(c);

  let rotatedTo: string | undefined;
  const rotateAbove = opts.rotateAboveBytes ?? DEFAULT_ROTATE_ABOVE_BYTES;
  if (existed && rotateAbove > 0 && corrupt.length === 0 && Buffer.byteLength(text) > rotateAbove) {
    const carried = carriedOver(entries);
    if (carried !== undefined) {
      const stamp = new Date((opts.now ?? Date.now)()).toISOString().replace(/[:.]/g, '-');
      const archive = `${file.replace(/\.ndjson$/, '')}.${stamp}.ndjson`;
      const carriedText = carried.map((e) => `${JSON.stringify(e)}\n`).join('');
      try {
        rotateFile(file, archive, carriedText);
        text = carriedText;
        entries = carried;
        rotatedTo = archive;
      } catch {
        // Rotation is housekeeping: on any failure the journal stays whole where it was (the old
        // content is still at `file` until the final rename), and the bot starts on it.
        fs.rmSync(`${file}.rotating`, { force: true });
        try {
          // A link made before the failure would mirror every later append: drop it.
          if (fs.statSync(archive).ino === fs.statSync(file).ino) fs.unlinkSync(archive);
        } catch {
          // no link was made
        }
      }
    }
  }

  if (!existed) fs.mkdirSync(path.dirname(file), { recursive: true });
  let fd: number | undefined = fs.openSync(file, 'a');
  if (!existed) fsyncDirectory(path.dirname(file));
  // A torn last line has no newline: start the next entry on its own line or it would be lost too.
  if (text.length > 0 && !text.endsWith('\n')) {
    fs.writeSync(fd, '\n');
    fs.fsyncSync(fd);
  }

  // Memory stays bounded however long the bot runs: per pair, the folded state plus the entries
  // since its last terminal state; the history lives in the file.
  const pairs = new Map<string, PairLog>();
  const track = (entry: JournalEntry): void => {
    let log = pairs.get(entry.pair);
    if (log === undefined) {
      log = { folder: new StateFolder(), tail: [] };
      pairs.set(entry.pair, log);
    }
    log.folder.apply(entry);
    if (entry.kind === 'closed' || entry.kind === 'entry_failed') log.tail = [];
    else log.tail.push(entry);
  };
  for (const e of entries) track(e);

  return {
    path: file,
    corruptLines: corrupt,
    ...(rotatedTo !== undefined ? { rotatedTo } : {}),
    append(entry) {
      if (fd === undefined) throw new Error(`journal ${file} is closed`);
      const line = `${JSON.stringify(entry)}\n`;
      fs.writeSync(fd, line);
      fs.fsyncSync(fd);
      track(entry);
    },
    entries(pair) {
      const all = parseJournal(fs.readFileSync(file, 'utf8')).entries;
      return pair === undefined ? all : all.filter((e) => e.pair === pair);
    },
    lastState(pair) {
      return pairs.get(pair)?.folder.state() ?? new StateFolder().state();
    },
    retainedEntries() {
      let n = 0;
      for (const log of pairs.values()) n += log.tail.length;
      return n;
    },
    close() {
      if (fd === undefined) return;
      fs.closeSync(fd);
      fd = undefined;
    },
  };
}

interface PairLog {
  readonly folder: StateFolder;
  tail: JournalEntry[];
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
  const folder = new StateFolder();
  for (const e of entries) if (e.pair === pair) folder.apply(e);
  return folder.state();
}

/** One pair's state, folded one entry at a time (the open journal keeps one per pair). */
class StateFolder {
  private phase: JournalState['phase'] = 'flat';
  private position: OpenPosition | undefined;
  private opening: OpeningEntry | undefined;
  private openingFills: LegFilledEntry[] = [];
  private closedLong = 0;
  private closedShort = 0;
  private closeFills: LegFilledEntry[] = [];
  private exposure: readonly Exposure[] | undefined;
  private halt: JournalState['halt'];
  private armed: CloseArmedEntry | undefined;
  private closing: ClosingEntry | undefined;
  private pending: { long: PendingCloseOrder[]; short: PendingCloseOrder[] } = { long: [], short: [] };
  private lastEntryAt: number | undefined;

  /** Forgets everything about closing a position: a new one starts, or the last one ended. */
  private clearClose(): void {
    this.closedLong = 0;
    this.closedShort = 0;
    this.closeFills = [];
    this.armed = undefined;
    this.closing = undefined;
    this.pending = { long: [], short: [] };
  }

  apply(e: JournalEntry): void {
    this.lastEntryAt = e.time;
    switch (e.kind) {
      case 'opening':
        this.phase = 'opening';
        this.opening = e;
        this.openingFills = [];
        this.position = undefined;
        this.exposure = undefined;
        this.clearClose();
        break;
      case 'leg_filled':
        if (e.phase === 'close') {
          this.pending[e.leg] = this.pending[e.leg].filter((o) => o.clientId !== e.fill.clientId);
          this.closeFills.push(e);
          if (e.leg === 'long') this.closedLong += e.fill.filledSize;
          else this.closedShort += e.fill.filledSize;
        } else if (e.phase === 'open') {
          this.openingFills.push(e);
        }
        break;
      case 'open':
        this.phase = 'open';
        this.position = e.position;
        this.opening = undefined;
        this.clearClose();
        break;
      case 'entry_failed':
        this.phase = 'flat';
        this.opening = undefined;
        this.position = undefined;
        break;
      case 'unwound':
        break;
      case 'exposed':
        this.phase = 'exposed';
        this.exposure = e.exposure;
        this.opening = undefined;
        break;
      case 'close_armed':
        this.armed = e;
        break;
      case 'closing':
        this.phase = 'closing';
        this.armed = undefined;
        this.closing = e;
        this.pending = { long: [], short: [] };
        for (const leg of ['long', 'short'] as const) {
          const clientId = e.clientIds[leg];
          const lookupRef = e.lookupRefs?.[leg];
          if (clientId) this.pending[leg].push({ clientId, ...(lookupRef !== undefined ? { lookupRef } : {}) });
        }
        break;
      case 'close_order':
        if (e.leg === 'long' || e.leg === 'short') {
          this.pending[e.leg].push({ clientId: e.clientId, ...(e.lookupRef !== undefined ? { lookupRef: e.lookupRef } : {}) });
        }
        break;
      case 'close_failed':
        // Still (partly) open: the next close resumes from the closed sizes.
        break;
      case 'closed':
        this.phase = 'flat';
        this.position = undefined;
        this.clearClose();
        break;
      case 'halted':
        this.halt = { reason: e.reason, time: e.time, ...(e.until !== undefined ? { until: e.until } : {}) };
        break;
      case 'resumed':
        this.halt = undefined;
        if (e.operator && this.phase === 'exposed') {
          // The operator acknowledged the exposure; a restore compares the venues against 'flat' again.
          this.phase = 'flat';
          this.exposure = undefined;
          this.position = undefined;
        }
        break;
    }
  }

  state(): JournalState {
    const { phase, position, opening, exposure, halt, armed, closing, lastEntryAt } = this;
    return {
      phase,
      openingFills: [...this.openingFills],
      closedSize: { long: this.closedLong, short: this.closedShort },
      closeFills: [...this.closeFills],
      ...(position !== undefined ? { position } : {}),
      ...(opening !== undefined ? { opening } : {}),
      ...(exposure !== undefined ? { exposure } : {}),
      ...(halt !== undefined ? { halt } : {}),
      ...(armed !== undefined && phase === 'open' ? { armed } : {}),
      ...(closing !== undefined && phase === 'closing' ? { closing, pendingCloseOrders: { long: [...this.pending.long], short: [...this.pending.short] } } : {}),
      ...(lastEntryAt !== undefined ? { lastEntryAt } : {}),
    };
  }
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
