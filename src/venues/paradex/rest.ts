/**
 * Paradex REST (venues.md §1.7–1.10): system config, markets, onboarding, JWT auth, orders, fills,
 * positions and account. Every call has a deadline and resolves to a value; wire bodies are
 * narrowed with zod at once. The JWT session refreshes the token well before its 5-minute
 * lifetime ends, single-flight, and never hands out a token about to lapse.
 *
 * Secrets (private key, JWT) never appear in errors or logs: failures carry the venue's error
 * code and message, the endpoint path and the HTTP status only.
 */
import { z } from 'zod';
import { httpJson, queryString, type FetchLike, type HttpMethod, type HttpResult, type RestFailure, type RestResult } from '../http';
import { optionalDecimal, requiredDecimal } from '../wire';

export type { RestFailure, RestResult } from '../http';
import { paradexPublicKey, signParadexAuth, signParadexOnboarding, type ParadexAccount } from './signing';

export interface ParadexRestOptions {
  /** e.g. 'https://api.prod.paradex.trade/v1'. */
  readonly restUrl: string;
  readonly requestTimeoutMs?: number;
  readonly fetch?: FetchLike;
  /** Aborts every in-flight request (the venue is closing). */
  readonly signal?: AbortSignal;
}

// ---- wire shapes (only the fields we use) ----------------------------------------------------


const systemConfigSchema = z.object({ starknet_chain_id: z.string().min(1) });
/** GET /system/time: "server_time" in ms since epoch; paradex-py's docstring shows it as a string ("1710956478221"). */
const systemTimeSchema = z.object({ server_time: z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,16}$/).transform(Number)]) });

const marketSchema = z.object({
  symbol: z.string(),
  price_tick_size: requiredDecimal,
  order_size_increment: requiredDecimal,
  min_notional: optionalDecimal,
  max_order_size: optionalDecimal,
});
const marketsSchema = z.object({ results: z.array(marketSchema) });
export type ParadexMarket = z.infer<typeof marketSchema>;

const authSchema = z.object({ jwt_token: z.string().min(1) });

const orderSchema = z.object({
  id: z.string(),
  client_id: z.string().nullish(),
  market: z.string(),
  side: z.string(),
  type: z.string().optional(),
  instruction: z.string().nullish(),
  size: requiredDecimal,
  remaining_size: optionalDecimal,
  status: z.string(),
  avg_fill_price: optionalDecimal,
  cancel_reason: z.string().nullish(),
});
export type ParadexOrder = z.infer<typeof orderSchema>;

const fillSchema = z.object({
  order_id: z.string(),
  size: requiredDecimal,
  price: requiredDecimal,
  fee: optionalDecimal,
  /** The currency `fee` is in (USDC in practice; fees can also be paid in DIME, docs trading-fees). */
  fee_currency: z.string().nullish(),
});
const fillsSchema = z.object({ results: z.array(fillSchema) });
export type ParadexFill = z.infer<typeof fillSchema>;

const positionSchema = z.object({
  market: z.string(),
  side: z.string().optional(),
  size: requiredDecimal,
  status: z.string().optional(),
  average_entry_price: optionalDecimal,
  /** Funding accrued since the position last changed, not yet settled (positive = receivable). */
  unrealized_funding_pnl: optionalDecimal,
});
const positionsSchema = z.object({ results: z.array(positionSchema) });
export type ParadexPosition = z.infer<typeof positionSchema>;

const accountSchema = z.object({ free_collateral: requiredDecimal });

/** One funding settlement (openapi `responses.FundingPayment`; paradex-py `fetch_funding_payments`). */
const fundingPaymentSchema = z.object({
  id: z.string().optional(),
  market: z.string(),
  /** Settlement asset (USDC), positive = received. */
  payment: requiredDecimal,
  index: optionalDecimal,
  fill_id: z.string().nullish(),
  created_at: z.number().int().nonnegative(),
});
const fundingPaymentsSchema = z.object({ next: z.string().nullish(), results: z.array(fundingPaymentSchema) });
export type ParadexFundingPayment = z.infer<typeof fundingPaymentSchema>;

export interface ParadexFundingPaymentsQuery {
  readonly market: string;
  /** ms, inclusive. */
  readonly startAt?: number;
  readonly cursor?: string;
  readonly pageSize?: number;
}

const errorSchema = z.object({ error: z.string().optional(), message: z.string().optional() });

/** The order body POST /orders takes (venues.md §1.9). */
export interface ParadexOrderBody {
  readonly market: string;
  readonly side: 'BUY' | 'SELL';
  readonly type: 'MARKET' | 'LIMIT';
  readonly size: string;
  readonly price?: string;
  readonly instruction?: 'GTC' | 'IOC';
  readonly client_id: string;
  readonly flags?: readonly string[];
  readonly recv_window?: number;
  readonly signature: string;
  readonly signature_timestamp: number;
}

export interface ParadexRest {
  systemConfig(): Promise<RestResult<{ chainId: string }>>;
  /** GET /system/time: the venue's clock, ms since epoch. */
  systemTime(): Promise<RestResult<number>>;
  markets(market?: string): Promise<RestResult<ParadexMarket[]>>;
  /** POST /onboarding (idempotent on the venue: an onboarded account answers with an error we treat as success). */
  onboard(account: ParadexAccount, chainId: string, ethereumAccount?: string): Promise<RestResult<void>>;
  /** POST /auth/{public_key}: a fresh JWT. `nowMs` is the signing time. */
  auth(account: ParadexAccount, chainId: string, nowMs: number): Promise<RestResult<string>>;
  /** `text`: `body` already serialised (JSON.stringify(body)), sent as is. */
  postOrder(jwt: string, body: ParadexOrderBody, text?: string): Promise<RestResult<ParadexOrder>>;
  getOrder(jwt: string, orderId: string): Promise<RestResult<ParadexOrder>>;
  /** undefined when the venue does not know the client id (404 / NOT_FOUND). */
  getOrderByClientId(jwt: string, clientId: string): Promise<RestResult<ParadexOrder | undefined>>;
  fills(jwt: string, market: string): Promise<RestResult<ParadexFill[]>>;
  positions(jwt: string): Promise<RestResult<ParadexPosition[]>>;
  /** GET /funding/payments: one page of the account's funding payments and the cursor to the next (undefined: last page). */
  fundingPayments(jwt: string, query: ParadexFundingPaymentsQuery): Promise<RestResult<{ payments: ParadexFundingPayment[]; next: string | undefined }>>;
  freeCollateral(jwt: string): Promise<RestResult<number>>;
}

/** The signature of an auth request is only needed to obtain the token, so keep its life short. */
const AUTH_SIGNATURE_TTL_S = 300;

export function createParadexRest(options: ParadexRestOptions): ParadexRest {
  const baseUrl = options.restUrl.replace(/\/+$/, '');
  const timeoutMs = options.requestTimeoutMs ?? 5_000;
  const basePath = new URL(baseUrl).pathname.replace(/\/+$/, '');

  const call: Call = async (method, path, schema, extra = {}) => {
    const headers: Record<string, string> = { ...extra.headers };
    if (extra.jwt !== undefined) headers.authorization = `Bearer ${extra.jwt}`;
    const result = await httpJson({ method, url: `${baseUrl}${path}`, headers, body: extra.body, timeoutMs, signal: options.signal }, options.fetch);
    return narrow(result, `${method} ${path.split('?')[0] ?? path}`, schema);
  };

  return {
    async systemConfig() {
      const r = await call('GET', '/system/config', systemConfigSchema);
      return r.ok ? { ok: true, value: { chainId: r.value.starknet_chain_id } } : r;
    },

    async systemTime() {
      const r = await call('GET', '/system/time', systemTimeSchema);
      return r.ok ? { ok: true, value: r.value.server_time } : r;
    },

    async markets(market) {
      const r = await call('GET', `/markets${queryString({ market })}`, marketsSchema);
      return r.ok ? { ok: true, value: r.value.results } : r;
    },

    onboard: (account, chainId, ethereumAccount) => onboard(call, account, chainId, ethereumAccount),

    auth: (account, chainId, nowMs) => auth(call, basePath, account, chainId, nowMs),

    postOrder: (jwt, body, text) => call('POST', '/orders', orderSchema, { jwt, body: text ?? body }),

    getOrder: (jwt, orderId) => call('GET', `/orders/${encodeURIComponent(orderId)}`, orderSchema, { jwt }),

    async getOrderByClientId(jwt, clientId) {
      const r = await call('GET', `/orders/by_client_id/${encodeURIComponent(clientId)}`, orderSchema, { jwt });
      if (!r.ok && (r.error.status === 404 || r.error.code === 'ORDER_ID_NOT_FOUND' || r.error.code === 'NOT_FOUND')) {
        return { ok: true, value: undefined };
      }
      return r;
    },

    async fills(jwt, market) {
      const r = await call('GET', `/fills${queryString({ market })}`, fillsSchema, { jwt });
      return r.ok ? { ok: true, value: r.value.results } : r;
    },

    async positions(jwt) {
      const r = await call('GET', '/positions', positionsSchema, { jwt });
      return r.ok ? { ok: true, value: r.value.results } : r;
    },

    async fundingPayments(jwt, q) {
      const query = queryString({ market: q.market, start_at: q.startAt, cursor: q.cursor, page_size: q.pageSize });
      const r = await call('GET', `/funding/payments${query}`, fundingPaymentsSchema, { jwt });
      return r.ok ? { ok: true, value: { payments: r.value.results, next: r.value.next ?? undefined } } : r;
    },

    async freeCollateral(jwt) {
      const r = await call('GET', '/account', accountSchema, { jwt });
      return r.ok ? { ok: true, value: r.value.free_collateral } : r;
    },
  };
}

/** One REST call: the endpoint's reply narrowed to `schema`, or a failure naming the endpoint. */
type Call = <T>(
  method: HttpMethod,
  path: string,
  schema: z.ZodType<T>,
  extra?: { jwt?: string; headers?: Record<string, string>; body?: unknown },
) => Promise<RestResult<T>>;

async function onboard(call: Call, account: ParadexAccount, chainId: string, ethereumAccount: string | undefined): Promise<RestResult<void>> {
  const signature = signParadexOnboarding(account, chainId);
  const r = await call('POST', '/onboarding', z.unknown(), {
    headers: {
      'PARADEX-ETHEREUM-ACCOUNT': ethereumAccount ?? '0x0000000000000000000000000000000000000000',
      'PARADEX-STARKNET-ACCOUNT': account.address,
      'PARADEX-STARKNET-SIGNATURE': signature,
    },
    body: { public_key: paradexPublicKey(account.privateKey) },
  });
  if (r.ok) return { ok: true, value: undefined };
  // Onboarding twice is harmless; the venue reports it as an error we can ignore.
  if (r.error.code !== undefined && /ALREADY/i.test(r.error.code)) return { ok: true, value: undefined };
  return r;
}

async function auth(call: Call, basePath: string, account: ParadexAccount, chainId: string, nowMs: number): Promise<RestResult<string>> {
  const timestamp = Math.floor(nowMs / 1000);
  const expiration = timestamp + AUTH_SIGNATURE_TTL_S;
  const signature = signParadexAuth({ method: 'POST', path: `${basePath}/auth`, body: '', timestamp, expiration }, account, chainId);
  const publicKey = paradexPublicKey(account.privateKey);
  const r = await call('POST', `/auth/${publicKey}`, authSchema, {
    headers: {
      'PARADEX-STARKNET-ACCOUNT': account.address,
      'PARADEX-STARKNET-SIGNATURE': signature,
      'PARADEX-TIMESTAMP': String(timestamp),
      'PARADEX-SIGNATURE-EXPIRATION': String(expiration),
    },
  });
  return r.ok ? { ok: true, value: r.value.jwt_token } : r;
}

/** Turns an HTTP outcome into a typed value or a failure that names the endpoint, never the headers. */
function narrow<T>(result: HttpResult, endpoint: string, schema: z.ZodType<T>): RestResult<T> {
  if (result.kind !== 'response') {
    return { ok: false, error: { kind: result.kind, message: result.message } };
  }
  if (result.status < 200 || result.status >= 300) {
    const parsed = errorSchema.safeParse(result.json);
    const code = parsed.success ? parsed.data.error : undefined;
    const venueMessage = parsed.success ? parsed.data.message : undefined;
    return {
      ok: false,
      error: {
        kind: 'http',
        status: result.status,
        code,
        message: `${endpoint}: HTTP ${result.status}${code ? ` ${code}` : ''}${venueMessage ? `: ${venueMessage}` : ''}`,
      },
    };
  }
  const parsed = schema.safeParse(result.json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? `${issue.path.join('.') || '<root>'}: ${issue.message}` : 'unexpected shape';
    return { ok: false, error: { kind: 'malformed', status: result.status, message: `${endpoint}: malformed reply (${where})` } };
  }
  return { ok: true, value: parsed.data };
}

// ---- JWT session ---------------------------------------------------------------------------

export interface ParadexJwtSessionOptions {
  /** Obtains a fresh token; `nowMs` is the local time the request is signed. */
  readonly authenticate: (nowMs: number) => Promise<RestResult<string>>;
  readonly now?: () => number;
  /** Lifetime assumed when the token does not state one (venues.md §1.8: 5 minutes). */
  readonly lifetimeMs?: number;
  /** Refresh when less than this remains; a token inside the margin is never handed out. */
  readonly refreshMarginMs?: number;
  /** Refresh in the background when the margin is reached, so orders never wait for auth. Default true. */
  readonly backgroundRefresh?: boolean;
  readonly onRefreshError?: (error: RestFailure) => void;
}

export interface ParadexJwtSession {
  /** A token with at least the refresh margin left; refreshes first (awaiting it) when needed. */
  token(): Promise<RestResult<string>>;
  /**
   * The token `token()` would hand out at once (one with at least the refresh margin left), or undefined when it
   * would have to wait for a refresh (none is started here). Lets an order's request be built in the same turn.
   */
  tokenNow(): string | undefined;
  /** Drops the current token (e.g. after a 401) so the next `token()` obtains a new one. */
  invalidate(): void;
  /** Local time the current token stops being handed out, ms; undefined without a token. */
  readonly refreshDueAt: number | undefined;
  close(): void;
}

export function createParadexJwtSession(options: ParadexJwtSessionOptions): ParadexJwtSession {
  return new JwtSession(options);
}

class JwtSession implements ParadexJwtSession {
  private readonly now: () => number;
  private readonly defaultLifetimeMs: number;
  private readonly marginMs: number;
  private readonly background: boolean;
  // The margin is capped at 40 % of the token's life so a short-lived token is still usable.
  private current: { jwt: string; expiresAt: number; marginMs: number } | undefined;
  private inflight: Promise<RestResult<string>> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: ParadexJwtSessionOptions) {
    this.now = options.now ?? Date.now;
    this.defaultLifetimeMs = options.lifetimeMs ?? 300_000;
    this.marginMs = options.refreshMarginMs ?? 120_000;
    this.background = options.backgroundRefresh ?? true;
  }

  async token(): Promise<RestResult<string>> {
    if (this.closed) return { ok: false, error: { kind: 'unreachable', message: 'Paradex session closed' } };
    // Two rounds: joining a refresh that started long ago can yield a token already inside the margin.
    for (let round = 0; round < 2; round++) {
      const jwt = this.fresh();
      if (jwt !== undefined) return { ok: true, value: jwt };
      const r = await this.refresh();
      if (!r.ok) return r;
    }
    const jwt = this.fresh();
    return jwt !== undefined
      ? { ok: true, value: jwt }
      : { ok: false, error: { kind: 'malformed', message: 'Paradex JWT lapsed before it could be used' } };
  }

  tokenNow(): string | undefined {
    return this.closed ? undefined : this.fresh();
  }

  invalidate(): void {
    this.current = undefined;
    this.stopTimer();
  }

  get refreshDueAt(): number | undefined {
    return this.current === undefined ? undefined : this.current.expiresAt - this.current.marginMs;
  }

  close(): void {
    this.closed = true;
    this.stopTimer();
  }

  private fresh(): string | undefined {
    const c = this.current;
    return c !== undefined && this.now() < c.expiresAt - c.marginMs ? c.jwt : undefined;
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private scheduleRefresh(): void {
    this.stopTimer();
    if (!this.background || this.closed || this.current === undefined) return;
    const delay = Math.max(0, this.current.expiresAt - this.current.marginMs - this.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh().then((r) => {
        if (!r.ok) this.options.onRefreshError?.(r.error);
      });
    }, delay);
    this.timer.unref();
  }

  private refresh(): Promise<RestResult<string>> {
    this.inflight ??= this.authenticate().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async authenticate(): Promise<RestResult<string>> {
    const sentAt = this.now();
    const r = await this.options.authenticate(sentAt).catch(
      (error: unknown): RestResult<string> => ({
        ok: false,
        error: { kind: 'unreachable', message: error instanceof Error ? error.message : String(error) },
      }),
    );
    if (!r.ok) return r;
    // Time the lifetime from when we asked, by our own clock: the venue's clock may differ.
    const lifetimeMs = jwtLifetimeMs(r.value, this.defaultLifetimeMs);
    this.current = { jwt: r.value, expiresAt: sentAt + lifetimeMs, marginMs: Math.min(this.marginMs, lifetimeMs * 0.4) };
    this.scheduleRefresh();
    return r;
  }
}

/** exp − iat from the token's payload when both are present (clock-independent), else the default. */
export function jwtLifetimeMs(jwt: string, fallbackMs: number): number {
  const payload = jwt.split('.')[1];
  if (payload === undefined) return fallbackMs;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown; iat?: unknown };
    if (typeof claims.exp === 'number' && typeof claims.iat === 'number' && claims.exp > claims.iat) {
      return Math.min((claims.exp - claims.iat) * 1000, fallbackMs);
    }
  } catch {
    // Not a decodable JWT: fall back to the documented lifetime.
  }
  return fallbackMs;
}
