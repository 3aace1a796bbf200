/**
 * What a trial left behind, judged. Pure: the trial driver gathers the facts (exit codes, the
 * venues' positions as a client reads them, the journal's state, secrets found), this decides.
 *
 * - flat: both venues hold nothing of the pair.
 * - hedged and monitored: equal and opposite holdings, and the journal expects exactly them in phase
 *   open/closing, so the next start resumes monitoring them.
 * - unhedged at rest: the two venues' holdings do not cancel.
 * - position lost: a venue holds something the journal does not account for (flat, an unfinished
 *   entry, or other sizes), or a hedge the journal records only as an exposure: nobody will monitor
 *   or close it. A recorded one-legged exposure is unhedged, not lost.
 * - crash: a run ended otherwise than documented (exit 0 for a clean stop or a Ctrl-C, 4 for one that
 *   reports exposure it left, 2 for bad input, killed by our kill -9), or printed a stack trace.
 * - hang: a run that did not exit within its bound (it was then killed).
 * - secret: a key in use appeared in any output or file.
 * - inconclusive: the trial could not inject its fault (stage never reached) or read the venues, or
 *   the campaign itself failed in it (a harness error: the tool's defect, which fails the campaign).
 */
import type { JournalState } from '../../src/execution/journal';

export interface ExpectedExit {
  /** Exit codes that are a documented end for this run. */
  readonly codes: readonly number[];
  /** We killed it with this signal: dying of it is expected. */
  readonly killedWith?: 'SIGKILL';
}

export interface RunRecord {
  /** 'first', 'restart' or 'only'. */
  readonly label: string;
  readonly expected: ExpectedExit;
  readonly code: number | null;
  readonly signal: string | null;
  readonly hung: boolean;
  readonly ms: number;
  /** ms from our SIGINT to the exit, when we sent one. */
  readonly stopMs?: number;
  readonly stdout: string;
  readonly stderr: string;
  /** For bad-input runs: the field or flag the error message must name. */
  readonly mustName?: string;
}

/** Signed holdings of the pair per venue (+ long, − short). */
export interface Holdings {
  readonly vest: number;
  readonly paradex: number;
}

export interface JournalView {
  readonly phase: 'flat' | 'opening' | 'open' | 'closing' | 'exposed';
  /** What the journal implies each venue holds; undefined when it cannot say (an unfinished entry). */
  readonly expected: Holdings | undefined;
  readonly halt?: string;
  readonly corruptLines: number;
}

export interface TrialFacts {
  readonly runs: readonly RunRecord[];
  /** undefined: no account was ever created (nothing can be held). */
  readonly venues: Holdings | { readonly error: string } | undefined;
  readonly journal: JournalView | undefined;
  /** Where a key in use was found ('restart stdout', 'runs/…/events.ndjson', …). */
  readonly secrets: readonly string[];
  /** Why the fault could not be injected as planned, if so. */
  readonly notReached?: string;
  /** The campaign itself failed in this trial (a defect of the tool, not of the bot). */
  readonly harnessError?: string;
  /** Observations worth reading that are no bad outcome by themselves (e.g. an entry on a lagging feed). */
  readonly notes?: readonly string[];
}

/** What the journal says each venue holds (as the executor's reconciliation reads it). */
export function journalView(state: JournalState, corruptLines: number, now = Date.now()): JournalView {
  const expected = (): Holdings | undefined => {
    const out = { vest: 0, paradex: 0 };
    switch (state.phase) {
      case 'flat':
        return out;
      case 'opening':
        return undefined;
      case 'exposed':
        for (const e of state.exposure ?? []) out[e.venue] += e.size;
        return out;
      case 'open':
      case 'closing': {
        const p = state.position;
        if (p === undefined) return out;
        out[p.longVenue] += p.size - state.closedSize.long;
        out[p.shortVenue] -= p.size - state.closedSize.short;
        return out;
      }
      default: {
        // A phase this campaign does not know yet: say so rather than guess.
        const unknown: never = state.phase;
        throw new Error(`journal phase ${String(unknown)} is unknown to the campaign`);
      }
    }
  };
  const halt = state.halt !== undefined && (state.halt.until === undefined || state.halt.until > now) ? state.halt.reason : undefined;
  const view = expected();
  return { phase: state.phase, expected: view, corruptLines, ...(halt !== undefined ? { halt: halt.length > 300 ? `${halt.slice(0, 300)}…` : halt } : {}) };
}

export type EndState = 'flat' | 'hedged-monitored' | 'hedged-unmonitored' | 'unhedged' | 'unknown';

export interface TrialOutcome {
  readonly ok: boolean;
  readonly end: EndState;
  readonly unhedged: boolean;
  readonly lost: boolean;
  readonly crashed: boolean;
  readonly hung: boolean;
  readonly secrets: boolean;
  readonly inconclusive: boolean;
  /** The campaign failed in this trial: nothing was judged. */
  readonly harnessError: boolean;
  /** One line per finding, for the report. */
  readonly problems: readonly string[];
}

const TOLERANCE = 1e-9;

/** A stack trace as Node prints one: "    at fn (/path/file.js:12:5)" or "    at /path/file.js:12:5". */
const STACK_LINE = /^\s+at .*(?:\(.*:\d+:\d+\)|:\d+:\d+)\s*$/m;

export function hasStackTrace(text: string): boolean {
  return STACK_LINE.test(text);
}

function near(a: number, b: number): boolean {
  return Math.abs(a - b) <= TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b));
}

export function describeHoldings(h: Holdings): string {
  const one = (name: string, size: number): string => `${name} ${size === 0 ? 'flat' : size > 0 ? `long ${size}` : `short ${-size}`}`;
  return `${one('vest', h.vest)}, ${one('paradex', h.paradex)}`;
}

/**
 * README: on Ctrl-C the bot finishes what is in flight within execution.shutdown_grace_ms (default
 * 10 s), and streams/cli/main.ts allows 5 s more for the report. Slower is noted (a busy machine can cause it), not a hang.
 */
const DOCUMENTED_STOP_MS = 15_000;

function runProblems(run: RunRecord): { crashed: string[]; hung: string[]; notes: string[] } {
  const crashed: string[] = [];
  const hung: string[] = [];
  const notes: string[] = [];
  if (run.hung) {
    hung.push(`${run.label} run did not exit within its bound (${Math.round(run.ms / 1000)} s); killed`);
    return { crashed, hung, notes };
  }
  const killedAsPlanned = run.expected.killedWith !== undefined && run.signal === run.expected.killedWith;
  const exitedAsDocumented = run.code !== null && run.expected.codes.includes(run.code);
  if (!killedAsPlanned && !exitedAsDocumented) {
    const how = run.code !== null ? `exit ${run.code}` : `signal ${run.signal ?? '?'}`;
    const last = lastLine(run.stderr) ?? lastLine(run.stdout);
    crashed.push(`${run.label} run ended with ${how} (documented: ${run.expected.codes.join(' or ')})${last ? `: ${last}` : ''}`);
  }
  if (hasStackTrace(run.stderr) || hasStackTrace(run.stdout)) crashed.push(`${run.label} run printed a stack trace: ${firstStackContext(run.stderr + '\n' + run.stdout)}`);
  if (run.stopMs !== undefined && run.stopMs > DOCUMENTED_STOP_MS) {
    notes.push(`note: ${run.label} run took ${(run.stopMs / 1000).toFixed(1)} s to stop after Ctrl-C (documented: within ${DOCUMENTED_STOP_MS / 1000} s)`);
  }
  if (run.mustName !== undefined && exitedAsDocumented && run.code === 2 && !run.stderr.includes(run.mustName)) {
    crashed.push(`${run.label} run exited 2 without naming ${run.mustName}: ${lastLine(run.stderr) ?? '(no message)'}`);
  }
  return { crashed, hung, notes };
}

function lastLine(text: string): string | undefined {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('[status]'));
  const line = lines[lines.length - 1];
  return line === undefined ? undefined : line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

function firstStackContext(text: string): string {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => STACK_LINE.test(l));
  const head = lines.slice(Math.max(0, at - 1), at + 1).map((l) => l.trim()).join(' | ');
  return head.length > 240 ? `${head.slice(0, 240)}…` : head;
}

export function classify(facts: TrialFacts): TrialOutcome {
  const problems: string[] = [];
  let crashed = false;
  let hung = false;
  for (const run of facts.runs) {
    const p = runProblems(run);
    if (p.crashed.length > 0) crashed = true;
    if (p.hung.length > 0) hung = true;
    problems.push(...p.crashed, ...p.hung, ...p.notes);
  }

  let end: EndState = 'flat';
  let unhedged = false;
  let lost = false;
  let inconclusive = facts.notReached !== undefined || facts.harnessError !== undefined;
  if (facts.harnessError !== undefined) problems.push(`campaign error (not the bot's): ${facts.harnessError}`);
  if (facts.notReached !== undefined) problems.push(`fault not injected as planned: ${facts.notReached}`);
  const venues = facts.venues;
  if (venues !== undefined && 'error' in venues) {
    end = 'unknown';
    inconclusive = true;
    problems.push(`venues unreadable: ${venues.error}`);
  } else if (venues !== undefined) {
    const flat = near(venues.vest, 0) && near(venues.paradex, 0);
    const journal = facts.journal;
    const accounted = journal?.expected !== undefined && near(journal.expected.vest, venues.vest) && near(journal.expected.paradex, venues.paradex);
    const journalText = journal === undefined ? 'no journal' : `journal ${journal.phase}${journal.expected ? ` expecting ${describeHoldings(journal.expected)}` : ''}${journal.halt ? `, halted: ${journal.halt}` : ''}`;
    if (!flat) {
      unhedged = !near(venues.vest + venues.paradex, 0);
      const monitored = accounted && (journal?.phase === 'open' || journal?.phase === 'closing');
      // Unaccounted holdings are forgotten; a hedge recorded only as an exposure is not monitored either.
      lost = !accounted || (!unhedged && !monitored);
      end = unhedged ? 'unhedged' : monitored ? 'hedged-monitored' : 'hedged-unmonitored';
      if (unhedged) problems.push(`unhedged at rest: ${describeHoldings(venues)}; ${journalText}`);
      if (lost) problems.push(`position lost (${accounted ? 'recorded, not monitored' : 'not in the journal'}): the venues hold ${describeHoldings(venues)}; ${journalText}`);
    } else if (journal !== undefined && journal.phase !== 'flat') {
      // Not dangerous (nothing is held), but the next start will report a mismatch and halt.
      problems.push(`note: venues flat but ${journalText}`);
    }
  }

  problems.push(...(facts.notes ?? []).map((n) => `note: ${n}`));
  const secrets = facts.secrets.length > 0;
  if (secrets) problems.push(`secret found in: ${facts.secrets.join(', ')}`);
  const ok = !unhedged && !lost && !crashed && !hung && !secrets;
  return { ok, end, unhedged, lost, crashed, hung, secrets, inconclusive, harnessError: facts.harnessError !== undefined, problems };
}
