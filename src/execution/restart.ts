/**
 * Restart reconciliation: restore() on a new process reads what the journal left, asks the venues
 * (restart-assess.ts), and acts: halts on a mismatch, waits for an unreadable venue (retrying with a
 * doubling delay), finishes an interrupted entry, credits a close sent before the restart, and hands
 * back the position to monitor.
 */
import { events as ev, MAX_LOSS_HALT_REASON, type TradingEvent } from '../domain/events';
import { bothLegsClosed, closeTotals, foldCloseFills } from './close-progress';
import type { ExecutorCore } from './core';
import { concludeEntry, type AdoptPosition } from './entry';
import type { Reconciliation, RestoreResult } from './executor-api';
import { describeProblem, type JournalState, type LegFilledEntry } from './journal';
import { assess, entryVenues, type CloseFound, type EntryFound } from './restart-assess';
import { entryPlanText, sizeTolerance } from './reconcile';
import type { OpenPosition } from './types';
import { unwindPnlUsd } from './unwind';
import { usdPerQuoteUnit } from '../domain/market';

export interface RestartHooks {
  /** An interrupted entry ended as a position: monitor it as a new one. */
  readonly adopt: AdoptPosition;
  /** A position the journal holds open: monitor it, resuming the close progress its fills add up to; arm its close. */
  readonly monitor: (position: OpenPosition, closeFills: readonly LegFilledEntry[]) => Promise<void>;
  /**
   * Failed reconciliations in a row (a venue unreadable): the retry delay doubles with each. `reason`:
   * the last one said, so a wait on a live order is reported once, not at every look.
   */
  readonly failures: { count: number; reason?: string };
}

export async function restoreFromJournal(core: ExecutorCore, hooks: RestartHooks): Promise<RestoreResult> {
  const events: TradingEvent[] = [];
  const state = core.journal.lastState(core.pair);
  if (hooks.failures.count === 0) haltsOnRecord(core, state, events);

  const assessed = await assess(core, state);
  if (assessed.kind === 'unreadable') {
    const retry = assessed.live ? awaitLiveOrder(core, hooks, assessed.reason, events) : retryLater(core, hooks, assessed.reason, events);
    // An entry or close the last process left half done: worth finishing even while shutting down.
    return assessed.live || state.phase === 'opening' || state.phase === 'closing' ? { ...retry, unfinished: true } : retry;
  }
  endReconcileHalt(core, hooks, state, events);
  if (assessed.kind === 'mismatch') {
    events.push(ev.reconciliationMismatch(core.now(), { pair: core.pair, detail: assessed.detail }));
    core.halt(`reconciliation mismatch: ${assessed.detail}`, undefined, events);
    return { ok: false, resumeClose: false, reason: assessed.detail, events };
  }
  if (assessed.entry !== undefined) return finishEntry(core, hooks, assessed.entry, events);

  let closedTrade: RestoreResult['closedTrade'];
  let note: string | undefined;
  if (assessed.close !== undefined) {
    const done = creditInterruptedClose(core, state, assessed.close, events);
    closedTrade = done.closedTrade;
    note = done.note;
    const failures = core.journal.takeFailures();
    if (failures !== undefined) {
      core.halt(failures, undefined, events);
      return { ok: false, resumeClose: false, reason: failures, events };
    }
  }

  const now = core.journal.lastState(core.pair);
  const position = now.position;
  const noted = note !== undefined ? { reason: note } : {};
  if ((now.phase === 'open' || now.phase === 'closing') && position !== undefined) {
    events.push(ev.positionRestored(core.now(), { pair: core.pair, direction: position.direction, size: position.size, entrySpread: position.entrySpread }));
    await hooks.monitor(position, now.closeFills);
    return { ok: true, position, resumeClose: now.phase === 'closing', events, ...noted };
  }
  return { ok: true, resumeClose: false, events, ...(closedTrade !== undefined ? { closedTrade } : {}), ...noted };
}

/** On the first attempt: the journal's halt (not a reconciliation one: this start retries that) and its malformed lines. */
function haltsOnRecord(core: ExecutorCore, state: JournalState, events: TradingEvent[]): void {
  const h = state.halt;
  if (h !== undefined && !h.reconcile && (h.until === undefined || h.until > core.now())) {
    const untilField = h.until !== undefined ? { until: h.until } : {};
    const reason = inheritedHaltReason(h.reason, core.pair);
    core.halts.set({ reason, ...untilField });
    events.push(ev.tradingHalted(core.now(), { pair: core.pair, reason, ...untilField }));
  }
  if (state.problems.length > 0) {
    // Only this pair stops trading; what the journal still says is monitored below.
    const lines = state.problems.map(describeProblem).join('; ');
    core.halt(`malformed journal entries: ${lines}; check the journal, then clear with npm start -- resume --pair ${core.pair}`, undefined, events);
  }
}

/**
 * A halt a previous run journalled, as this run states it. A loss-limit halt holds until an operator's resume, and
 * says how (the budget is the journals': this run goes on counting from where that one stopped).
 */
function inheritedHaltReason(reason: string, pair: string): string {
  if (!reason.startsWith(MAX_LOSS_HALT_REASON)) return reason;
  return `a previous run stopped at its loss limit (${reason}); kept until an operator resumes: npm start -- resume --pair ${pair} --reset-loss-budget`;
}

/** The reconciliation restore() would act on, in words, without acting. */
export async function reconciliation(core: ExecutorCore, opts: { asIfResumed?: boolean }): Promise<Reconciliation> {
  let state = core.journal.lastState(core.pair);
  if (opts.asIfResumed && state.phase === 'exposed') {
    // An operator resume acknowledges recorded exposure: from then on the venues are compared against flat.
    const { exposure: _exposure, position: _position, ...rest } = state;
    state = { ...rest, phase: 'flat' };
  }
  const a = await assess(core, state);
  const holdings = a.kind === 'unreadable' ? undefined : a.holdings;
  const detail =
    a.kind === 'unreadable'
      ? `cannot reconcile: ${a.reason}`
      : a.kind === 'mismatch'
        ? a.detail
        : a.entry !== undefined
          ? `an interrupted entry will be finished at start: ${entryPlanText(a.entry.held, a.entry.step, entryVenues(a.entry))}`
          : a.close !== undefined
            ? `a close sent before the restart will be credited at start (${a.close.map(({ leg, fill }) => `${leg} ${fill.venue} ${fill.filledSize}`).join(', ')})`
            : `the venues hold what the journal expects (${state.phase === 'flat' ? 'flat' : `${state.phase}${state.position ? ` ${state.position.direction} ${state.position.size}` : ''}`})`;
  return { status: a.kind === 'consistent' ? 'agree' : a.kind, detail, ...(holdings !== undefined ? { holdings } : {}) };
}

/** A venue could not be read: halt (once on record), say when the reconciliation is retried. */
function retryLater(core: ExecutorCore, hooks: RestartHooks, reason: string, events: TradingEvent[]): RestoreResult {
  const attempt = ++hooks.failures.count;
  hooks.failures.reason = undefined;
  const { reconcileRetryMs, reconcileRetryMaxMs } = core.settings;
  const retryInMs = Math.min(reconcileRetryMaxMs, reconcileRetryMs * 2 ** (attempt - 1));
  const text = `cannot reconcile the journal with the venues: ${reason}; retrying in ${formatDelay(retryInMs)} (attempt ${attempt})`;
  if (core.halts.current() === undefined || core.halts.reconciling()) {
    core.halts.set({ reason: text, reconcile: true });
    if (attempt === 1) core.journal.recordBestEffort({ kind: 'halted', pair: core.pair, time: core.now(), reason: text, reconcile: true });
  }
  events.push(ev.tradingHalted(core.now(), { pair: core.pair, reason: text }));
  return { ok: false, resumeClose: false, retryInMs, reason: text, events };
}

/**
 * How soon a restart looks again at an order of its own that is still working at a venue. Entry,
 * unwind and close orders are immediate-or-cancel: the venue settles them within moments, so this
 * waits on the order, not on an outage: no backoff, and a shutdown keeps waiting (bot.ts, `unfinished`).
 */
export const LIVE_ORDER_RETRY_MS = 250;

/**
 * An order sent before the restart is still live: trading stays halted (reconciling) and restore is
 * called again shortly. Said once per order (the halt, the event), not at every look.
 */
function awaitLiveOrder(core: ExecutorCore, hooks: RestartHooks, reason: string, events: TradingEvent[]): RestoreResult {
  const attempt = ++hooks.failures.count;
  const retryInMs = Math.min(core.settings.reconcileRetryMs, LIVE_ORDER_RETRY_MS);
  const text = `cannot reconcile the journal with the venues yet: ${reason} (sent before the restart); waiting for it to settle, looking again every ${formatDelay(retryInMs)}`;
  const fresh = hooks.failures.reason !== text;
  hooks.failures.reason = text;
  if (core.halts.current() === undefined || core.halts.reconciling()) {
    core.halts.set({ reason: text, reconcile: true });
    if (attempt === 1) core.journal.recordBestEffort({ kind: 'halted', pair: core.pair, time: core.now(), reason: text, reconcile: true });
  }
  if (fresh) events.push(ev.tradingHalted(core.now(), { pair: core.pair, reason: text }));
  return { ok: false, resumeClose: false, retryInMs, reason: text, events };
}

/** The venues could be read again: a reconciliation halt (this process's or one on record) ends. */
function endReconcileHalt(core: ExecutorCore, hooks: RestartHooks, state: JournalState, events: TradingEvent[]): void {
  const mine = core.halts.reconciling();
  if (mine) core.halts.clear();
  if (mine || state.halt?.reconcile) {
    core.journal.recordBestEffort({ kind: 'resumed', pair: core.pair, time: core.now(), operator: false });
    events.push(ev.tradingResumed(core.now(), { pair: core.pair }));
  }
  hooks.failures.count = 0;
  hooks.failures.reason = undefined;
}

/** Finishes an interrupted entry: credits the fills found, then keeps the common hedge and unwinds the rest. */
async function finishEntry(core: ExecutorCore, hooks: RestartHooks, entry: EntryFound, events: TradingEvent[]): Promise<RestoreResult> {
  const time = core.now();
  for (const { phase, leg, fill } of entry.found) {
    core.journal.recordBestEffort({ kind: 'leg_filled', pair: core.pair, time, phase, leg, fill });
    // An unwind realised price PnL against its leg's entry fill (journalled, or found just now), as unwindExcess prices it.
    // In USD at the rate the entry was taken at (its `opening` line), as every other figure of that entry.
    const usdPerQuote = usdPerQuoteUnit(fill.venue, entry.opening.usdcUsd ?? 1);
    const pnl = phase === 'unwind' ? unwindPnlUsd(leg === 'long' ? 'SELL' : 'BUY', entry.legs[leg].avgPrice, [fill], usdPerQuote) : 0;
    events.push(
      ev.fillCredited(time, {
        pair: core.pair,
        venue: fill.venue,
        clientId: fill.clientId,
        phase,
        filledSize: fill.filledSize,
        ...(fill.filledSize > 0 && fill.avgPrice !== undefined ? { avgPrice: fill.avgPrice } : {}),
        feeUsd: fill.feeUsd,
        ...(pnl !== undefined ? { creditedPnlUsd: pnl } : {}),
        creditedFeesUsd: 0,
        reason: `${phase === 'open' ? 'entry leg' : 'unwind'} found after a restart${pnl === undefined ? ' (its price PnL is unknown: a fill or entry price was not reported)' : ''}`,
      }),
    );
  }
  const { opening } = entry;
  const result = await concludeEntry(
    core,
    {
      direction: opening.direction,
      detectedSpread: opening.detectedSpread,
      size: opening.size,
      step: entry.step,
      legs: entry.legs,
      held: entry.held,
      long: entry.long,
      short: entry.short,
      unwindSlippagePct: core.settings.fallbackCloseSlippagePct,
      openedAt: opening.time,
      restored: true,
      detectedAt: opening.time,
      usdcUsd: opening.usdcUsd ?? 1,
    },
    hooks.adopt,
    events,
  );
  if (result.ok) {
    const plan = entryPlanText(entry.held, entry.step, entryVenues(entry));
    return { ok: true, position: result.position, resumeClose: false, events, reason: `interrupted entry finished: ${plan}` };
  }
  if (result.stage === 'unwind') return { ok: false, resumeClose: false, reason: result.reason, events };
  return { ok: true, resumeClose: false, events, reason: `interrupted entry finished: ${result.reason}` };
}

/**
 * Journals the close fills found after a restart ('closing' first when only armed ids were on
 * record, then 'closed' when both legs are flat), and reports them (FILL_CREDITED).
 */
function creditInterruptedClose(
  core: ExecutorCore,
  state: JournalState,
  fills: CloseFound,
  events: TradingEvent[],
): { closedTrade?: RestoreResult['closedTrade']; note: string } {
  const position = state.position!;
  const armed = state.phase === 'open' ? state.armed : undefined;
  const time = core.now();
  if (armed !== undefined) {
    core.journal.recordBestEffort({
      kind: 'closing',
      pair: core.pair,
      time,
      clientIds: { long: armed.clientIds.long ?? '', short: armed.clientIds.short ?? '' },
      ...(armed.lookupRefs ? { lookupRefs: armed.lookupRefs } : {}),
    });
  }
  for (const { leg, fill } of fills) {
    core.journal.recordBestEffort({ kind: 'leg_filled', pair: core.pair, time, phase: 'close', leg, fill });
    events.push(
      ev.fillCredited(time, {
        pair: core.pair,
        venue: fill.venue,
        clientId: fill.clientId,
        phase: 'close',
        filledSize: fill.filledSize,
        ...(fill.avgPrice !== undefined ? { avgPrice: fill.avgPrice } : {}),
        feeUsd: fill.feeUsd,
        // The trade's own close report (now, or when the close is finished) includes its PnL and fee.
        creditedPnlUsd: 0,
        creditedFeesUsd: 0,
        reason: 'close order found after a restart',
      }),
    );
  }
  const after = core.journal.lastState(core.pair);
  const detail = fills.map(({ leg, fill }) => `${leg} ${fill.venue} closed ${fill.filledSize}`).join(', ');
  if (bothLegsClosed(position, after.closedSize, sizeTolerance(position.size))) {
    const { grossPnlUsd, feesUsd } = closeTotals(position, foldCloseFills(position, after.closeFills));
    core.journal.recordBestEffort({ kind: 'closed', pair: core.pair, time, grossPnlUsd, feesUsd });
    return { closedTrade: { position, grossPnlUsd, feesUsd }, note: `the close sent before the restart completed (${detail})` };
  }
  return { note: `the close sent before the restart partly completed (${detail}); finishing it` };
}

function formatDelay(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s` : `${ms} ms`;
}
