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
import type { Side, VenueId } from '../venues/venue';
import { checkEntry, describeProblem, isTornLine, type JournalProblem } from './journal-schema';
import { StateFolder } from './journal-state';
import type { Exposure, LegFill, LegPlan, OpenPosition, PendingOrder } from './types';

export type { JournalProblem } from './journal-schema';
export { describeProblem } from './journal-schema';
export { deriveState } from './journal-state';

interface EntryBase<K extends string> {
  readonly kind: K;
  readonly pair: string;
  /** ms */
  readonly time: number;
}

/**
 * Both entry legs, signed and about to be sent (written after signing and before sending, one fsync
 * for both): each leg's client id and lookup ref find its order at the venue from a new process.
 */
export interface OpeningEntry extends EntryBase<'opening'> {
  readonly direction: Direction;
  readonly size: number;
  readonly detectedSpread: number;
  readonly long: LegPlan;
  readonly short: LegPlan;
  /** USD per USDC the entry is taken at (the position's `usdcUsd`), so a restart finishing it counts the same. Absent: 1. */
  readonly usdcUsd?: number;
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
/**
 * A reduce-only order about to be sent to unwind an excess entry leg (written before sending, like
 * close_order), so that a restart mid-unwind finds it at the venue and credits its fill.
 */
export interface UnwindOrderEntry extends EntryBase<'unwind_order'> {
  readonly leg: 'long' | 'short';
  readonly venue: VenueId;
  readonly symbol: string;
  readonly side: Side;
  readonly clientId: string;
  readonly lookupRef?: string;
  readonly size: number;
}
/** An excess leg was reduced (ok) or could not be (then an 'exposed' entry follows). */
export interface UnwoundEntry extends EntryBase<'unwound'> {
  readonly venue: Exposure['venue'];
  readonly symbol: string;
  /** Size that was to be unwound, as a holding (+ = selling a long excess). */
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
/**
 * A close order whose outcome stayed unknown although its leg reads flat: it filled (some of) the
 * `size` no recorded fill explains, at a price nobody has seen yet. Looked up later (fill_credited).
 */
export interface PendingFill {
  /** The trade it belongs to: the position's entry client ids, 'long/short'. */
  readonly trade: string;
  readonly leg: 'long' | 'short';
  readonly venue: VenueId;
  readonly symbol: string;
  readonly side: Side;
  readonly clientId: string;
  readonly lookupRef?: string;
  /** Base size closed at the venue that no recorded fill explains (shared by a leg's pending orders). */
  readonly size: number;
  /** The leg's entry price, for the PnL of the fill once it is found. */
  readonly entryPrice: number;
  /** USD per unit of the leg's quote currency (legs.ts `usdPerQuote`). Absent: 1. */
  readonly usdPerQuote?: number;
  /** The position's USD per USDC, for the fee of the fill once it is found. Absent: 1. */
  readonly usdcUsd?: number;
}
export interface ClosedEntry extends EntryBase<'closed'> {
  /** Realised PnL of the recorded fills; fills still pending are credited later (fill_credited). */
  readonly grossPnlUsd: number;
  readonly feesUsd: number;
  /** Close orders with unknown outcomes whose fills are still to be found and credited. */
  readonly pendingFills?: readonly PendingFill[];
}
/**
 * A fill found after its trade was closed (a later lookup, or after a restart) and credited to that
 * trade: its PnL and fee are added to the run's figures and loss limit. A fill found to be empty
 * (filledSize 0) only retires the pending order.
 */
export interface FillCreditedEntry extends EntryBase<'fill_credited'> {
  /** PendingFill.trade of the order. */
  readonly trade: string;
  readonly leg: 'long' | 'short';
  readonly fill: LegFill;
  readonly grossPnlUsd: number;
  readonly feesUsd: number;
  readonly reason: string;
}
/**
 * The position on record was closed outside the bot (by hand at the venues): an operator saw both legs read
 * flat and accepted it (`resume --pair P --accept-flat`). Its close PnL is unknown: it is in no PnL figure and
 * not in the loss budget, and is counted as a close of unknown PnL (JournalState.lossBudget.unknownCloses).
 */
export interface ClosedOutsideEntry extends EntryBase<'closed_outside'> {
  readonly direction: Direction;
  readonly size: number;
  readonly reason: string;
}
/** A close attempt gave up before both venues reported flat; the position is still (partly) open. */
export interface CloseFailedEntry extends EntryBase<'close_failed'> {
  readonly reason: string;
}
export interface HaltedEntry extends EntryBase<'halted'> {
  readonly reason: string;
  /** ms; absent = until an operator clears it. */
  readonly until?: number;
  /**
   * True for a halt while the start-up reconciliation waits for a venue it cannot read: it is retried
   * with backoff, and a restart retries it too instead of keeping the halt.
   */
  readonly reconcile?: boolean;
}
export interface ResumedEntry extends EntryBase<'resumed'> {
  /** True when an operator cleared the halt (acknowledging any recorded exposure and journal problems). */
  readonly operator: boolean;
  /**
   * True when the operator also started a new loss budget for this pair (`resume --reset-loss-budget`): its
   * realised net counts from this line's time again.
   */
  readonly resetLossBudget?: boolean;
}
/**
 * What the loss limit (risk.max_loss_usd) counted of one of this pair's events: domain/pnl.ts realisedNetDeltaUsd,
 * the figure the run summary sums. Written after the event (only when it moves the figure), so the budget is the
 * journal's, not a process's: a start adds up every pair's `netUsd` and begins its limit there.
 */
export interface RealisedEntry extends EntryBase<'realised'> {
  /** The TradingEvent type counted (ORDER_FILLED, POSITION_CLOSED, LEG_UNWOUND, FILL_CREDITED). */
  readonly event: string;
  readonly deltaUsd: number;
  /** This pair's realised net since `since`, this event included, USD. */
  readonly netUsd: number;
  /** ms; when this pair's budget began: its first counted event, or the operator's last reset. */
  readonly since: number;
  /** Positions closed outside the bot since `since` (PnL unknown); written when a rotation carries the budget over. */
  readonly unknownCloses?: number;
}
/**
 * What the process left at the venues when it exited without finishing (the shutdown grace ran out,
 * or a second Ctrl-C). Informational: the entries before it still say what to finish on restart.
 */
export interface ExitExposureEntry extends EntryBase<'exit_exposure'> {
  readonly exposure: readonly Exposure[];
  readonly pendingOrders: readonly PendingOrder[];
  readonly reason: string;
}

export type JournalEntry =
  | OpeningEntry
  | LegFilledEntry
  | OpenEntry
  | EntryFailedEntry
  | UnwindOrderEntry
  | UnwoundEntry
  | ExposedEntry
  | CloseArmedEntry
  | ClosingEntry
  | CloseOrderEntry
  | ClosedEntry
  | FillCreditedEntry
  | ClosedOutsideEntry
  | CloseFailedEntry
  | HaltedEntry
  | ResumedEntry
  | RealisedEntry
  | ExitExposureEntry;

export type JournalEntryKind = JournalEntry['kind'];

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
  /** Unwind fills seen since the last 'opening'. */
  readonly unwindFills: readonly LegFilledEntry[];
  /** Unwind orders sent since the last 'opening' whose fills are not journalled (phase 'opening'). */
  readonly pendingUnwindOrders: readonly UnwindOrderEntry[];
  /** Base size already closed per leg of the current position. */
  readonly closedSize: { readonly long: number; readonly short: number };
  /** The close-leg fills of the current position (for PnL after a restart mid-close). */
  readonly closeFills: readonly LegFilledEntry[];
  readonly exposure?: readonly Exposure[];
  /** The latest halt not followed by a resume. Whether it has expired is the caller's call (clock). */
  readonly halt?: { readonly reason: string; readonly until?: number; readonly time: number; readonly reconcile?: boolean };
  /** Close fills still to be found and credited to trades already closed (any phase). */
  readonly pendingFills: readonly PendingFill[];
  /** Lines of this pair (or of no pair) that are not what their kind requires, since the last operator resume. */
  readonly problems: readonly JournalProblem[];
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
  /**
   * What the loss limit counted of this pair since its budget began (`since`: its first counted event, or the
   * operator's last `resume --reset-loss-budget`; absent: nothing counted yet).
   */
  readonly lossBudget: {
    readonly netUsd: number;
    readonly since?: number;
    /** Positions closed outside the bot since the budget began: their PnL is unknown, so not in netUsd (absent: none). */
    readonly unknownCloses?: number;
  };
}

/** A line the reader skipped. A torn last write only; anything else is also a JournalProblem. */
export interface CorruptLine {
  /** 1-based line number in the file. */
  readonly line: number;
  readonly reason: string;
  /** The first characters of the line (never a secret: the journal holds none). */
  readonly excerpt: string;
}

export interface Journal {
  /** Appends and fsyncs (unless not durable) one entry; throws only when the disk write fails (the caller must then not act). */
  append(entry: JournalEntry): void;
  /**
   * The whole history, read back from the file (the journal keeps only per-pair state in memory,
   * so this costs a file read: for tools, tests and reports, not for the trading path).
   */
  entries(pair?: string): readonly JournalEntry[];
  lastState(pair: string): JournalState;
  /**
   * Entries held in memory: those since each pair's last terminal state (closed, entry_failed), less
   * the armed close sets a later one superseded, so a long hold does not grow it.
   */
  retainedEntries(): number;
  /** Lines the reader skipped at open (torn last line after a crash, hand edits). */
  readonly corruptLines: readonly CorruptLine[];
  /** Lines that are not what their kind requires (each halts its pair until an operator resumes it). */
  readonly problems: readonly JournalProblem[];
  readonly path: string;
  /** Where the history went when the journal was rotated at open (see OpenJournalOptions.rotateAboveBytes). */
  readonly rotatedTo?: string;
  /** Whether appends are fsynced (OpenJournalOptions.durable). */
  readonly durable: boolean;
  /**
   * Picks up what an operator appended from another process (the `resume` command: 'resumed' with
   * operator true) since the last look, folds it and returns it. Everything else in the file was
   * written by this process and is folded already. Cheap when nothing was appended (one fstat).
   */
  refresh(): readonly JournalEntry[];
  close(): void;
}

export interface OpenJournalOptions {
  /** Called once per skipped line at open; default: nothing (read `corruptLines`). */
  onCorruptLine?: (problem: CorruptLine) => void;
  /** Called once per malformed line at open, with describeProblem's text; default: nothing (read `problems`). */
  onProblem?: (problem: JournalProblem, text: string) => void;
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
  /**
   * fsync every append (and the file's creation). Default true. Only a replay passes false: it holds no
   * position anywhere, so nothing is lost in a crash that a re-run does not rebuild, and an fsync per
   * journal line was most of a replay's wall time. Every other line of the code path is the same.
   */
  durable?: boolean;
}

const DEFAULT_ROTATE_ABOVE_BYTES = 32 * 1024 * 1024;

/** The entries that carry a rotated journal's state: each pair's loss budget and halt still on record. */
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
    // Fills still to be credited are in flight too: they stay where their orders are recorded.
    if (state.phase !== 'flat' || state.pendingFills.length > 0) return undefined;
    const { netUsd, since, unknownCloses } = state.lossBudget;
    // The budget is the journal's: a rotation must not hand the next start a fresh one.
    if (since !== undefined) {
      carried.push({ kind: 'realised', pair, time: since, event: 'carried over', deltaUsd: 0, netUsd, since, ...(unknownCloses !== undefined ? { unknownCloses } : {}) });
    }
    const halt = state.halt;
    if (halt !== undefined) {
      carried.push({
        kind: 'halted',
        pair,
        time: halt.time,
        reason: halt.reason,
        ...(halt.until !== undefined ? { until: halt.until } : {}),
        ...(halt.reconcile ? { reconcile: true } : {}),
      });
    }
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

/**
 * Appends the whole line and makes it durable, or leaves the file as it was and throws. A full disk cuts a write
 * short without an error (the error comes with the next write): the part written is truncated away, or it would
 * stay as a torn line that the next append (once there is room) glues itself to, losing both.
 */
function appendWhole(fd: number, line: string, before: number, sync: (fd: number) => void): void {
  const bytes = Buffer.from(line, 'utf8');
  try {
    for (let at = 0; at < bytes.length; ) {
      const wrote = fs.writeSync(fd, bytes, at, bytes.length - at);
      if (!(wrote > 0)) throw new Error(`journal write made no progress at byte ${at} of ${bytes.length}`);
      at += wrote;
    }
    sync(fd);
  } catch (err) {
    try {
      fs.ftruncateSync(fd, before);
      sync(fd);
    } catch {
      // The file keeps the torn part; reading skips a torn line, and the next open starts on a new line.
    }
    throw err;
  }
}

export function openJournal(file: string, opts: OpenJournalOptions = {}): Journal {
  const existed = fs.existsSync(file);
  const { text, parsed, rotatedTo } = readAtOpen(file, existed, opts);
  if (!existed) fs.mkdirSync(path.dirname(file), { recursive: true });
  let fd: number | undefined = fs.openSync(file, 'a');
  const durable = opts.durable ?? true;
  const sync = durable ? (f: number) => fs.fsyncSync(f) : () => undefined;
  if (!existed && durable) fsyncDirectory(path.dirname(file));
  // A torn last line has no newline: start the next entry on its own line or it would be lost too.
  if (text.length > 0 && !text.endsWith('\n')) {
    fs.writeSync(fd, '\n');
    sync(fd);
  }
  // Where refresh() looks for lines another process appended.
  let scannedTo = fs.fstatSync(fd).size;
  /** This process's own 'resumed' lines written while another process's lines were still unread. */
  const ownPending = new Set<string>();
  const logs = new PairLogs(parsed.records);

  return {
    path: file,
    durable,
    corruptLines: parsed.corrupt,
    problems: parsed.problems,
    ...(rotatedTo !== undefined ? { rotatedTo } : {}),
    append(entry) {
      if (fd === undefined) throw new Error(`journal ${file} is closed`);
      const line = `${JSON.stringify(entry)}\n`;
      const before = fs.fstatSync(fd).size;
      appendWhole(fd, line, before, sync);
      logs.track(entry);
      // Our own lines are not another process's: refresh() must never hand this process's own 'resumed'
      // back as an operator's (it would clear a halt raised after it). Skipped by offset when nothing
      // foreign is pending, else remembered by text until refresh() reads past it.
      if (before === scannedTo) scannedTo = before + Buffer.byteLength(line);
      else if (entry.kind === 'resumed') ownPending.add(resumeKey(entry));
    },
    refresh() {
      if (fd === undefined) return [];
      const size = fs.fstatSync(fd).size;
      if (size <= scannedTo) return [];
      const read = operatorResumesSince(file, scannedTo, size);
      scannedTo = read.scannedTo;
      const foreign = read.resumes.filter((e) => !ownPending.delete(resumeKey(e)));
      for (const entry of foreign) logs.track(entry);
      return foreign;
    },
    entries(pair) {
      const all = parseJournal(fs.readFileSync(file, 'utf8'), file).entries;
      return pair === undefined ? all : all.filter((e) => e.pair === pair);
    },
    lastState(pair) {
      return logs.of(pair).folder.state();
    },
    retainedEntries() {
      return logs.retained();
    },
    close() {
      if (fd === undefined) return;
      fs.closeSync(fd);
      fd = undefined;
    },
  };
}

/** A resume's identity among the lines refresh() reads (one pair, one time, one operator flag). */
function resumeKey(e: { readonly pair: string; readonly time: number; readonly operator?: boolean }): string {
  return `${e.pair}\u0000${e.time}\u0000${e.operator === true}`;
}

/** Reads and parses the file at open (reporting its bad lines), rotating it first when it is large and nothing is in flight. */
function readAtOpen(file: string, existed: boolean, opts: OpenJournalOptions): { text: string; parsed: ParsedJournal; rotatedTo?: string } {
  const text = existed ? fs.readFileSync(file, 'utf8') : '';
  const parsed = parseJournal(text, file);
  for (const c of parsed.corrupt) opts.onCorruptLine?.(c);
  for (const p of parsed.problems) opts.onProblem?.(p, describeProblem(p));
  const rotateAbove = opts.rotateAboveBytes ?? DEFAULT_ROTATE_ABOVE_BYTES;
  if (!existed || rotateAbove <= 0 || parsed.corrupt.length > 0 || parsed.problems.length > 0 || Buffer.byteLength(text) <= rotateAbove) {
    return { text, parsed };
  }
  const carried = carriedOver(parsed.entries);
  if (carried === undefined) return { text, parsed };
  const stamp = new Date((opts.now ?? Date.now)()).toISOString().replace(/[:.]/g, '-');
  const archive = `${file.replace(/\.ndjson$/, '')}.${stamp}.ndjson`;
  const carriedText = carried.map((e) => `${JSON.stringify(e)}\n`).join('');
  try {
    rotateFile(file, archive, carriedText);
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
    return { text, parsed };
  }
  // The rotated journal holds only the carried-over entries: they are what is folded.
  return { text: carriedText, parsed: parseJournal(carriedText, file), rotatedTo: archive };
}

/** The operator resumes ('resumed', operator true) another process appended between `from` and `size`; only whole lines. */
function operatorResumesSince(file: string, from: number, size: number): { resumes: JournalEntry[]; scannedTo: number } {
  const bytes = Buffer.alloc(size - from);
  const rfd = fs.openSync(file, 'r');
  try {
    fs.readSync(rfd, bytes, 0, bytes.length, from);
  } finally {
    fs.closeSync(rfd);
  }
  // Only whole lines: a write in progress is read at the next look.
  const end = bytes.lastIndexOf(0x0a);
  if (end < 0) return { resumes: [], scannedTo: from };
  const resumes: JournalEntry[] = [];
  for (const raw of bytes.subarray(0, end).toString('utf8').split('\n')) {
    if (!raw.includes('"resumed"')) continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      continue;
    }
    const checked = checkEntry(value, 0, file);
    if (checked.ok && checked.entry.kind === 'resumed' && checked.entry.operator) resumes.push(checked.entry);
  }
  return { resumes, scannedTo: from + end + 1 };
}

interface PairLog {
  readonly folder: StateFolder;
  tail: JournalEntry[];
}

/**
 * Memory stays bounded however long the bot runs: per pair, the folded state plus the entries since
 * its last terminal state; the history lives in the file.
 */
class PairLogs {
  private readonly pairs = new Map<string, PairLog>();
  /** Problems of lines that name no pair concern every pair of the file. */
  private readonly orphanProblems: JournalProblem[] = [];

  constructor(records: readonly JournalRecord[]) {
    for (const record of records) {
      if (record.entry !== undefined) this.track(record.entry);
      else if (record.problem.pair !== undefined) this.of(record.problem.pair).folder.problem(record.problem);
      else {
        this.orphanProblems.push(record.problem);
        for (const log of this.pairs.values()) log.folder.problem(record.problem);
      }
    }
  }

  of(pair: string): PairLog {
    let log = this.pairs.get(pair);
    if (log === undefined) {
      log = { folder: new StateFolder(), tail: [] };
      for (const p of this.orphanProblems) log.folder.problem(p);
      this.pairs.set(pair, log);
    }
    return log;
  }

  track(entry: JournalEntry): void {
    const log = this.of(entry.pair);
    log.folder.apply(entry);
    if (entry.kind === 'closed' || entry.kind === 'closed_outside' || entry.kind === 'entry_failed') log.tail = [];
    else if (entry.kind === 'realised') {
      // Each counted event restates the running figure: only the latest matters.
      log.tail = log.tail.filter((e) => e.kind !== 'realised');
      log.tail.push(entry);
    } else if (entry.kind === 'close_armed') {
      // A later armed set supersedes the previous one: keep only the latest (they come every few seconds while holding).
      log.tail = log.tail.filter((e) => e.kind !== 'close_armed');
      log.tail.push(entry);
    } else log.tail.push(entry);
  }

  retained(): number {
    let n = 0;
    for (const log of this.pairs.values()) n += log.tail.length;
    return n;
  }
}

/** One usable line (possibly repaired: then it also has problems), or one the reader could not use. */
export type JournalRecord =
  | { readonly line: number; readonly entry: JournalEntry; readonly problem?: undefined }
  | { readonly line: number; readonly entry?: undefined; readonly problem: JournalProblem };

export interface ParsedJournal {
  /** Usable entries, in file order (repaired ones included). */
  readonly entries: JournalEntry[];
  /** Skipped lines (torn last writes, and every line that could not be used). */
  readonly corrupt: CorruptLine[];
  /** Malformed lines, repaired or not (each halts its pair). */
  readonly problems: JournalProblem[];
  /** Entries and problems in file order, for folding. */
  readonly records: JournalRecord[];
}

/** Parses NDJSON text; bad lines are returned in `corrupt` and `problems`, never thrown. */
export function parseJournal(text: string, file?: string): ParsedJournal {
  const entries: JournalEntry[] = [];
  const corrupt: CorruptLine[] = [];
  const problems: JournalProblem[] = [];
  const records: JournalRecord[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    if (raw.trim() === '') return;
    const line = i + 1;
    const skipped = (reason: string): void => {
      corrupt.push({ line, reason, excerpt: raw.slice(0, 80) });
    };
    const problem = (p: JournalProblem): void => {
      problems.push(p);
      records.push({ line, problem: p });
    };
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      if (isTornLine(raw, err)) {
        // A write cut short by a crash: nothing was acted on after it.
        skipped(i === lines.length - 1 ? 'torn last line (unterminated JSON)' : 'torn line (unterminated JSON, a write cut short)');
        return;
      }
      skipped('invalid JSON');
      problem({ line, ...(file !== undefined ? { file } : {}), field: '(line)', reason: 'is not valid JSON' });
      return;
    }
    const checked = checkEntry(value, line, file);
    for (const p of checked.problems) problem(p);
    if (!checked.ok) {
      skipped(checked.problems.map((p) => `${p.field} ${p.reason}`).join('; ') || 'not a journal entry');
      return;
    }
    entries.push(checked.entry);
    records.push({ line, entry: checked.entry });
  });
  return { entries, corrupt, problems, records };
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
