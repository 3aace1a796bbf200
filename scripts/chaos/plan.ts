/**
 * The campaign's trial plan: which fault each trial injects, and its seeded parameters. Pure: the
 * same seed and count give the same plan, so a bad trial can be re-run alone (`--seed S --only KEY`).
 *
 * Every distinct case (a kill signal × trade stage × timing, an order fault × venue, a feed fault ×
 * venue, a bad input) is one combination; the plan walks a seeded shuffle of all combinations, pass
 * after pass, with fresh delays on every pass, so any 47 consecutive trials cover every case once.
 */
import { createRng, type Rng } from '../../src/sim/rng';

export type ChaosVenue = 'paradex' | 'vest';
export type KillSignal = 'SIGKILL' | 'SIGINT';
/** Where in a trade the kill lands. */
export type KillStage = 'entry-leg1' | 'entry-both' | 'open' | 'closing' | 'unwinding';
/**
 * before-exec: the venues accept the order and settle it `settleMs` later; the kill lands on the
 * order's arrival, before the venue executes it. after-exec: the venues execute at once but answer
 * `answerDelayMs` late; the kill lands `killDelayMs` after the arrival, when the order has executed
 * and the bot has not heard of it. (Stage 'open': right at the journal's 'open', or once the close
 * orders are armed. Stage 'unwinding', before-exec: the venue refuses the first unwind order, so the
 * kill finds the lone leg still held.)
 */
export type KillTiming = 'before-exec' | 'after-exec';
export type OrderFault = 'reject' | 'partial' | 'timeout-after-exec' | 'reject-close' | 'outage-entry' | 'outage-close';
export type FeedFault = 'drop' | 'gap' | 'lag' | 'malformed';
export type BadInput = 'config-value' | 'flag' | 'venues-line' | 'sim-keys' | 'torn-journal';
/**
 * Where in a trade the disk (a small tmpfs holding the journal and the run folder) fills up: before an entry
 * (none may be sent unjournaled) or with a position open, as the exit signal comes (it may close or stay hedged).
 */
export type DiskStage = 'entry' | 'open';

export const KILL_STAGES: readonly KillStage[] = ['entry-leg1', 'entry-both', 'open', 'closing', 'unwinding'];
export const ORDER_FAULTS: readonly OrderFault[] = ['reject', 'partial', 'timeout-after-exec', 'reject-close', 'outage-entry', 'outage-close'];
export const FEED_FAULTS: readonly FeedFault[] = ['drop', 'gap', 'lag', 'malformed'];
export const BAD_INPUTS: readonly BadInput[] = ['config-value', 'flag', 'venues-line', 'sim-keys', 'torn-journal'];
export const DISK_STAGES: readonly DiskStage[] = ['entry', 'open'];

export interface KillTrial {
  readonly kind: 'kill';
  readonly signal: KillSignal;
  readonly stage: KillStage;
  readonly timing: KillTiming;
  /** before-exec: both venues settle orders this long after accepting them. */
  readonly settleMs: number;
  /** after-exec: both venues answer this long after executing. */
  readonly answerDelayMs: number;
  /** after-exec: the kill lands this long after the order's arrival. */
  readonly killDelayMs: number;
  /** unwinding: the venue that rejects its entry leg (the other leg is then unwound); entry-leg1: the venue whose leg is refused, so only the other's can execute. */
  readonly rejectVenue: ChaosVenue;
}

export interface OrderFaultTrial {
  readonly kind: 'order-fault';
  readonly fault: OrderFault;
  readonly venue: ChaosVenue;
  /**
   * outage-entry / outage-close: the venue's trading API is down this long from the arrival of the next entry
   * (close) order, which is refused with the rest: 503 to every request, nothing executed.
   */
  readonly outageMs?: number;
}

export interface FeedFaultTrial {
  readonly kind: 'feed-fault';
  readonly fault: FeedFault;
  readonly venue: ChaosVenue;
  /** lag: how late the venue's frames arrive. */
  readonly lagMs: number;
}

export interface BadInputTrial {
  readonly kind: 'bad-input';
  readonly input: BadInput;
  /** Which of the input's variants (BAD_CONFIGS, BAD_FLAGS, ...). */
  readonly variant: number;
}

export interface DiskFullTrial {
  readonly kind: 'disk-full';
  readonly stage: DiskStage;
}

export type TrialCase = KillTrial | OrderFaultTrial | FeedFaultTrial | BadInputTrial | DiskFullTrial;
export type Trial = TrialCase & { readonly id: number; readonly key: string };

/** Bad config values: the YAML, what the error must name (the field; the file for YAML that cannot be read at all). */
export const BAD_CONFIGS: readonly { readonly yaml: string; readonly field: string }[] = [
  { yaml: 'bots:\n  - pair: BTC-PERP\n    spread_entry: -0.5\n', field: 'bots[0].spread_entry' },
  { yaml: 'bots:\n  - pair: BTC-PERP\n    leverage: 0\n', field: 'bots[0].leverage' },
  { yaml: 'bots:\n  - pair: BTC-PERP\n    position_size: lots\n', field: 'bots[0].position_size' },
  { yaml: 'bots:\n  - pair: BTC-PERP\nexecution:\n  leg_timeout_ms: -5\n', field: 'execution.leg_timeout_ms' },
  { yaml: 'bots:\n  - pair: BTC-PERP\n    dex_a: hyperliquid\n', field: 'bots[0].dex_a' },
  // An alias bomb: a few lines that expand to millions of nodes. No field is wrong: the error names the file.
  {
    yaml: 'a: &a ["x","x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\nbots: *f\n',
    field: 'config.yaml',
  },
];

/** Bad flags: the arguments, the flag the error must name. */
export const BAD_FLAGS: readonly { readonly args: readonly string[]; readonly field: string }[] = [
  { args: ['--duration', 'soon'], field: '--duration' },
  { args: ['--sample-ms', '-1'], field: '--sample-ms' },
  { args: ['--log-level', 'loud'], field: '--log-level' },
  { args: ['--seed', 'x'], field: '--seed' },
  { args: ['--no-such-flag'], field: '--no-such-flag' },
];

/** Bad --venues values: the value (VENUES_FILE = a file that does not exist), the field the error must name. */
export const MISSING_VENUES_FILE = '@missing-file';
export const BAD_VENUES: readonly { readonly value: string; readonly field: string }[] = [
  { value: '{"paradex":', field: '--venues' },
  { value: '{"paradex":{"rest":"http://127.0.0.1:1/v1"}}', field: 'paradex.ws' },
  { value: MISSING_VENUES_FILE, field: '--venues' },
];

/** Damaged sim-keys.json contents: what to write, the field the error must name. */
export const BAD_SIM_KEYS: readonly { readonly damage: 'json' | 'out-of-range' | 'missing'; readonly field: string }[] = [
  { damage: 'json', field: 'sim-keys.json' },
  { damage: 'out-of-range', field: 'paradex.privateKey' },
  { damage: 'missing', field: 'vest.signingKey' },
];

/** Where the torn line goes: the end (a crash mid-write) or mid-file (a hand edit). */
export const TORN_JOURNALS: readonly ('end' | 'middle')[] = ['end', 'middle'];

const VARIANTS: Record<BadInput, number> = {
  'config-value': BAD_CONFIGS.length,
  flag: BAD_FLAGS.length,
  'venues-line': BAD_VENUES.length,
  'sim-keys': BAD_SIM_KEYS.length,
  'torn-journal': TORN_JOURNALS.length,
};

type Combination =
  | { kind: 'kill'; signal: KillSignal; stage: KillStage; timing: KillTiming }
  | { kind: 'order-fault'; fault: OrderFault; venue: ChaosVenue }
  | { kind: 'feed-fault'; fault: FeedFault; venue: ChaosVenue }
  | { kind: 'bad-input'; input: BadInput }
  | { kind: 'disk-full'; stage: DiskStage };

/** Every distinct case the campaign covers. */
export function combinations(): Combination[] {
  const out: Combination[] = [];
  for (const stage of KILL_STAGES) {
    for (const signal of ['SIGKILL', 'SIGINT'] as const) {
      for (const timing of ['before-exec', 'after-exec'] as const) out.push({ kind: 'kill', signal, stage, timing });
    }
  }
  for (const fault of ORDER_FAULTS) for (const venue of ['paradex', 'vest'] as const) out.push({ kind: 'order-fault', fault, venue });
  for (const fault of FEED_FAULTS) for (const venue of ['paradex', 'vest'] as const) out.push({ kind: 'feed-fault', fault, venue });
  for (const input of BAD_INPUTS) out.push({ kind: 'bad-input', input });
  for (const stage of DISK_STAGES) out.push({ kind: 'disk-full', stage });
  return out;
}

/** The case's stable name, e.g. 'kill/SIGKILL/entry-both/before-exec', 'order-fault/reject/paradex'. */
export function trialKey(c: Combination | TrialCase): string {
  switch (c.kind) {
    case 'kill':
      return `kill/${c.signal}/${c.stage}/${c.timing}`;
    case 'order-fault':
      return `order-fault/${c.fault}/${c.venue}`;
    case 'feed-fault':
      return `feed-fault/${c.fault}/${c.venue}`;
    case 'bad-input':
      return `bad-input/${c.input}`;
    case 'disk-full':
      return `disk-full/${c.stage}`;
  }
}

export interface PlanOptions {
  /** Keep only cases whose key contains one of these (e.g. ['kill/SIGKILL/open', 'bad-input']). */
  readonly only?: readonly string[];
}

/** `count` trials from `seed`. Throws when `only` matches no case. */
export function planTrials(seed: number, count: number, opts: PlanOptions = {}): Trial[] {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`trial count must be an integer >= 0, got ${count}`);
  const rng = createRng(seed);
  const int = (lo: number, hi: number): number => rng.int(lo, hi);
  const pick = <T>(xs: readonly T[]): T => xs[rng.int(0, xs.length - 1)]!;
  const only = opts.only?.filter((o) => o !== '');
  const cases = combinations().filter((c) => only === undefined || only.length === 0 || only.some((o) => trialKey(c).includes(o)));
  if (cases.length === 0) throw new RangeError(`--only ${only?.join(',')} matches no trial; keys look like ${trialKey(combinations()[0]!)}`);
  const trials: Trial[] = [];
  let pass: Combination[] = [];
  while (trials.length < count) {
    if (pass.length === 0) pass = shuffle(cases, rng);
    const c = pass.shift()!;
    let spec: TrialCase;
    switch (c.kind) {
      case 'kill':
        // Up to 3.5 s: past the client's 2 s fill wait, and past the 3 s a Ctrl-C'd bot waits for orders in flight.
        spec = { ...c, settleMs: int(300, 3_500), answerDelayMs: int(300, 3_500), killDelayMs: int(40, 150), rejectVenue: pick(['paradex', 'vest'] as const) };
        break;
      case 'order-fault':
        // From under the leg timeout to past the close's retries (about 8 s): a close then fails and is retried on the next exit tick.
        spec = c.fault === 'outage-entry' || c.fault === 'outage-close' ? { ...c, outageMs: int(1_000, 20_000) } : c;
        break;
      case 'feed-fault':
        // Both sides of max_book_age_ms (2 s): traded on when below, refused while beyond.
        spec = { ...c, lagMs: int(500, 6_000) };
        break;
      case 'bad-input':
        spec = { ...c, variant: int(0, VARIANTS[c.input] - 1) };
        break;
      case 'disk-full':
        spec = c;
        break;
    }
    trials.push({ ...spec, id: trials.length + 1, key: trialKey(spec) });
  }
  return trials;
}

/** A seeded Fisher-Yates shuffle (a copy). */
function shuffle<T>(xs: readonly T[], rng: Rng): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const DISK_FULL_TEXT: Record<DiskStage, string> = {
  entry: 'the disk holding the journal and the run folder full before an entry signal; freed, then a restart with --close-on-exit',
  open: 'the disk holding the journal and the run folder full with a position open, then the exit signal; freed, then a restart with --close-on-exit',
};

/** One line a reader can act on: the fault, the stage and the parameters that matter. */
export function describeTrial(t: TrialCase): string {
  switch (t.kind) {
    case 'kill': {
      const sig = t.signal === 'SIGKILL' ? 'kill -9' : 'SIGINT';
      const timing =
        t.stage === 'open'
          ? t.timing === 'before-exec'
            ? 'right at the journal\'s "open"'
            : 'once the close orders are armed (500 ms after "open")'
          : t.stage === 'unwinding' && t.timing === 'before-exec'
            ? 'on the arrival of the first unwind order, which the venue refuses (the lone leg is still held)'
            : t.timing === 'before-exec'
            ? `before the venue executes (venues settle ${t.settleMs} ms after accepting)`
            : `after the venue executed, before its answer (answers ${t.answerDelayMs} ms late, kill ${t.killDelayMs} ms after arrival)`;
      const other = t.rejectVenue === 'paradex' ? 'vest' : 'paradex';
      const extra =
        t.stage === 'unwinding'
          ? `, ${t.rejectVenue} rejecting its entry leg`
          : t.stage === 'entry-leg1'
            ? ` (the ${other} leg; ${t.rejectVenue} refuses the other)`
            : '';
      return `${sig} at ${t.stage}${extra}, ${timing}`;
    }
    case 'order-fault': {
      const what: Record<OrderFault, string> = {
        reject: 'rejects the next entry order',
        partial: 'fills half of the next entry order',
        'timeout-after-exec': 'executes the next order and never answers',
        'reject-close': 'rejects the next close order',
        'outage-entry': `trading API down ${t.outageMs ?? '?'} ms from the next entry order on (503 to every request, nothing executed)`,
        'outage-close': `trading API down ${t.outageMs ?? '?'} ms from the next close order on (503 to every request, nothing executed)`,
      };
      return `${t.venue} ${what[t.fault]}`;
    }
    case 'feed-fault': {
      const what: Record<FeedFault, string> = {
        drop: 'book sockets dropped every 400 ms',
        gap: t.venue === 'paradex' ? 'a seq gap every 400 ms' : 'feed paused 1.2 s every 2 s',
        lag: `frames ${t.lagMs} ms late${t.lagMs > 2_000 ? ' (beyond max_book_age_ms: no entry until the feed catches up)' : ''}`,
        malformed: 'malformed frames every 400 ms',
      };
      return `${t.venue} ${what[t.fault]}, through an entry, an exit and a close on exit`;
    }
    case 'disk-full':
      return DISK_FULL_TEXT[t.stage];
    case 'bad-input':
      switch (t.input) {
        case 'config-value':
          return `bad config (${BAD_CONFIGS[t.variant]?.field ?? '?'})`;
        case 'flag':
          return `bad flag ${BAD_FLAGS[t.variant]?.args.join(' ') ?? '?'}`;
        case 'venues-line':
          return `bad --venues ${BAD_VENUES[t.variant]?.value ?? '?'}`;
        case 'sim-keys':
          return `damaged sim-keys.json (${BAD_SIM_KEYS[t.variant]?.damage ?? '?'})`;
        case 'torn-journal':
          return `kill -9 with a position open, then a torn journal line (${TORN_JOURNALS[t.variant] ?? '?'}) before the restart`;
      }

  }
}
