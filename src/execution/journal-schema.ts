/**
 * What a journal line must hold, per entry kind, and how a line that does not is reported.
 *
 * The journal is read back at every start, and what it says decides which positions are monitored.
 * A line that is not what its kind requires (a hand edit, a bug in an older version, disk damage) must
 * neither be silently skipped (a position would be forgotten) nor stop the bot (every pair would stop
 * with it). So each line is checked against its kind's schema (zod: the project's validation library,
 * already used for the config), and a bad one becomes a `JournalProblem` naming the file, line and
 * field: the pair it belongs to is halted until an operator clears it, and what can be rebuilt from
 * the rest of the line is kept (an `open` entry without its entry spread is repaired from its entry
 * prices, so the position is still monitored).
 *
 * A torn last line (the process died mid-write: the line is a prefix of a JSON object) is not a
 * problem: nothing was acted on after a write that never completed.
 */
import { z } from 'zod';
import { spreadPct } from '../domain/spread';
import type { JournalEntry, JournalEntryKind } from './journal';

/** One journal line that is not what its kind requires. */
export interface JournalProblem {
  /** The journal file, when known. */
  readonly file?: string;
  /** 1-based line number. */
  readonly line: number;
  /** The pair the line names, when it names one (else the problem concerns every pair in the file). */
  readonly pair?: string;
  /** The entry kind the line names, when it names a known one. */
  readonly kind?: string;
  /** The offending field, as a path ('position.entrySpread'); '(line)' when the line is not an object. */
  readonly field: string;
  readonly reason: string;
  /** What was done instead; absent when the line was not used at all. */
  readonly repaired?: string;
}

/** `journal/btc.ndjson:4: 'open' entry: position.entrySpread is missing (recomputed from the entry prices: 0.2900 %)` */
export function describeProblem(p: JournalProblem): string {
  const where = `${p.file ?? 'journal'}:${p.line}`;
  const what = p.kind !== undefined ? `'${p.kind}' entry: ` : '';
  return `${where}: ${what}${p.field} ${p.reason}${p.repaired !== undefined ? ` (${p.repaired})` : ' (line not used)'}`;
}

// zod 4 numbers refuse NaN and ±Infinity already.
const num = z.number({ error: 'must be a number' });
const str = z.string({ error: 'must be a string' });
const bool = z.boolean({ error: 'must be true or false' });
const venue = z.enum(['vest', 'paradex'], { error: "must be 'vest' or 'paradex'" });
const side = z.enum(['BUY', 'SELL'], { error: "must be 'BUY' or 'SELL'" });
const legKey = z.enum(['long', 'short'], { error: "must be 'long' or 'short'" });
const direction = z.enum(['AOverB', 'BOverA'], { error: "must be 'AOverB' or 'BOverA'" });
// Loose objects: fields written by a newer version are kept, not refused.
const obj = z.looseObject;

const legPlan = obj({ venue, symbol: str, side, clientId: str, size: num, priceCap: num, lookupRef: str.optional() });
const legFill = obj({
  venue,
  symbol: str,
  side,
  clientId: str,
  requestedSize: num,
  filledSize: num,
  avgPrice: num.optional(),
  feeUsd: num,
  reason: str.optional(),
  unresolved: bool.optional(),
  priceEstimated: bool.optional(),
  lookupRef: str.optional(),
});
const exposure = obj({ venue, symbol: str, size: num });
const pendingOrder = obj({ venue, symbol: str, side, clientId: str, size: num, lookupRef: str.optional() });
const pendingFill = obj({ trade: str, leg: legKey, venue, symbol: str, side, clientId: str, lookupRef: str.optional(), size: num, entryPrice: num, usdPerQuote: num.positive({ error: 'must be a number > 0' }).optional(), usdcUsd: num.positive({ error: 'must be a number > 0' }).optional() });
const lookupRefs = obj({ long: str.optional(), short: str.optional() });
const position = obj({
  pair: str,
  direction,
  size: num.positive({ error: 'must be > 0' }),
  longVenue: venue,
  shortVenue: venue,
  longSymbol: str,
  shortSymbol: str,
  longEntryPrice: num.positive({ error: 'must be > 0' }),
  shortEntryPrice: num.positive({ error: 'must be > 0' }),
  entrySpread: num,
  detectedSpread: num,
  entryFeesUsd: num,
  clientIds: obj({ long: str, short: str }),
  openedAt: num,
  // Written since funding is tracked (issue 13); a journal without it still loads: the position's funding is unknown.
  fundingIndexAtEntry: obj({ long: num, short: num }).optional(),
  // Written when USDC/USD was taken off par (market.usdc_usd); absent: 1.
  usdcUsd: num.positive({ error: 'must be a number > 0' }).optional(),
});

const base = { pair: str.min(1, { error: 'must be a pair such as BTC-PERP' }), time: num };

/** The schema of each entry kind. The TypeScript interfaces in journal.ts are what these check. */
const SCHEMAS: Record<JournalEntryKind, z.ZodType> = {
  opening: obj({ ...base, direction, size: num, detectedSpread: num, long: legPlan, short: legPlan, usdcUsd: num.positive({ error: 'must be a number > 0' }).optional() }),
  leg_filled: obj({ ...base, phase: z.enum(['open', 'unwind', 'close'], { error: "must be 'open', 'unwind' or 'close'" }), leg: legKey, fill: legFill }),
  open: obj({ ...base, position }),
  entry_failed: obj({ ...base, reason: str }),
  unwind_order: obj({ ...base, leg: legKey, venue, symbol: str, side, clientId: str, lookupRef: str.optional(), size: num }),
  unwound: obj({ ...base, venue, symbol: str, size: num, unwoundSize: num, ok: bool, reason: str }),
  exposed: obj({ ...base, exposure: z.array(exposure, { error: 'must be a list' }), reason: str }),
  close_armed: obj({ ...base, clientIds: obj({ long: str.optional(), short: str.optional() }), lookupRefs: lookupRefs.optional(), validUntil: num }),
  closing: obj({ ...base, clientIds: obj({ long: str, short: str }), lookupRefs: lookupRefs.optional() }),
  close_order: obj({ ...base, leg: legKey, clientId: str, lookupRef: str.optional() }),
  closed: obj({ ...base, grossPnlUsd: num, feesUsd: num, pendingFills: z.array(pendingFill, { error: 'must be a list' }).optional() }),
  fill_credited: obj({ ...base, trade: str, leg: legKey, fill: legFill, grossPnlUsd: num, feesUsd: num, reason: str }),
  close_failed: obj({ ...base, reason: str }),
  closed_outside: obj({ ...base, direction, size: num, reason: str }),
  halted: obj({ ...base, reason: str, until: num.optional(), reconcile: bool.optional() }),
  resumed: obj({ ...base, operator: bool, resetLossBudget: bool.optional() }),
  realised: obj({ ...base, event: str, deltaUsd: num, netUsd: num, since: num, unknownCloses: num.optional() }),
  exit_exposure: obj({ ...base, exposure: z.array(exposure, { error: 'must be a list' }), pendingOrders: z.array(pendingOrder, { error: 'must be a list' }), reason: str }),
};

export const JOURNAL_ENTRY_KINDS: readonly JournalEntryKind[] = Object.keys(SCHEMAS) as JournalEntryKind[];

export type CheckedLine =
  | { readonly ok: true; readonly entry: JournalEntry; readonly problems: readonly JournalProblem[] }
  | { readonly ok: false; readonly problems: readonly JournalProblem[] };

/**
 * Checks one parsed line against its kind's schema, repairing what can be rebuilt. `problems` lists
 * every field that was wrong: with `ok: true` each one was repaired (and still halts the pair);
 * with `ok: false` the line cannot be used.
 */
export function checkEntry(value: unknown, line: number, file?: string): CheckedLine {
  const at = (p: Omit<JournalProblem, 'line' | 'file'>): JournalProblem => ({ line, ...(file !== undefined ? { file } : {}), ...p });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, problems: [at({ field: '(line)', reason: 'is not a JSON object: not a journal entry' })] };
  }
  const raw = value as Record<string, unknown>;
  const pair = typeof raw.pair === 'string' && raw.pair !== '' ? raw.pair : undefined;
  const known = typeof raw.kind === 'string' && Object.hasOwn(SCHEMAS, raw.kind) ? (raw.kind as JournalEntryKind) : undefined;
  const who = { ...(pair !== undefined ? { pair } : {}), ...(known !== undefined ? { kind: known } : {}) };
  if (known === undefined) {
    const reason = raw.kind === undefined ? 'is missing: not a journal entry' : `${JSON.stringify(raw.kind)} is not a known entry kind`;
    return { ok: false, problems: [at({ ...who, field: 'kind', reason })] };
  }
  const repaired = repair(known, raw);
  const problems = repaired.notes.map((n) => at({ ...who, ...n }));
  const result = SCHEMAS[known].safeParse(repaired.value);
  if (result.success) return { ok: true, entry: result.data as JournalEntry, problems };
  for (const issue of result.error.issues) {
    const field = issue.path.map(String).join('.') || '(entry)';
    const valueAtPath = issue.path.reduce<unknown>((o, k) => (o !== null && typeof o === 'object' ? (o as Record<PropertyKey, unknown>)[k] : undefined), repaired.value);
    const reason = valueAtPath === undefined ? 'is missing' : `= ${shortJson(valueAtPath)}: ${issue.message}`;
    problems.push(at({ ...who, field, reason }));
  }
  return { ok: false, problems };
}

type Note = { field: string; reason: string; repaired: string };

/** Rebuilds the fields that can be derived from the rest of the entry, noting each repair. */
function repair(kind: JournalEntryKind, raw: Record<string, unknown>): { value: Record<string, unknown>; notes: Note[] } {
  const notes: Note[] = [];
  if (kind === 'open' && isRecord(raw.position)) {
    const p: Record<string, unknown> = { ...raw.position };
    const long = p.longEntryPrice;
    const short = p.shortEntryPrice;
    if (!isFiniteNumber(p.entrySpread) && isFiniteNumber(long) && isFiniteNumber(short) && long > 0 && short > 0) {
      const spread = spreadPct(short, long);
      if (spread !== undefined) {
        notes.push({
          field: 'position.entrySpread',
          reason: p.entrySpread === undefined ? 'is missing' : `= ${shortJson(p.entrySpread)}: must be a number`,
          repaired: `recomputed from the entry prices ${long} and ${short}: ${spread.toFixed(4)} %`,
        });
        p.entrySpread = spread;
      }
    }
    if (!isFiniteNumber(p.detectedSpread) && isFiniteNumber(p.entrySpread)) {
      notes.push({ field: 'position.detectedSpread', reason: 'is missing', repaired: 'taken as the entry spread' });
      p.detectedSpread = p.entrySpread;
    }
    if (!isFiniteNumber(p.entryFeesUsd)) {
      notes.push({ field: 'position.entryFeesUsd', reason: 'is missing', repaired: 'taken as 0: the trade PnL will not include the entry fees' });
      p.entryFeesUsd = 0;
    }
    if (!isFiniteNumber(p.openedAt) && isFiniteNumber(raw.time)) {
      notes.push({ field: 'position.openedAt', reason: 'is missing', repaired: 'taken as the entry time' });
      p.openedAt = raw.time;
    }
    if (!isRecord(p.clientIds)) {
      notes.push({ field: 'position.clientIds', reason: 'is missing', repaired: 'taken as unknown' });
      p.clientIds = { long: '', short: '' };
    }
    if (typeof p.pair !== 'string' && typeof raw.pair === 'string') {
      notes.push({ field: 'position.pair', reason: 'is missing', repaired: "taken from the entry's pair" });
      p.pair = raw.pair;
    }
    return { value: { ...raw, position: p }, notes };
  }
  if (kind === 'halted' && raw.until === null) {
    // JSON writes a non-finite number as null: a halt whose end cannot be read lasts until an operator clears it.
    notes.push({ field: 'until', reason: 'is null', repaired: 'the halt lasts until an operator clears it' });
    const { until: _until, ...rest } = raw;
    return { value: rest, notes };
  }
  return { value: raw, notes };
}

/**
 * True when a line that failed JSON.parse is a prefix of a JSON object, i.e. a write cut short by a
 * crash, rather than a line someone or something wrote wrong.
 */
export function isTornLine(raw: string, parseError: unknown): boolean {
  const text = raw.trimEnd();
  if (!text.startsWith('{')) return false;
  const message = parseError instanceof Error ? parseError.message : String(parseError);
  if (/end of JSON input/i.test(message)) return true;
  const position = /at position (\d+)/.exec(message);
  return position !== null && Number(position[1]) >= text.length;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function shortJson(v: unknown): string {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
