/**
 * The live status of one pair laid out to fit a terminal's width. Pure: a board entry, the pair's
 * settings, the feeds and a width in; lines out, none wider than the width (measured in terminal
 * cells, so a redraw can count its rows), never wrapped.
 *
 * The line is a list of fields, each with spellings from the longest to the shortest and a rank
 * (0 = most important). While the line is too wide it gives up detail, least important first
 * (reductionSteps): abbreviate, drop what matters little, tighten the separators, drop more. The pair
 * and its state are never dropped; a last resort cuts the line with "...".
 *
 * Figures, as a trader reads them:
 * - spreads are NET of the round trip's taker fees, compared with the net entry threshold;
 * - A>B (AOverB) = long A / short B, where A is the pair's dex_a (default vest) and B its dex_b
 *   (default paradex); the compact form names the venues: V>P = long vest / short paradex;
 * - rPnL (realised net) = closed round trips' gross PnL minus every fee paid on them plus the funding they realised;
 *   uPnL (unrealised net) = the open position marked to the books plus the funding it has accrued: what closing
 *   it now would add. Funding is + when received.
 */
import stringWidth from 'string-width';
import { baseAsset, type VenueId } from '../domain/market';
import type { Direction } from '../domain/spread';
import type { PairStatus } from './status';

/** The settings of a pair that its status line shows. */
export interface PairView {
  readonly pair: string;
  readonly dexA: VenueId;
  readonly dexB: VenueId;
  /** Net entry threshold, percent. */
  readonly entryThreshold: number;
  /** Exit target, percent. */
  readonly exitTarget: number;
}

/** One venue's feed for this pair: the last sample's book age and the feed's health counters. */
export interface FeedView {
  readonly venue: VenueId;
  readonly ageMs: number | undefined;
  readonly stale: boolean;
  readonly resyncs: number;
  readonly reconnects: number;
}

export interface LayoutOptions {
  /** Terminal columns; Infinity lays every field out in full (no terminal: log files, pipes). */
  readonly width: number;
  /** Wall clock, ms: a timed halt shows the time left. */
  readonly now: number;
}

/** The command that clears a pair's halt (streams/main.ts `resume`). */
export function resumeCommand(pair: string): string {
  return `npm start -- resume --pair ${pair}`;
}

interface Field {
  /** 0 = most important. */
  readonly rank: number;
  readonly required?: boolean;
  /** Longest first. */
  readonly spellings: readonly string[];
}

const SEPARATORS = [' | ', ' '] as const;
const ELLIPSIS = '...';

/**
 * The status of one pair: one line, plus one or two lines below it while the pair is halted
 * (why, and how to clear it). Every line fits `width` cells.
 */
export function pairStatusLines(s: PairStatus, view: PairView, feeds: readonly FeedView[], opts: LayoutOptions): string[] {
  const halt = activeHalt(s, opts.now);
  const lines = [fitFields(lineFields(s, view, feeds, halt !== undefined), opts.width)];
  if (halt !== undefined) lines.push(...haltLines(view.pair, halt, opts));
  return lines;
}

function activeHalt(s: PairStatus, now: number): { reason: string; until?: number } | undefined {
  const h = s.halt;
  if (h === undefined) return undefined;
  return h.until === undefined || now < h.until ? h : undefined;
}

function lineFields(s: PairStatus, view: PairView, feeds: readonly FeedView[], halted: boolean): Field[] {
  const open = s.position !== undefined;
  const state = s.state === 'halted' && !halted ? 'WATCHING' : s.state.toUpperCase();
  const head: Field = {
    rank: 0,
    required: true,
    spellings:
      halted && s.state !== 'halted'
        ? [`${view.pair} ${state} (entries halted)`, `${view.pair} ${state}/HALTED`, `${baseAsset(view.pair)} ${state}/HALTED`]
        : [`${view.pair} ${state}`, `${baseAsset(view.pair)} ${state}`],
  };
  const fields: Field[] = [head];
  if (open && s.position) {
    const p = s.position;
    const exitNow = p.direction === 'AOverB' ? s.exitAOverB : s.exitBOverA;
    fields.push(
      { rank: 1, spellings: [`pos ${arrow(p.direction)} ${p.size} (${legs(p.direction, view)})`, `pos ${venueArrow(p.direction, view)} ${p.size}`, `${venueArrow(p.direction, view)} ${p.size}`] },
      unrealisedField(s),
      {
        rank: 2,
        spellings: [
          `exit spread ${pct(exitNow)} (close at >= ${pct(view.exitTarget)})`,
          `exit ${pct(exitNow)}/${pct(view.exitTarget)}`,
          `exit ${pct(exitNow, 3)}/${pct(view.exitTarget, 3)}`,
        ],
      },
      realisedField(s),
      feedsField(feeds),
      { ...entryField(s, view), rank: 4 },
    );
  } else {
    fields.push(entryField(s, view), { rank: 1, spellings: ['pos flat', 'flat'] }, realisedField(s), feedsField(feeds));
  }
  return fields;
}

function entryField(s: PairStatus, view: PairView): Field {
  const ab = s.netEntryAOverB;
  const ba = s.netEntryBOverA;
  const th = view.entryThreshold;
  // The direction nearer the threshold is the one to watch.
  const best: Direction = ba !== undefined && (ab === undefined || ba > ab) ? 'BOverA' : 'AOverB';
  const bestNet = best === 'AOverB' ? ab : ba;
  return {
    rank: 1,
    spellings: [
      `net spread ${arrow('AOverB')} (${legs('AOverB', view)}) ${pct(ab)}, ${arrow('BOverA')} (${legs('BOverA', view)}) ${pct(ba)}; enter at >= ${pct(th)} net`,
      `net ${venueArrow('AOverB', view)} ${pct(ab)} ${venueArrow('BOverA', view)} ${pct(ba)} (enter >= ${pct(th)})`,
      `net ${venueArrow(best, view)} ${pct(bestNet)} (enter >= ${pct(th)})`,
      `net ${venueArrow(best, view)} ${pct(bestNet)}/${pct(th)}`,
      `${venueArrow(best, view)} ${pct(bestNet, 3)}/${pct(th, 3)}`,
    ],
  };
}

function unrealisedField(s: PairStatus): Field {
  const u = s.unrealised;
  if (u === undefined) return { rank: 1, spellings: ['unrealised net n/a', 'uPnL n/a'] };
  const accrued = s.accruedFundingUsd;
  const net = usd(u.netUsd + (accrued ?? 0));
  const funding = accrued === undefined ? '' : `, funding ${fundingUsd(accrued)}`;
  return {
    rank: 1,
    spellings: [
      `unrealised net ${net} (gross ${usd(u.grossUsd)}, exit fees ${usd(u.exitFeesUsd).replace(/^\+/, '')}${funding})`,
      `unrealised net ${net}`,
      `uPnL ${net}`,
    ],
  };
}

function realisedField(s: PairStatus): Field {
  const net = usd(s.realisedNetUsd);
  // Shown once a round trip realised some (a run without funding, or before any, keeps the line short).
  const funding = s.realisedFundingUsd === 0 ? '' : `, funding ${fundingUsd(s.realisedFundingUsd)}`;
  const trips = s.roundTrips;
  return {
    rank: 2,
    spellings: [
      `realised net ${net} (gross ${usd(s.realisedGrossUsd)}, fees ${usd(s.feesPaidUsd).replace(/^\+/, '')}${funding}, ${trips} round trip${trips === 1 ? '' : 's'})`,
      ...(funding === '' ? [] : [`realised net ${net} (${funding.slice(2)}, ${trips} round trip${trips === 1 ? '' : 's'})`]),
      `realised net ${net} (${trips} round trip${trips === 1 ? '' : 's'})`,
      `realised net ${net} (${trips} rt)`,
      `realised net ${net}`,
      `rPnL ${net}`,
    ],
  };
}

/** Healthy feeds are worth little room; a stale or resyncing feed is worth as much as the position. */
function feedsField(feeds: readonly FeedView[]): Field {
  const age = (f: FeedView) => (f.ageMs === undefined ? 'n/a' : `${Math.round(f.ageMs)}ms`);
  const flags = (f: FeedView, long: boolean) =>
    (f.stale ? ' STALE' : '') +
    (f.resyncs > 0 ? (long ? ` resyncs ${f.resyncs}` : ` rs${f.resyncs}`) : '') +
    (f.reconnects > 0 ? (long ? ` reconnects ${f.reconnects}` : ` rc${f.reconnects}`) : '');
  const stale = feeds.filter((f) => f.stale).map((f) => f.venue);
  return {
    rank: stale.length > 0 ? 1 : DROP_EARLY_RANK,
    spellings: [
      `feeds ${feeds.map((f) => `${f.venue} ${age(f)}${flags(f, true)}`).join(', ')}`,
      `feeds ${feeds.map((f) => `${initial(f.venue)} ${age(f)}${flags(f, false)}`).join(' ')}`,
      stale.length > 0 ? `feeds STALE ${stale.join(',')}` : 'feeds ok',
    ],
  };
}

function haltLines(pair: string, halt: { reason: string; until?: number }, opts: LayoutOptions): string[] {
  const reason = oneLine(halt.reason);
  const how =
    halt.until === undefined
      ? [`to clear: ${resumeCommand(pair)}`, resumeCommand(pair)]
      : [`resumes by itself in ${Math.max(1, Math.ceil((halt.until - opts.now) / 1000))}s`];
  const indent = '  ';
  const whole = `${indent}halted: ${reason} | ${how[0]!}`;
  if (stringWidth(whole) <= opts.width) return [whole];
  // The command is to be copied, so it is never cut while it fits: shorten the reason first, then
  // give each its own line.
  const room = opts.width - stringWidth(`${indent}halted:  | ${how[0]!}`);
  if (room >= 16) return [`${indent}halted: ${shorten(reason, room)} | ${how[0]!}`];
  const command = how.find((h) => stringWidth(indent + h) <= opts.width) ?? how[how.length - 1]!;
  return [fitText(`${indent}halted: ${reason}`, opts.width), fitText(`${indent}${command}`, opts.width)];
}

/** Fields of this rank or less important are dropped before any more important field is abbreviated. */
const DROP_EARLY_RANK = 3;

type Step = { kind: 'abbreviate' | 'drop'; field: number } | { kind: 'tighten' };

/**
 * The order in which a line gives up detail, least important first: each rank tier is abbreviated in
 * turns (one spelling step per field, right to left) and, if unimportant, dropped; the separators
 * tighten before the pair's name is abbreviated; then the remaining optional fields are dropped,
 * least important first.
 */
function reductionSteps(fields: readonly Field[]): Step[] {
  const ranks = [...new Set(fields.map((f) => f.rank))].sort((x, y) => y - x);
  const tier = (rank: number) => fields.map((f, i) => ({ f, i })).filter((x) => x.f.rank === rank).reverse();
  const steps: Step[] = [];
  for (const rank of ranks) {
    const members = tier(rank);
    const longest = Math.max(...members.map((m) => m.f.spellings.length));
    for (let round = 1; round < longest; round++) {
      for (const m of members) if (round < m.f.spellings.length) steps.push({ kind: 'abbreviate', field: m.i });
    }
    if (rank >= DROP_EARLY_RANK) for (const m of members) if (!m.f.required) steps.push({ kind: 'drop', field: m.i });
    if (rank === 1) steps.push({ kind: 'tighten' });
  }
  for (const rank of ranks) {
    if (rank >= DROP_EARLY_RANK) continue;
    for (const m of tier(rank)) if (!m.f.required) steps.push({ kind: 'drop', field: m.i });
  }
  return steps;
}

/**
 * Joins the fields' spellings, giving up detail (reductionSteps) until the line fits `width` cells, then
 * takes back what still fits, most important first (a late, coarse step can leave room for an early one).
 */
export function fitFields(fields: readonly Field[], width: number): string {
  const choice = fields.map(() => 0);
  const dropped = fields.map(() => false);
  let sep = 0;
  const render = () =>
    fields
      .map((f, i) => (dropped[i] ? undefined : f.spellings[choice[i]!]))
      .filter((x): x is string => x !== undefined)
      .join(SEPARATORS[sep]);
  const fits = () => stringWidth(render()) <= width;
  const taken: Array<{ step: Step; level: number }> = [];
  for (const step of reductionSteps(fields)) {
    if (fits()) break;
    if (step.kind === 'tighten') sep = SEPARATORS.length - 1;
    else if (step.kind === 'drop') dropped[step.field] = true;
    else choice[step.field]!++;
    taken.push({ step, level: step.kind === 'abbreviate' ? choice[step.field]! : 0 });
  }
  if (!fits()) return fitText(render(), width);
  for (const { step, level } of taken.reverse()) {
    if (step.kind === 'tighten') {
      sep = 0;
      if (!fits()) sep = SEPARATORS.length - 1;
    } else if (step.kind === 'drop') {
      dropped[step.field] = false;
      if (!fits()) dropped[step.field] = true;
    } else if (choice[step.field] === level) {
      choice[step.field] = level - 1;
      if (!fits()) choice[step.field] = level;
    }
  }
  return render();
}

/** Cuts a line to `width` cells, marking the cut. */
export function fitText(text: string, width: number): string {
  if (stringWidth(text) <= width) return text;
  if (width <= ELLIPSIS.length) return ELLIPSIS.slice(0, Math.max(0, width));
  return shorten(text, width);
}

function shorten(text: string, width: number): string {
  if (stringWidth(text) <= width) return text;
  let out = '';
  for (const ch of text) {
    if (stringWidth(out + ch) > width - ELLIPSIS.length) break;
    out += ch;
  }
  return out.trimEnd() + ELLIPSIS;
}

/** A reason from a venue may hold newlines or control characters: one printable line. */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').replace(/\s+/g, ' ').trim();
}

function arrow(direction: Direction): string {
  return direction === 'AOverB' ? 'A>B' : 'B>A';
}

function legs(direction: Direction, view: PairView): string {
  return direction === 'AOverB' ? `long ${view.dexA}/short ${view.dexB}` : `long ${view.dexB}/short ${view.dexA}`;
}

/** V>P = long vest / short paradex (the venues' initials in the A>B notation). */
function venueArrow(direction: Direction, view: PairView): string {
  return direction === 'AOverB' ? `${initial(view.dexA)}>${initial(view.dexB)}` : `${initial(view.dexB)}>${initial(view.dexA)}`;
}

function initial(venue: VenueId): string {
  return venue.charAt(0).toUpperCase();
}

function pct(value: number | undefined, digits = 4): string {
  return value === undefined || !Number.isFinite(value) ? 'n/a' : `${value.toFixed(digits)}%`;
}

/** Signed USD: +$1.20, -$0.12. */
function usd(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  const cents = Math.round(value * 100) / 100;
  return `${cents < 0 ? '-' : '+'}$${Math.abs(cents).toFixed(2)}`;
}

/** Funding is cents or less per trade: four decimals, signed (+ = received). */
function fundingUsd(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  const rounded = Math.round(value * 10_000) / 10_000;
  return `${rounded < 0 ? '-' : '+'}$${Math.abs(rounded).toFixed(4)}`;
}
