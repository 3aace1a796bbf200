/**
 * Minimal HS256 JWTs for the simulated Paradex: the sim issues and checks its own tokens with a
 * per-server secret. Only the shape (three base64url parts, `exp` in seconds) matches Paradex;
 * clients treat the token as opaque. Tokens are secrets: never log them.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface SimJwtClaims {
  /** Paradex account address the token authenticates. */
  readonly sub: string;
  /** Issued at, unix seconds. */
  readonly iat: number;
  /** Expiry, unix seconds. */
  readonly exp: number;
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

export function signJwt(claims: SimJwtClaims, secret: Buffer): string {
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify(claims));
  const mac = createHmac('sha256', secret).update(`${head}.${body}`).digest();
  return `${head}.${body}.${b64url(mac)}`;
}

export type JwtCheck = { readonly ok: true; readonly claims: SimJwtClaims } | { readonly ok: false; readonly reason: 'malformed' | 'bad-signature' | 'expired' };

/** Verifies the MAC and expiry (`nowSec` >= exp is expired). Never throws. */
export function verifyJwt(token: string, secret: Buffer, nowSec: number): JwtCheck {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'malformed' };
  const [head = '', body = '', mac = ''] = parts;
  const expected = createHmac('sha256', secret).update(`${head}.${body}`).digest();
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad-signature' };
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (!isClaims(claims)) return { ok: false, reason: 'malformed' };
  if (nowSec >= claims.exp) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}

function isClaims(v: unknown): v is SimJwtClaims {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return typeof o.sub === 'string' && typeof o.iat === 'number' && typeof o.exp === 'number';
}
