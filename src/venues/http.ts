/**
 * A small JSON-over-HTTP helper for the venue REST clients. Every call has a deadline and never
 * throws: the outcome is a value that says whether the request certainly did not reach the venue
 * (`unreachable`), may have reached it (`timeout`, `network`), or was answered (`response`).
 * The difference matters for orders: only an unanswered request leaves the outcome unknown.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** The subset of the WHATWG fetch the helper needs; tests and callers may inject their own. */
export type FetchLike = (url: string, init: {
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal: AbortSignal;
}) => Promise<{ status: number; text(): Promise<string> }>;

export interface HttpRequest {
  readonly method: HttpMethod;
  readonly url: string;
  readonly headers?: Record<string, string>;
  /** Serialised as JSON unless already a string. */
  readonly body?: unknown;
  /** Deadline for the whole exchange, body included. */
  readonly timeoutMs: number;
  /** Aborts the request early (e.g. the client is closing); reported as `network`. */
  readonly signal?: AbortSignal;
}

export type HttpResult =
  /** The venue answered. `json` is undefined when the body is empty or not JSON (see `text`). */
  | { readonly kind: 'response'; readonly status: number; readonly json: unknown; readonly text: string }
  /** No answer within the deadline: the request may have been processed. */
  | { readonly kind: 'timeout'; readonly message: string }
  /** The connection failed after it may have carried the request (reset, closed early). */
  | { readonly kind: 'network'; readonly message: string }
  /** The connection was never established (refused, DNS): the venue did not see the request. */
  | { readonly kind: 'unreachable'; readonly message: string };

/** Error codes meaning the request never left this host. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export async function httpJson(request: HttpRequest, fetchImpl: FetchLike = globalFetch): Promise<HttpResult> {
  const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
  let body: string | undefined;
  if (request.body !== undefined) {
    body = typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
    headers['content-type'] ??= 'application/json';
  }
  const deadline = AbortSignal.timeout(request.timeoutMs);
  const signal = request.signal ? AbortSignal.any([deadline, request.signal]) : deadline;
  if (request.signal?.aborted) {
    return { kind: 'unreachable', message: `${request.method} ${pathOf(request.url)}: cancelled before sending` };
  }
  try {
    const response = await fetchImpl(request.url, { method: request.method, headers, body, signal });
    const text = await response.text();
    return { kind: 'response', status: response.status, json: parseJson(text), text };
  } catch (error) {
    return classifyFailure(error, request, deadline);
  }
}

function classifyFailure(error: unknown, request: HttpRequest, deadline: AbortSignal): HttpResult {
  const where = `${request.method} ${pathOf(request.url)}`;
  if (request.signal?.aborted) {
    return { kind: 'network', message: `${where}: cancelled while in flight` };
  }
  if (deadline.aborted || isNamed(error, 'TimeoutError')) {
    return { kind: 'timeout', message: `${where}: no answer within ${request.timeoutMs} ms` };
  }
  const code = errorCode(error);
  const detail = code ?? (error instanceof Error ? error.message : String(error));
  if (code !== undefined && NOT_SENT_CODES.has(code)) {
    return { kind: 'unreachable', message: `${where}: ${detail}` };
  }
  return { kind: 'network', message: `${where}: ${detail}` };
}

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isNamed(error: unknown, name: string): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === name;
}

/** undici wraps socket errors: TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } }). */
function errorCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Host and path only: query strings may carry account data and never belong in messages. */
function pathOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.host}${parsed.pathname}`;
  } catch {
    return '<invalid url>';
  }
}

const globalFetch: FetchLike = (url, init) => fetch(url, init);

/** `?a=1&b=2` from defined entries, '' when none. */
export function queryString(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined) search.set(key, String(value));
  }
  const text = search.toString();
  return text.length > 0 ? `?${text}` : '';
}

/** Why a call produced no usable answer. `timeout`/`network` mean the venue may have acted on it. */
export interface RestFailure {
  readonly kind: 'timeout' | 'network' | 'unreachable' | 'http' | 'malformed';
  readonly status?: number;
  /** Venue error code, e.g. 'INVALID_ORDER_SIGNATURE'. */
  readonly code?: string;
  readonly message: string;
}

export type RestResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: RestFailure };

/** The few log methods the venue clients use; a winston logger fits. */
export interface VenueLogger {
  warn(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  debug(message: string, meta?: Record<string, unknown>): void;
}
