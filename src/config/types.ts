/**
 * The parsed bot configuration: what the bot uses, camelCase. Pure types; the YAML format and its rules
 * live in schema.ts and parse.ts.
 */
import type { VenueId } from '../domain/market';
import type { AlertKind } from '../domain/alerts';

/** One `bots[]` entry: one pair traded between two venues. */
export interface PairConfig {
  readonly id: string;
  /** Configured pair, e.g. 'BTC-PERP' (Vest's symbol; Paradex's is derived by `venueSymbol`). */
  readonly pair: string;
  readonly dexA: VenueId;
  readonly dexB: VenueId;
  /** Entry threshold, percent (0.06 = 0.06 %). */
  readonly spreadEntry: number;
  /** Exit target, percent; usually negative. */
  readonly spreadExit: number;
  /** Entries above this spread are ignored as suspect (stale or broken quote); percent. */
  readonly spreadEntryMax: number | undefined;
  /** The margin pre-flight's leverage: each leg needs notional / leverage of free margin before an entry.
   *  The bot does not set the venues' account leverage: set it there to match. */
  readonly leverage: number;
  /** Base size per leg. */
  readonly positionSize: number;
  readonly entryConfirmTicks: number;
  readonly exitConfirmTicks: number;
  /** Worst-price cap of each order, PERCENT (YAML `slippage_buffer_pct` is a fraction: 0.005 -> 0.5).
   *  From the pair's own slippage_buffer_pct, else execution.slippage_buffer_pct. */
  readonly slippagePct: number;
  /** Largest base position per leg allowed on this pair; defaults to `positionSize`. */
  readonly maxPositionBase: number;
  /** Hold assumed for the entry's funding carry, hours; undefined = the observed median hold (else a fallback). */
  readonly expectedHoldHours: number | undefined;
  /** Adverse-carry exit bound, bps of notional per hour; undefined = off. */
  readonly fundingExitBpsPerHour: number | undefined;
}

export interface RiskConfig {
  readonly adlWarning: number;
  readonly adlCritical: number;
  readonly maxDurationHours: number;
  /** Per-pair cap as configured (`risk.max_position_base`); resolved into each `PairConfig.maxPositionBase`. */
  readonly maxPositionBase: Readonly<Record<string, number>> | number | undefined;
  /** Largest notional per leg, USD. */
  readonly maxNotionalUsd: number;
  /** Realised loss that halts trading, USD. */
  readonly maxLossUsd: number;
  /** Pause after an automatic halt before trading may resume, seconds. */
  readonly haltCooldownSec: number;
  /** Period of the funding checks against the venues while a position is held, minutes; 0 = off. */
  readonly fundingReconcileMinutes: number;
  /** How far a leg's venue funding figure may differ from the bot's: the larger of absUsd and relative × the figure. */
  readonly fundingTolerance: { readonly absUsd: number; readonly relative: number };
}

export interface ApiConfig {
  readonly port: number;
  /** Address the API binds; default 127.0.0.1. */
  readonly host: string;
  readonly wsHeartbeatSec: number;
}

export interface ExecutionConfig {
  /** Deadline for one order leg, ms. */
  readonly legTimeoutMs: number;
  /** Retries of a failed close leg before CLOSE_FAILED. */
  readonly closeRetries: number;
  /** First backoff between close retries, ms. */
  readonly closeBackoffMs: number;
  /** Tick sampling period, ms; 0 = evaluate on every book update. */
  readonly sampleMs: number;
  /** Books older than this are not traded on, ms. */
  readonly maxBookAgeMs: number;
  /** A feed with no update for this long is reported stale, ms. */
  readonly staleAfterMs: number;
  /** Pause after a round trip before watching for the next entry, ms. */
  readonly cooldownMs: number;
  /** Default worst-price cap of each order, PERCENT (YAML fraction 0.005 -> 0.5); pairs may override. */
  readonly slippagePct: number;
  /**
   * On SIGINT/SIGTERM, how long an entry, unwind or close in flight may take to finish before the
   * process exits anyway (exit code 4, with what it leaves printed and journalled), ms.
   */
  readonly shutdownGraceMs: number;
}

export interface MarketConfig {
  /** USD per 1 USDC the venues' prices are compared with (Paradex quotes USD, Vest USDC); assumed, default 1. */
  readonly usdcUsd: number;
}

export interface ParadexVenueConfig {
  /** Undefined = chosen by PARADEX_PRODUCTION (see `resolveEndpoints`). */
  readonly restUrl: string | undefined;
  readonly wsUrl: string | undefined;
  readonly encoding: 'sbe' | 'json';
}

export interface VestVenueConfig {
  readonly restUrl: string | undefined;
  readonly wsUrl: string | undefined;
  /** Undefined = VEST_ACCOUNT_GROUP, else 0. */
  readonly accountGroup: number | undefined;
}

/** One `alerts.webhooks[]` entry, its secrets still as written (resolved at start: src/config/alerts.ts). */
export interface WebhookConfig {
  /** Label for logs (never the URL); default `webhooks[i] (format)`. */
  readonly name: string;
  readonly format: 'json' | 'telegram' | 'slack' | 'discord';
  /** The URL as written (a secret for slack/discord/json); for telegram the API base. */
  readonly url: string | undefined;
  /** The environment variable holding the URL instead. */
  readonly urlEnv: string | undefined;
  readonly botToken: string | undefined;
  readonly botTokenEnv: string | undefined;
  readonly chatId: string | undefined;
  readonly kinds: readonly AlertKind[];
}

export interface AlertsConfig {
  readonly webhooks: readonly WebhookConfig[];
  readonly closeFailedAfter: number;
  readonly feedStaleAfterMs: number;
  readonly minIntervalMs: number;
  readonly queueLimit: number;
  readonly maxAttempts: number;
  readonly timeoutMs: number;
}

export interface BotConfig {
  readonly bots: readonly PairConfig[];
  readonly risk: RiskConfig;
  readonly api: ApiConfig;
  readonly execution: ExecutionConfig;
  readonly market: MarketConfig;
  readonly venues: { readonly paradex: ParadexVenueConfig; readonly vest: VestVenueConfig };
  readonly journalDir: string;
  readonly alerts: AlertsConfig;
  /** Size rotation of the run folder's events.ndjson and bot.log. */
  readonly logs: { readonly maxBytes: number; readonly maxFiles: number };
}
