/**
 * The venues a command works through, built in one place for every command: the bot run and the
 * `resume` command call `createVenues` with a `VenueSetup`, so a way of reaching the venues (a mode)
 * is one case here, written once, never a copy in each command.
 */
import type { VenueCredentials, VenueEndpoints } from '../src/config';
import type { VenueId } from '../src/domain/market';
import { createPaperVenue } from '../src/venues/paper-venue';
import { startSimVenues, type FundingModelOptions, type SimVenues } from '../src/sim/index';
import type { VenueLogger } from '../src/venues/http';
import { createParadexVenue } from '../src/venues/paradex/venue';
import { createSimVenueClients, newSimKeys, type SimKeys, type SimVenueUrls } from '../src/venues/sim-connect';
import type { Venue } from '../src/venues/venue';
import type { FrameRecorder } from '../src/venues/recording';
import { createVestVenue } from '../src/venues/vest/venue';
import { fetchParadexFunding, fetchVestFunding, type FundingDecoded } from '../src/venues/funding';
import { paradexFunding$, vestFunding$ } from '../src/venues/funding-ws';
import { noteFundingFrame } from '../src/venues/funding-record';
import type { FundingSnapshot } from '../src/domain/funding';
import { tap, type Observable } from 'rxjs';

export type VenueSetup =
  /** Simulated venues started inside this process, traded with throwaway keys (real signatures). */
  | {
      readonly kind: 'sim';
      readonly seed: number;
      readonly markets: readonly string[];
      readonly model?: Readonly<Record<string, number>>;
      /** Funding model overrides (e.g. `timeScale` to see carry in a short run). */
      readonly funding?: Partial<FundingModelOptions>;
    }
  /** Simulated venues running in another process (`npm run venues`), traded with this bot's kept keys. */
  | { readonly kind: 'sim-running'; readonly urls: SimVenueUrls; readonly keys: SimKeys }
  /** The real public feeds with simulated fills: no keys, no order ever leaves. */
  | { readonly kind: 'paper'; readonly endpoints: VenueEndpoints }
  /** Real orders with the account's keys, at the endpoints given (the real hosts, or any that speak their protocol). */
  | { readonly kind: 'live'; readonly endpoints: VenueEndpoints; readonly credentials: VenueCredentials };

export interface VenueOptions {
  /** A feed without updates for this long is flagged stale, ms. */
  readonly staleAfterMs: number;
  /** A feed lagging the venue's clock by more than this is stale too (execution.max_book_age_ms). */
  readonly maxLagMs?: number;
  /** Paradex book encoding in sim mode (paper and live take it from the endpoints). */
  readonly paradexEncoding: 'sbe' | 'json';
  readonly logger?: VenueLogger;
  /** `--record DIR`: every frame the book sockets receive, with their lifecycle. */
  readonly recorder?: FrameRecorder;
  /**
   * Client ids the Vest client remembers for lookups (VestVenueOptions.rememberedClientIds: 1,000 not final, the
   * newest 256 final). Default there; a soak makes it small so the windows are full early.
   */
  readonly vestClientIdsKept?: number;
}

/** One poll of a venue's public funding (rate and cumulative index) for a venue symbol. Never rejects: a failure is a value. */
export type FundingPoll = (symbol: string) => Promise<FundingDecoded>;

/** A venue's public funding pushed over its WebSocket for a venue symbol (src/venues/funding-ws.ts); errors when the channel is refused. */
export type FundingStream = (symbol: string) => Observable<FundingSnapshot>;

export interface TradingVenues {
  readonly venues: Readonly<Record<VenueId, Venue>>;
  /** Each venue's public funding over REST (src/venues/funding.ts), at the same hosts as its books. */
  readonly funding?: Readonly<Record<VenueId, FundingPoll>>;
  /** The same over each venue's WebSocket (Paradex funding_data.{market}, Vest tickers), at the hosts of its books. */
  readonly fundingWs?: Readonly<Record<VenueId, FundingStream>>;
  /** Closes every client, and the embedded simulated venues if any. Never rejects. */
  close(): Promise<void>;
}

/** What every book feed of a run is given: staleness, lag limit, and the recorder when recording. */
function feedOptionsOf(options: VenueOptions): { staleAfterMs: number; maxLagMs?: number; recorder?: FrameRecorder } {
  return {
    staleAfterMs: options.staleAfterMs,
    ...(options.maxLagMs !== undefined ? { maxLagMs: options.maxLagMs } : {}),
    ...(options.recorder !== undefined ? { recorder: options.recorder } : {}),
  };
}

/** What the clients of every mode are given (book feeds, logger, Vest's client-id windows), and the sim clients' options. */
function clientOptionsOf(options: VenueOptions) {
  const bookFeedOptions = feedOptionsOf(options);
  const logger = options.logger !== undefined ? { logger: options.logger } : {};
  const kept = options.vestClientIdsKept;
  return {
    bookFeedOptions,
    logger,
    vestKept: kept !== undefined ? { rememberedClientIds: kept } : {},
    simClient: { paradexEncoding: options.paradexEncoding, feedOptions: bookFeedOptions, ...logger, ...(kept !== undefined ? { vestClientIdsKept: kept } : {}) },
  };
}

export async function createVenues(setup: VenueSetup, options: VenueOptions): Promise<TradingVenues> {
  const { bookFeedOptions, logger, vestKept, simClient } = clientOptionsOf(options);
  let sim: SimVenues | undefined;
  const made: Partial<Record<VenueId, Venue>> = {};
  const fundingSeen = new Map<string, FundingSnapshot>(); // each good poll: paper mode charges funding from these
  const close = async (): Promise<void> => {
    await Promise.allSettled(Object.values(made).map((v) => v.close()));
    await sim?.close().catch(() => undefined);
  };
  try {
    switch (setup.kind) {
      case 'sim': {
        sim = await startSimVenues({ seed: setup.seed, markets: [...setup.markets], ...(setup.model ? { model: setup.model } : {}), ...(setup.funding ? { funding: setup.funding } : {}) });
        // Throwaway keys: the simulated venues verify real signatures, so the whole money path is exercised.
        Object.assign(made, createSimVenueClients(sim, newSimKeys(), simClient));
        break;
      }
      case 'sim-running':
        Object.assign(made, createSimVenueClients(setup.urls, setup.keys, simClient));
        break;
      case 'live': {
        const { endpoints: ep, credentials: c } = setup;
        made.paradex = createParadexVenue({
          restUrl: ep.paradex.restUrl,
          wsUrl: ep.paradex.wsUrl,
          encoding: ep.paradex.encoding,
          account: { address: c.paradex.accountAddress, privateKey: c.paradex.privateKey },
          bookFeedOptions,
          ...logger,
        });
        made.vest = createVestVenue({
          restUrl: ep.vest.restUrl,
          wsUrl: ep.vest.wsUrl,
          accountGroup: ep.vest.accountGroup,
          keys: {
            signingKey: c.vest.signingKey,
            ...(c.vest.primaryKey ? { primaryKey: c.vest.primaryKey } : {}),
            ...(c.vest.apiKey ? { apiKey: c.vest.apiKey } : {}),
          },
          network: c.vest.production ? 'prod' : 'dev',
          bookFeedOptions,
          ...vestKept,
          ...logger,
        });
        break;
      }
      case 'paper': {
        const ep = setup.endpoints;
        const realPdx = createParadexVenue({ restUrl: ep.paradex.restUrl, wsUrl: ep.paradex.wsUrl, encoding: ep.paradex.encoding, bookFeedOptions, ...logger });
        made.paradex = createPaperVenue({ real: realPdx, now: Date.now, funding: lastFunding(fundingSeen, 'paradex') });
        const realVest = createVestVenue({ restUrl: ep.vest.restUrl, wsUrl: ep.vest.wsUrl, accountGroup: ep.vest.accountGroup, bookFeedOptions, ...vestKept, ...logger });
        made.vest = createPaperVenue({ real: realVest, now: Date.now, funding: lastFunding(fundingSeen, 'vest') });
        break;
      }
    }
  } catch (err) {
    // A client that cannot be made (a bad key, say) must not leave the other one, or the simulator, running.
    await close();
    throw err;
  }
  return { venues: made as Record<VenueId, Venue>, ...publicFunding(setup, sim, options, fundingSeen), close };
}

/** Each venue's public funding, over REST and over WS, remembering the latest figure for the paper venues. */
function publicFunding(setup: VenueSetup, sim: SimVenues | undefined, options: VenueOptions, seen: Map<string, FundingSnapshot>): Pick<TradingVenues, 'funding' | 'fundingWs'> {
  return { funding: remembered(fundingPolls(setup, sim), seen), fundingWs: rememberedStreams(fundingStreams(setup, sim, options), seen) };
}

const lastFunding = (seen: Map<string, FundingSnapshot>, venue: VenueId) => (symbol: string) => seen.get(`${venue}:${symbol}`);

/** Polls that also keep each venue symbol's latest good figure (the paper venues' funding source). */
function remembered(polls: Record<VenueId, FundingPoll>, seen: Map<string, FundingSnapshot>): Record<VenueId, FundingPoll> {
  const keep = (venue: VenueId): FundingPoll => async (symbol) => {
    const decoded = await polls[venue](symbol);
    if (decoded.ok) seen.set(`${venue}:${symbol}`, decoded.snapshot);
    return decoded;
  };
  return { paradex: keep('paradex'), vest: keep('vest') };
}

/** Streams that also keep each venue symbol's latest figure, like `remembered` (paper mode charges funding from these). */
function rememberedStreams(streams: Record<VenueId, FundingStream>, seen: Map<string, FundingSnapshot>): Record<VenueId, FundingStream> {
  const keep = (venue: VenueId): FundingStream => (symbol) => streams[venue](symbol).pipe(tap((s) => seen.set(`${venue}:${symbol}`, s)));
  return { paradex: keep('paradex'), vest: keep('vest') };
}

/** Funding over WS at the hosts the mode's books come from, in the Paradex encoding its books use. */
function fundingStreams(setup: VenueSetup, sim: SimVenues | undefined, options: VenueOptions): Record<VenueId, FundingStream> {
  const simEncoding = options.paradexEncoding;
  // When recording, each figure keeps the frame it was read from (its FUNDING record carries it).
  const logger = { ...(options.logger ? { logger: options.logger } : {}), ...(options.recorder ? { onSnapshot: noteFundingFrame } : {}) };
  const hosts =
    setup.kind === 'sim'
      ? { paradex: sim!.paradex.ws, vest: sim!.vest.ws, encoding: simEncoding, accountGroup: 0 }
      : setup.kind === 'sim-running'
        ? { paradex: setup.urls.paradex.ws, vest: setup.urls.vest.ws, encoding: simEncoding, accountGroup: 0 }
        : { paradex: setup.endpoints.paradex.wsUrl, vest: setup.endpoints.vest.wsUrl, encoding: setup.endpoints.paradex.encoding, accountGroup: setup.endpoints.vest.accountGroup };
  // Vest routes a socket by its account group, as the book feeds do (venues.md §2.2).
  const vestUrl = /[?&]xwebsocketserver=/.test(hosts.vest) ? hosts.vest : `${hosts.vest}${hosts.vest.includes('?') ? '&' : '?'}xwebsocketserver=restserver${hosts.accountGroup}`;
  return {
    paradex: (symbol) => paradexFunding$({ wsUrl: hosts.paradex, symbol, encoding: hosts.encoding, ...logger }),
    vest: (symbol) => vestFunding$({ wsUrl: vestUrl, symbol, ...logger }),
  };
}

/** Funding is public: read at the REST hosts the mode's books come from (paper: the real venues; sim: the simulator). */
function fundingPolls(setup: VenueSetup, sim: SimVenues | undefined): Record<VenueId, FundingPoll> {
  const hosts =
    setup.kind === 'sim'
      ? { paradex: sim!.paradex.rest, vest: sim!.vest.rest, accountGroup: 0 }
      : setup.kind === 'sim-running'
        ? { paradex: setup.urls.paradex.rest, vest: setup.urls.vest.rest, accountGroup: 0 }
        : { paradex: setup.endpoints.paradex.restUrl, vest: setup.endpoints.vest.restUrl, accountGroup: setup.endpoints.vest.accountGroup };
  const vestHeaders = { xrestservermm: `restserver${hosts.accountGroup}` };
  return {
    paradex: (symbol) => fetchParadexFunding({ restUrl: hosts.paradex, symbol }),
    vest: (symbol) => fetchVestFunding({ restUrl: hosts.vest, symbol, headers: vestHeaders }),
  };
}
