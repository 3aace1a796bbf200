/**
 * The operator's side of a running bot: the HTTP API (src/ops/server.ts) with its metrics, status and event
 * stream fed from the run's events, and the control actions it exposes (halt, resume, flatten), carried out on
 * the run's executors and, for flatten, through the bot stream's `closeNow$`.
 *
 * Nothing here sits on the trading path: events reach it after the run's sink handled them, and a failure
 * of the API never stops the run.
 */
import { Subject } from 'rxjs';
import type { TradingEvent } from '../../src/domain/events';
import type { Executor } from '../../src/execution/executor';
import { OpsMetrics } from '../../src/ops/metrics';
import type { ApiControl, ApiServer, ControlOutcome } from '../../src/ops/server';
import { OpsState, type OpsStateOptions, type TrackedFeed } from '../../src/ops/state';
import type { RunSummary } from '../../src/report/summary';
import { errorText } from '../../src/logging/redact';

export interface OpsOptions {
  readonly mode: 'sim' | 'paper' | 'live' | 'replay';
  readonly pairs: readonly { id: string; pair: string; dexA: TrackedFeed['venue']; dexB: TrackedFeed['venue']; spreadEntry: number; spreadExit: number }[];
  readonly executors: ReadonlyMap<string, Executor>;
  /** Hands an event produced by a control action to the run (events.ndjson, the report, these views). */
  readonly emit: (event: TradingEvent) => void;
  readonly summary: () => RunSummary | undefined;
  readonly now?: () => number;
  /** Longest a flatten waits for every position to close, ms. Default 60 s. */
  readonly flattenTimeoutMs?: number;
  /** Close attempts per pair in one flatten. Default 3. */
  readonly flattenAttempts?: number;
  /** Serve the live dashboard at / (default true). */
  readonly dashboard?: boolean;
  /** What the views keep (OpsStateOptions: the event tail, the spread history per pair); defaults there. */
  readonly kept?: Pick<OpsStateOptions, 'recentLimit' | 'spreadHistoryPoints'>;
}

export interface OpsApiOptions {
  readonly host: string;
  readonly port: number;
  readonly token: string | undefined;
  readonly heartbeatMs?: number;
  readonly onProblem?: (line: string) => void;
}

/** One pair's result in a flatten. */
export interface FlattenOutcome {
  readonly pair: string;
  /** flat: nothing was open; closed: the position was closed; close_failed / timeout: it is still open (and monitored). */
  readonly outcome: 'flat' | 'closed' | 'close_failed' | 'timeout';
  readonly detail: string;
  readonly grossPnlUsd?: number;
  readonly feesUsd?: number;
}

export class Ops {
  readonly state: OpsState;
  readonly metrics: OpsMetrics;
  /** Pairs whose position an operator asked to close now (BotDeps.closeNow$). */
  readonly closeNow$ = new Subject<string>();
  private server: ApiServer | undefined;
  private readonly waiters = new Set<{ pair: string; types: ReadonlySet<string>; resolve: (e: TradingEvent | undefined) => void }>();
  private readonly now: () => number;
  private flattening: Promise<ControlOutcome> | undefined;

  constructor(private readonly o: OpsOptions) {
    this.now = o.now ?? Date.now;
    this.state = new OpsState({ mode: o.mode, pairs: o.pairs, ...o.kept }, this.now());
    this.metrics = new OpsMetrics({ state: this.state, summary: o.summary, now: this.now });
  }

  get apiUrl(): string | undefined {
    return this.server?.url;
  }

  /** Every event of the run, after the run's sink handled it. */
  observe(event: TradingEvent): void {
    this.state.observe(event);
    this.metrics.observe(event);
    this.server?.publish(event, this.state.eventSeq);
    if (this.waiters.size > 0 && 'pair' in event) {
      for (const w of [...this.waiters]) {
        if (w.pair === event.pair && w.types.has(event.type)) {
          this.waiters.delete(w);
          w.resolve(event);
        }
      }
    }
  }

  async listen(api: OpsApiOptions): Promise<ApiServer> {
    // Loaded when an API is asked for: a run without one (a replay, each sweep worker) never loads fastify.
    const { startApiServer } = await import('../../src/ops/server');
    this.server = await startApiServer({
      host: api.host,
      port: api.port,
      token: api.token,
      state: this.state,
      metrics: this.metrics,
      summary: this.o.summary,
      control: this.control(),
      now: this.now,
      ...(this.o.dashboard !== undefined ? { dashboard: this.o.dashboard } : {}),
      ...(api.heartbeatMs !== undefined ? { heartbeatMs: api.heartbeatMs } : {}),
      ...(api.onProblem ? { onProblem: api.onProblem } : {}),
    });
    return this.server;
  }

  async close(): Promise<void> {
    for (const w of [...this.waiters]) w.resolve(undefined);
    this.waiters.clear();
    this.closeNow$.complete();
    const server = this.server;
    this.server = undefined;
    await server?.close();
  }

  control(): ApiControl {
    return {
      halt: (pair, reason) => Promise.resolve(this.halt(pair, reason)),
      resume: (pair) => this.resume(pair),
      flatten: (reason) => this.flatten(reason),
    };
  }

  private executorOf(pair: string): Executor | undefined {
    const id = this.o.pairs.find((p) => p.pair === pair)?.id;
    return id === undefined ? undefined : this.o.executors.get(id);
  }

  private unknownPair(pair: string): ControlOutcome {
    return { status: 'unknown_pair', lines: [`${pair}: no bot trades it; configured pairs: ${this.o.pairs.map((p) => p.pair).join(', ')}`] };
  }

  halt(pair: string, reason: string): ControlOutcome {
    const executor = this.executorOf(pair);
    if (!executor) return this.unknownPair(pair);
    const produced = executor.haltByOperator(reason);
    produced.forEach((e) => this.o.emit(e));
    const open = executor.currentPosition() !== undefined;
    return {
      status: 'ok',
      lines: [`${pair}: halted (${reason}): no new entries until resumed${open ? '; the open position is still monitored and closed at its exit target' : ''}`],
    };
  }

  /** The CLI resume's checks (streams/cli/halts.ts): both venues read against the journal; refused while they disagree. */
  async resume(pair: string): Promise<ControlOutcome> {
    const executor = this.executorOf(pair);
    if (!executor) return this.unknownPair(pair);
    const lossHalt = this.state.pairs.get(pair)?.lossHalt;
    if (lossHalt !== undefined) {
      // The loss limit is run-wide and lives in the bot stream, not the journal: nothing here can clear it, by design.
      return {
        status: 'refused',
        lines: [
          `${pair}: refused: the run's loss limit halted it (${lossHalt}); that halt holds for the rest of this run by design, on every pair`,
          'review the losses, then run npm start -- resume --pair <pair> --reset-loss-budget and restart the bot (the budget is the journals\': a restart alone keeps it), or raise risk.max_loss_usd in the config',
          ...(executor.isHalted() ? [`an operator or reconciliation halt is also on record (${executor.haltReason() ?? 'halted'}): resume clears it after a restart`] : []),
        ],
      };
    }
    if (!executor.isHalted()) return { status: 'ok', lines: [`${pair}: not halted, nothing to clear`] };
    if (executor.inFlight()) return { status: 'refused', lines: [`${pair}: refused: an order operation is running; try again when it is done`] };
    let check: Awaited<ReturnType<Executor['reconcile']>>;
    try {
      check = await executor.reconcile({ asIfResumed: true });
    } catch (err) {
      return { status: 'unavailable', lines: [`${pair}: not cleared: ${errorText(err)}`, 'try again when both venues answer'] };
    }
    if (check.status === 'unreadable') return { status: 'unavailable', lines: [`${pair}: not cleared: ${check.detail}`, 'try again when both venues answer'] };
    if (check.status === 'mismatch') {
      return {
        status: 'refused',
        lines: [`${pair}: refused: the venues and the journal disagree: ${check.detail}`, 'bring the venues in line with the journal (or flat, for exposure on record), then resume again'],
      };
    }
    const was = executor.haltReason();
    const produced = executor.clearHalt();
    produced.forEach((e) => this.o.emit(e));
    return { status: 'ok', lines: [`${pair}: halt cleared (was: ${was ?? 'halted'})`, `checked: ${check.detail}`] };
  }

  /**
   * The kill switch: every pair halted at once (no new entry anywhere), then each open position closed through
   * its exit monitor; an entry in flight is let finish and its position closed. Reports each pair's outcome.
   * A second request while one runs gets the same answer.
   */
  flatten(reason: string): Promise<ControlOutcome> {
    this.flattening ??= this.runFlatten(reason).finally(() => (this.flattening = undefined));
    return this.flattening;
  }

  private async runFlatten(reason: string): Promise<ControlOutcome> {
    for (const p of this.o.pairs) this.executorOf(p.pair)?.haltByOperator(`flatten: ${reason}`).forEach((e) => this.o.emit(e));
    const deadline = this.now() + (this.o.flattenTimeoutMs ?? 60_000);
    const outcomes = await Promise.all(this.o.pairs.map((p) => this.flattenPair(p.pair, deadline)));
    const allFlat = outcomes.every((x) => x.outcome === 'flat' || x.outcome === 'closed');
    return {
      status: allFlat ? 'ok' : 'unavailable',
      flat: allFlat,
      outcomes,
      lines: [
        allFlat ? `flattened: every pair is flat and halted (${reason})` : `NOT FLAT: some positions are still open (${reason}); they stay monitored, and halted`,
        ...outcomes.map((x) => `${x.pair}: ${x.outcome}: ${x.detail}`),
        'resume a pair with POST /api/pairs/<pair>/resume (or npm start -- resume --pair <pair>)',
      ],
    };
  }

  private async flattenPair(pair: string, deadline: number): Promise<FlattenOutcome> {
    const executor = this.executorOf(pair)!;
    const attempts = this.o.flattenAttempts ?? 3;
    let tried = 0;
    let closed: TradingEvent | undefined;
    let lastFailure: string | undefined;
    while (this.now() < deadline) {
      if (executor.inFlight()) {
        await sleep(50);
        continue;
      }
      if (executor.currentPosition() === undefined) {
        if (closed?.type === 'POSITION_CLOSED') {
          return {
            pair,
            outcome: 'closed',
            detail: 'position closed',
            ...(closed.grossPnlUsd !== undefined ? { grossPnlUsd: closed.grossPnlUsd } : {}),
            ...(closed.feesUsd !== undefined ? { feesUsd: closed.feesUsd } : {}),
          };
        }
        return { pair, outcome: 'flat', detail: tried === 0 ? 'no position was open' : 'no position is open' };
      }
      if (tried >= attempts) return { pair, outcome: 'close_failed', detail: `still open after ${tried} close attempts: ${lastFailure ?? 'no close outcome reported'}` };
      tried++;
      const outcome = this.next(pair, ['POSITION_CLOSED', 'CLOSE_FAILED'], Math.max(0, Math.min(deadline - this.now(), 20_000)));
      this.closeNow$.next(pair);
      const e = await outcome;
      if (e?.type === 'POSITION_CLOSED') closed = e;
      else if (e?.type === 'CLOSE_FAILED') {
        lastFailure = e.reason;
        await sleep(Math.min(250 * 2 ** tried, Math.max(0, deadline - this.now())));
      } else lastFailure = 'no close outcome within the wait (the position was not under monitoring yet)';
    }
    return { pair, outcome: 'timeout', detail: `still open at the flatten deadline${lastFailure ? `: ${lastFailure}` : ''}` };
  }

  /** The pair's next event of these types, or undefined after `timeoutMs`. */
  private next(pair: string, types: readonly string[], timeoutMs: number): Promise<TradingEvent | undefined> {
    return new Promise((resolve) => {
      const waiter = {
        pair,
        types: new Set(types),
        resolve: (e: TradingEvent | undefined) => {
          clearTimeout(timer);
          resolve(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        resolve(undefined);
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
