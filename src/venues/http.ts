/**
 * A small JSON-over-HTTP helper for the venue REST clients. Every call has a deadline and never
 * throws: the outcome is a value that says whether the request certainly did not reach the venue
 * (`unreachable`), may have reached it (`timeout`, `network`), or was answered (`response`).
 * The difference matters for orders: only an unanswered request leaves the outcome unknown.
 *
 * Transport: node's http/https with one keep-alive Agent per origin (the order path reuses a warm
 * connection; global fetch cost ~ms per request in undici Request/AbortSignal objects). Agents
 * belong to the caller's `signal` (the venue client's shutdown signal) and are destroyed when it
 * aborts; requests without a signal share module agents, closed by closeHttpAgents(). Idle sockets
 * are unref'd by the Agent, so they never keep the process alive.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { Socket } from 'node:net';

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

export async function httpJson(request: HttpRequest, fetchImpl?: FetchLike): Promise<HttpResult> {
  if (fetchImpl === undefined) return nodeRequest(request);
  return fetchJson(request, fetchImpl);
}

/** The injected-fetch path (tests, custom transports). */
async function fetchJson(request: HttpRequest, fetchImpl: FetchLike): Promise<HttpResult> {
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

/**
 * Idle keep-alive sockets are closed after this: under the 5 s keep-alive timeout of node servers
 * (the simulator), so we never write a request into a socket the server is closing.
 */
export const IDLE_SOCKET_MS = 4_000;

/** A keep-warm period that holds a connection open against IDLE_SOCKET_MS, with room for a slow answer. */
export const KEEP_WARM_MS = 3_000;

/**
 * Calls `ping` every `everyMs` until `signal` aborts, skipping a beat while the last one is still in
 * flight; failures are ignored. With a ping that goes through the same client (and so the same
 * keep-alive Agent) as the orders, the connection an order will use stays open through quiet spells:
 * otherwise an order after 4 s of silence pays a new TCP (and, on the real hosts, TLS) handshake.
 * The timer is unref'd: it never keeps a process alive.
 */
export function keepConnectionWarm(ping: () => Promise<unknown>, everyMs: number, signal: AbortSignal): void {
  if (!(everyMs > 0) || !Number.isFinite(everyMs) || signal.aborted) return;
  let inFlight = false;
  const timer = setInterval(() => {
    if (inFlight) return;
    inFlight = true;
    ping()
      .catch(() => undefined)
      .finally(() => {
        inFlight = false;
      });
  }, everyMs);
  timer.unref();
  signal.addEventListener('abort', () => clearInterval(timer), { once: true });
}

type Agents = Map<string, http.Agent>;
/**
 * What belongs to one owner signal: its agents (destroyed when it aborts) and the requests in flight
 * (told when it aborts). One 'abort' listener per owner, not one per request: adding and removing an
 * EventTarget listener costs more than the rest of a request's setup on the order path.
 */
interface Owned {
  readonly agents: Agents;
  readonly inFlight: Set<() => void>;
}
const ownedBySignal = new WeakMap<AbortSignal, Owned>();
const sharedAgents: Agents = new Map();

function ownedBy(signal: AbortSignal): Owned {
  let owned = ownedBySignal.get(signal);
  if (owned === undefined) {
    const created: Owned = { agents: new Map(), inFlight: new Set() };
    owned = created;
    ownedBySignal.set(signal, created);
    signal.addEventListener(
      'abort',
      () => {
        for (const cancel of [...created.inFlight]) cancel();
        created.inFlight.clear();
        destroyAgents(created.agents);
      },
      { once: true },
    );
  }
  return owned;
}

function agentFor(target: Target, signal: AbortSignal | undefined): http.Agent {
  const agents = signal === undefined ? sharedAgents : ownedBy(signal).agents;
  let agent = agents.get(target.origin);
  if (agent === undefined) {
    const options = { keepAlive: true, timeout: IDLE_SOCKET_MS, scheduling: 'lifo' as const };
    agent = target.secure ? new https.Agent(options) : new http.Agent(options);
    agents.set(target.origin, agent);
  }
  return agent;
}

/** A request URL as http.request takes it, parsed once per distinct URL string (see targetOf). */
interface Target {
  readonly secure: boolean;
  readonly origin: string;
  readonly hostname: string;
  readonly port: string;
  /** Path and query. */
  readonly path: string;
  /** `user:password` when the URL carries them (as http.request takes a URL). */
  readonly auth?: string;
}

/** Parsed URLs by their text: an order endpoint is the same string every time. Cleared when full (query strings vary). */
const targets = new Map<string, Target | string>();
const MAX_TARGETS = 256;

/** The parsed target, or why the URL cannot be requested. */
function targetOf(text: string): Target | string {
  const known = targets.get(text);
  if (known !== undefined) return known;
  let target: Target | string;
  try {
    const url = new URL(text);
    target =
      url.protocol !== 'http:' && url.protocol !== 'https:'
        ? `unsupported protocol ${url.protocol}`
        : {
            secure: url.protocol === 'https:',
            origin: `${url.protocol}//${url.host}`,
            // An IPv6 host is bracketed in a URL but not in a socket address.
            hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
            port: url.port,
            path: `${url.pathname}${url.search}`,
            ...(url.username || url.password ? { auth: `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` } : {}),
          };
  } catch {
    target = 'invalid url';
  }
  if (targets.size >= MAX_TARGETS) targets.clear();
  targets.set(text, target);
  return target;
}

function destroyAgents(agents: Agents): void {
  for (const agent of agents.values()) agent.destroy();
  agents.clear();
}

/** Closes the keep-alive connections of requests made without a signal. */
export function closeHttpAgents(): void {
  destroyAgents(sharedAgents);
}

/**
 * Error codes of a kept-alive socket the server closed just as it was reused: the request did not
 * get an answer, and for a read it is safe to send it again on a new connection (node's http docs,
 * `request.reusedSocket`). Never for a write: an order's outcome is then unknown and is looked up.
 */
const STALE_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE']);

/** Reads sent again after a stale kept-alive socket: the agent may hand out another idle one from the same quiet spell. */
const STALE_RETRIES = 2;

function nodeRequest(request: HttpRequest, staleRetries = request.method === 'GET' ? STALE_RETRIES : 0): Promise<HttpResult> {
  // Only a failure needs it: built then, not for every request.
  const where = (): string => `${request.method} ${pathOf(request.url)}`;
  if (request.signal?.aborted) {
    return Promise.resolve({ kind: 'unreachable', message: `${where()}: cancelled before sending` });
  }
  const target = targetOf(request.url);
  if (typeof target === 'string') {
    return Promise.resolve({ kind: 'unreachable', message: `${where()}: ${target}` });
  }
  const { headers, body } = encodeBody(request);
  const signal = request.signal;
  const inFlight = signal === undefined ? undefined : ownedBy(signal).inFlight;

  const startedAt = Date.now();
  return new Promise<HttpResult>((resolve) => {
    let done = false;
    /** True once the request could have reached the venue: a reused or connected socket. */
    const wire = { open: false };
    const finish = (result: HttpResult | Promise<HttpResult>): void => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      inFlight?.delete(onAbort);
      resolve(result);
    };
    const fail = (error: unknown): void => {
      const code = errorCode(error);
      const left = request.timeoutMs - (Date.now() - startedAt);
      // Again, on the next socket the agent has (a new connection once the idle ones are spent), within the deadline.
      if (!done && staleRetries > 0 && left > 0 && staleSocket(req, code, signal)) return finish(nodeRequest({ ...request, timeoutMs: left }, staleRetries - 1));
      const detail = code ?? (error instanceof Error ? error.message : String(error));
      const notSent = (code !== undefined && NOT_SENT_CODES.has(code)) || !wire.open;
      finish({ kind: notSent ? 'unreachable' : 'network', message: `${where()}: ${detail}` });
    };
    const onAbort = (): void => {
      finish({ kind: 'network', message: `${where()}: cancelled while in flight` });
      req.destroy();
    };
    const deadline = setTimeout(() => {
      finish({ kind: 'timeout', message: `${where()}: no answer within ${request.timeoutMs} ms` });
      req.destroy();
    }, request.timeoutMs);

    const req = (target.secure ? https : http).request(requestOptions(target, request.method, headers, signal), (res) => readResponse(res, finish, where));
    req.on('socket', (socket) => watchWire(req, socket, target.secure, wire));
    req.on('error', fail);
    inFlight?.add(onAbort);
    req.end(body);
  });
}

function requestOptions(target: Target, method: HttpMethod, headers: Record<string, string>, signal: AbortSignal | undefined): http.RequestOptions {
  return {
    hostname: target.hostname,
    port: target.port,
    path: target.path,
    ...(target.auth !== undefined ? { auth: target.auth } : {}),
    method,
    headers,
    agent: agentFor(target, signal),
  };
}

/** A kept-alive socket reset or closed by the server as this request reused it (not a cancellation of ours). */
function staleSocket(req: http.ClientRequest, code: string | undefined, signal: AbortSignal | undefined): boolean {
  return req.reusedSocket && code !== undefined && STALE_SOCKET_CODES.has(code) && signal?.aborted !== true;
}

/** Headers and the body as sent: JSON unless a string was given, with its length. */
function encodeBody(request: HttpRequest): { headers: Record<string, string>; body: string | undefined } {
  const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
  if (request.body === undefined) return { headers, body: undefined };
  const body = typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
  headers['content-type'] ??= 'application/json';
  headers['content-length'] = String(Buffer.byteLength(body));
  return { headers, body };
}

function readResponse(res: http.IncomingMessage, finish: (result: HttpResult) => void, where: () => string): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => {
    const text = Buffer.concat(chunks).toString('utf8');
    finish({ kind: 'response', status: res.statusCode ?? 0, json: parseJson(text), text });
  });
  // Cut mid-body: the venue saw the request.
  res.on('error', (error) => finish({ kind: 'network', message: `${where()}: ${errorCode(error) ?? error.message}` }));
  res.on('close', () => {
    if (!res.complete) finish({ kind: 'network', message: `${where()}: connection closed mid-response` });
  });
}

/** Sets `wire.open` once the request is written: the connection is up (TLS included); before that it cannot have left. */
function watchWire(req: http.ClientRequest, socket: Socket, secure: boolean, wire: { open: boolean }): void {
  socket.setNoDelay(true);
  if (req.reusedSocket) wire.open = true;
  else if (secure) socket.once('secureConnect', () => (wire.open = true));
  else if (!socket.connecting) wire.open = true;
  else socket.once('connect', () => (wire.open = true));
}

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
