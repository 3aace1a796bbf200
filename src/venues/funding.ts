/**
 * Funding codecs of both venues (pure) and their REST fetchers: every frame or row becomes one
 * `FundingSnapshot` in the bot's unit (fraction of notional per hour, cumulative index in quote per unit
 * of base), or a `FundingDecodeError` the caller counts and drops. Never a guessed zero.
 *
 * - Paradex: `GET /v1/funding/data?market=` rows and `funding_data.{market}` JSON pushes
 *   (`responses.FundingDataResult`): `funding_rate` per `funding_period_hours`, `funding_index`, `created_at`.
 *   On SBE sessions the same row arrives as a binary `FundingDataEvent` (template 5, sbe.ts).
 * - Vest: `GET /ticker/latest` and WS `tickers` entries: `oneHrFundingRate` per hour, `cumFunding`.
 */
import { z } from 'zod';
import { ratePerHour, type FundingSnapshot } from '../domain/funding';
import { httpJson, type FetchLike } from './http';
import type { SbeFundingData } from './paradex/sbe';
import { preferredFundingRate, type SbeMarketSummary } from './paradex/sbe-market-summary';
import { requiredDecimal } from './wire';

export interface FundingDecodeError {
  readonly ok: false;
  readonly reason: string;
}

/**
 * `raw`: the wire row the snapshot was read from (a REST poll's Paradex row or Vest ticker entry), kept for the
 * recording (src/venues/funding-record.ts); the decoders of a single row or frame leave it out.
 */
export type FundingDecoded = { readonly ok: true; readonly snapshot: FundingSnapshot; readonly raw?: unknown } | FundingDecodeError;

/** The decoded figure with the row it came from (a failure stays as it is). */
const withRaw = (decoded: FundingDecoded, raw: unknown): FundingDecoded => (decoded.ok ? { ...decoded, raw } : decoded);

const paradexRowSchema = z.object({
  market: z.string(),
  funding_rate: requiredDecimal,
  funding_index: requiredDecimal,
  funding_period_hours: z.number().positive().finite().optional(),
  created_at: z.number().int().nonnegative(),
});

const issues = (e: z.ZodError): string => e.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');

/**
 * One Paradex funding row for `market`. A row without `funding_period_hours` is read with
 * `defaultPeriodHours` (the market's, from GET /markets; 8 unless told otherwise).
 */
export function decodeParadexFundingRow(row: unknown, market: string, defaultPeriodHours = 8): FundingDecoded {
  const parsed = paradexRowSchema.safeParse(row);
  if (!parsed.success) return { ok: false, reason: `paradex funding row: ${issues(parsed.error)}` };
  const r = parsed.data;
  if (r.market !== market) return { ok: false, reason: `paradex funding row is for ${r.market}, expected ${market}` };
  const period = r.funding_period_hours ?? defaultPeriodHours;
  return { ok: true, snapshot: { ratePerHour: ratePerHour(r.funding_rate, period), index: r.funding_index, at: r.created_at } };
}

// Frame schemas are built once: a zod schema made per frame (a Vest tickers frame comes with every market update)
// cost a schema's construction per frame, and zod 4 keeps each one it parses with in a WeakMap whose table grew with
// them between major GCs (heap snapshots of a soak run: 32 KB -> 256 KB over 300 s for 274 live schemas).
const paradexFundingFrameSchema = z.object({ method: z.literal('subscription'), params: z.object({ channel: z.string(), data: z.unknown() }) });
const vestTickersFrameSchema = z.object({ channel: z.literal('tickers'), data: z.unknown() });

/** A `funding_data.{market}` push (JSON-RPC `subscription`): its `params.data` row. */
export function decodeParadexFundingFrame(text: string, market: string, defaultPeriodHours = 8): FundingDecoded {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'paradex funding frame: not JSON' };
  }
  const frame = paradexFundingFrameSchema.safeParse(msg);
  if (!frame.success) return { ok: false, reason: `paradex funding frame: ${issues(frame.error)}` };
  const channel = `funding_data.${market}`;
  if (frame.data.params.channel !== channel) return { ok: false, reason: `paradex funding frame: params.channel: expected ${channel}, got ${frame.data.params.channel}` };
  return decodeParadexFundingRow(frame.data.params.data, market, defaultPeriodHours);
}

/** A MarketSummaryEvent older than this beside a FundingDataEvent's `createdAt` no longer gives the current rate, µs. */
export const PRECISE_RATE_MAX_AGE_US = 60_000_000;

/**
 * A decoded SBE FundingDataEvent for `market` as a snapshot: its rate over its own period, per hour;
 * `at` its `createdAt` in ms (the JSON row's `created_at` unit). With the market's latest MarketSummaryEvent
 * (template 4) the rate is the summary's (`fundingRatePrecise`, 12 decimals, when it carries it: the schema's
 * rule; else its 8-decimal `fundingRate`), unless that summary is older than PRECISE_RATE_MAX_AGE_US before the
 * event; the index and the period are always the FundingDataEvent's (a summary carries neither).
 */
export function paradexFundingOfSbe(msg: SbeFundingData, market: string, summary?: SbeMarketSummary): FundingDecoded {
  if (msg.market !== market) return { ok: false, reason: `paradex funding event is for ${msg.market}, expected ${market}` };
  const fresh = summary !== undefined && summary.market === market && summary.ts >= msg.createdAt - PRECISE_RATE_MAX_AGE_US;
  const rate = fresh ? preferredFundingRate(summary) : msg.fundingRate;
  if (!Number.isFinite(rate) || !Number.isFinite(msg.fundingIndex)) return { ok: false, reason: 'paradex funding event: rate or index not finite' };
  return { ok: true, snapshot: { ratePerHour: ratePerHour(rate, msg.fundingPeriodHours), index: msg.fundingIndex, at: Math.floor(msg.createdAt / 1000) } };
}

const vestTickerSchema = z.object({ symbol: z.string(), oneHrFundingRate: requiredDecimal, cumFunding: requiredDecimal });

/** The entry for `symbol` in a Vest tickers list (REST `tickers`, WS `data`); `at` is the local receive time. */
export function decodeVestTickers(list: unknown, symbol: string, at: number): FundingDecoded {
  if (!Array.isArray(list)) return { ok: false, reason: 'vest tickers: not a list' };
  const entry: unknown = list.find((t) => typeof t === 'object' && t !== null && (t as { symbol?: unknown }).symbol === symbol);
  if (entry === undefined) return { ok: false, reason: `vest tickers: no entry for ${symbol}` };
  const parsed = vestTickerSchema.safeParse(entry);
  if (!parsed.success) return { ok: false, reason: `vest ticker ${symbol}: ${issues(parsed.error)}` };
  return { ok: true, snapshot: { ratePerHour: parsed.data.oneHrFundingRate, index: parsed.data.cumFunding, at } };
}

/** A WS `tickers` frame. */
export function decodeVestTickersFrame(text: string, symbol: string, at: number): FundingDecoded {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'vest tickers frame: not JSON' };
  }
  const frame = vestTickersFrameSchema.safeParse(msg);
  if (!frame.success) return { ok: false, reason: `vest tickers frame: ${issues(frame.error)}` };
  return decodeVestTickers(frame.data.data, symbol, at);
}

export interface FundingFetchOptions {
  /** Venue REST base, e.g. 'https://api.prod.paradex.trade/v1' or 'https://serverprod.vest.exchange/v2'. */
  readonly restUrl: string;
  /** Venue symbol ('BTC-USD-PERP' on Paradex, 'BTC-PERP' on Vest). */
  readonly symbol: string;
  readonly timeoutMs?: number;
  /** Extra headers (Vest's account-group header `xrestservermm`). */
  readonly headers?: Record<string, string>;
  readonly fetchImpl?: FetchLike;
  /** Local clock for Vest rows (they carry no time). */
  readonly now?: () => number;
}

/** GET /v1/funding/data?market= on Paradex: the newest row. Never rejects: failures are values. */
export async function fetchParadexFunding(opts: FundingFetchOptions): Promise<FundingDecoded> {
  const url = `${opts.restUrl}/funding/data?market=${encodeURIComponent(opts.symbol)}&page_size=1`;
  const res = await httpJson({ method: 'GET', url, timeoutMs: opts.timeoutMs ?? 5_000, ...(opts.headers ? { headers: opts.headers } : {}) }, opts.fetchImpl);
  if (res.kind !== 'response') return { ok: false, reason: `paradex funding: ${res.kind}: ${res.message}` };
  if (res.status !== 200) return { ok: false, reason: `paradex funding: HTTP ${res.status}` };
  const results = (res.json as { results?: unknown } | undefined)?.results;
  if (!Array.isArray(results) || results.length === 0) return { ok: false, reason: 'paradex funding: no results' };
  return withRaw(decodeParadexFundingRow(results[0], opts.symbol), results[0]);
}

/** GET /ticker/latest?symbols= on Vest. Never rejects: failures are values. */
export async function fetchVestFunding(opts: FundingFetchOptions): Promise<FundingDecoded> {
  const url = `${opts.restUrl}/ticker/latest?symbols=${encodeURIComponent(opts.symbol)}`;
  const res = await httpJson({ method: 'GET', url, timeoutMs: opts.timeoutMs ?? 5_000, ...(opts.headers ? { headers: opts.headers } : {}) }, opts.fetchImpl);
  if (res.kind !== 'response') return { ok: false, reason: `vest funding: ${res.kind}: ${res.message}` };
  if (res.status !== 200) return { ok: false, reason: `vest funding: HTTP ${res.status}` };
  const tickers = (res.json as { tickers?: unknown } | undefined)?.tickers;
  const entry: unknown = Array.isArray(tickers) ? tickers.find((t) => typeof t === 'object' && t !== null && (t as { symbol?: unknown }).symbol === opts.symbol) : undefined;
  return withRaw(decodeVestTickers(tickers, opts.symbol, (opts.now ?? Date.now)()), entry);
}
