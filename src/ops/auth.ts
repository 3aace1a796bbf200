/**
 * Bearer-token checks for the API's control routes. The token comes from the environment (ARB_API_TOKEN)
 * and is compared in constant time (both sides hashed first, so neither the length nor a prefix leaks
 * through timing). Nothing here logs or returns the token.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export const API_TOKEN_ENV = 'ARB_API_TOKEN';

/** Shortest token accepted: a guessable one is no lock. */
export const MIN_TOKEN_LENGTH = 16;

export type AuthResult = { readonly ok: true } | { readonly ok: false; readonly status: 401 | 403; readonly error: string };

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Checks an Authorization header against the configured token (undefined: control is disabled). */
export function checkBearer(header: string | undefined, token: string | undefined): AuthResult {
  if (token === undefined || token === '') {
    return { ok: false, status: 403, error: `control is disabled: start the bot with ${API_TOKEN_ENV} set to enable it` };
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  const given = match?.[1] ?? '';
  // Always compare, even when the header is missing, so a refusal takes the same time either way.
  const equal = timingSafeEqual(digest(given), digest(token));
  if (!match) return { ok: false, status: 401, error: 'missing bearer token (Authorization: Bearer <token>)' };
  if (!equal) return { ok: false, status: 401, error: 'wrong token' };
  return { ok: true };
}

/** True for addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1';
}

/**
 * Why an API setup is refused, or undefined when it is acceptable: a non-loopback address needs a token
 * (its read routes show positions and PnL, its control routes flatten), and a token must be long enough.
 */
export function apiSecurityProblem(host: string, token: string | undefined): { path: string; value: string; rule: string } | undefined {
  if (token !== undefined && token !== '' && token.length < MIN_TOKEN_LENGTH) {
    return { path: API_TOKEN_ENV, value: '<redacted>', rule: `must be at least ${MIN_TOKEN_LENGTH} characters` };
  }
  if (!isLoopbackHost(host) && (token === undefined || token === '')) {
    return { path: 'api.host', value: JSON.stringify(host), rule: `a non-loopback address needs ${API_TOKEN_ENV} set (the API would be open to the network)` };
  }
  return undefined;
}
