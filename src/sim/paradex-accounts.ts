/**
 * The simulated Paradex's accounts (venues.md §1.8): onboarding with a Stark signature, /auth that
 * trades a signed request for a 5-minute JWT, and the account a bearer JWT names. Addresses and keys
 * are felts and compare by value ('0x0abc' is '0xABC').
 */
import { paradexAuthHash, paradexOnboardingHash, verifyParadexSignature } from '../venues/paradex/signing';
import { signJwt, verifyJwt } from './jwt';
import type { OrderRecord, SimParadexFill } from './paradex-orders';
import { reject, type ParadexReject } from './paradex-reject';

/** JWT lifetime on Paradex: 5 minutes, not extendable (venues.md §1.8). */
export const PARADEX_JWT_LIFETIME_S = 300;

export interface ParadexAccount {
  readonly address: string;
  readonly publicKey: string;
  readonly orders: OrderRecord[];
  readonly byId: Map<string, OrderRecord>;
  readonly byClientId: Map<string, OrderRecord>;
  readonly fills: SimParadexFill[];
}

/** A signed POST /auth, as its headers carry it. */
export interface ParadexAuthRequest {
  readonly address: string;
  readonly signature: string;
  /** Unix seconds. */
  readonly timestamp: number;
  readonly expiration: number;
  /** The public key of `/auth/{public_key}`, when the path names one. */
  readonly pathKey: string | undefined;
  /** The request path (clients sign '/v1/auth' even when calling /v1/auth/{public_key}). */
  readonly path: string;
}

/** Stark keys and felts compare by value: '0x0abc' and '0xABC' are the same key. */
export function feltKey(hex: string): string | undefined {
  try {
    return `0x${BigInt(hex).toString(16)}`;
  } catch {
    return undefined;
  }
}

export class ParadexAccounts {
  private readonly byAddress = new Map<string, ParadexAccount>();

  constructor(private readonly opts: { readonly chainId: string; readonly secret: Buffer; readonly now: () => number }) {}

  all(): IterableIterator<ParadexAccount> {
    return this.byAddress.values();
  }

  /** The account, created when new (as if onboarded in the UI). */
  onboard(address: string, publicKey: string): ParadexAccount {
    const key = feltKey(address) ?? address;
    const existing = this.byAddress.get(key);
    if (existing) return existing;
    const record: ParadexAccount = { address, publicKey, orders: [], byId: new Map(), byClientId: new Map(), fills: [] };
    this.byAddress.set(key, record);
    return record;
  }

  get(address: string | undefined): ParadexAccount | undefined {
    const key = address === undefined ? undefined : feltKey(address);
    return key === undefined ? undefined : this.byAddress.get(key);
  }

  hasPublicKey(publicKey: string): boolean {
    return [...this.byAddress.values()].some((a) => feltKey(a.publicKey) === feltKey(publicKey));
  }

  /** POST /onboarding: the account signs the onboarding message with the key it registers. */
  onboardSigned(address: string, publicKey: string, signature: string): ParadexReject | undefined {
    if (feltKey(publicKey) === undefined) return reject('invalid', 'PUBLIC_KEY_INVALID', 'body must be {"public_key":"0x…"}');
    if (feltKey(address) === undefined) return reject('invalid', 'INVALID_STARKNET_ADDRESS', 'PARADEX-STARKNET-ACCOUNT is not a felt');
    let ok: boolean;
    try {
      ok = verifyParadexSignature(paradexOnboardingHash(address, this.opts.chainId), signature, publicKey);
    } catch {
      ok = false;
    }
    if (!ok) return reject('invalid', 'STARKNET_SIGNATURE_VERIFICATION_FAILED', 'onboarding signature does not verify against public_key');
    const existing = this.get(address);
    if (existing && feltKey(existing.publicKey) !== feltKey(publicKey)) {
      return reject('invalid', 'PUBLIC_KEY_INVALID', 'account is already onboarded with another public key');
    }
    this.onboard(address, publicKey);
    return undefined;
  }

  /** POST /auth: a JWT for the account, valid 5 minutes and never past the signature's expiration + 5 minutes. */
  issueJwt(request: ParadexAuthRequest): { readonly jwt: string } | ParadexReject {
    const nowSec = Math.floor(this.opts.now() / 1000);
    if (request.expiration <= nowSec) return reject('invalid', 'INVALID_TIMESTAMP', 'signature expired');
    if (request.timestamp > nowSec + 60) return reject('invalid', 'INVALID_TIMESTAMP', 'PARADEX-TIMESTAMP is in the future');
    const account = this.get(request.address);
    if (!account) return reject('invalid', 'NOT_ONBOARDED', `account ${request.address} is not onboarded`);
    if (request.pathKey !== undefined && request.pathKey !== '' && feltKey(request.pathKey) !== feltKey(account.publicKey)) {
      return reject('invalid', 'PUBLIC_KEY_INVALID', 'public key in the path is not registered for this account');
    }
    if (!this.authSignatureVerifies(account, request)) {
      return reject('invalid', 'STARKNET_SIGNATURE_VERIFICATION_FAILED', 'auth signature does not verify against the account public key');
    }
    const exp = Math.min(nowSec + PARADEX_JWT_LIFETIME_S, request.expiration + PARADEX_JWT_LIFETIME_S);
    return { jwt: signJwt({ sub: account.address, iat: nowSec, exp }, this.opts.secret) };
  }

  /** The account a bearer JWT authenticates. */
  authenticate(token: string): ParadexAccount | ParadexReject {
    const check = verifyJwt(token, this.opts.secret, Math.floor(this.opts.now() / 1000));
    if (!check.ok) return reject('unauthorized', 'INVALID_TOKEN', check.reason === 'expired' ? 'token expired' : 'invalid token');
    return this.get(check.claims.sub) ?? reject('unauthorized', 'INVALID_TOKEN', 'token account is not onboarded');
  }

  private authSignatureVerifies(account: ParadexAccount, request: ParadexAuthRequest): boolean {
    // Clients sign path '/v1/auth' (paradex-py, code samples) even when calling /v1/auth/{public_key}.
    return [...new Set(['/v1/auth', request.path])].some((path) => {
      try {
        const { timestamp, expiration } = request;
        const hash = paradexAuthHash({ method: 'POST', path, body: '', timestamp, expiration }, account.address, this.opts.chainId);
        return verifyParadexSignature(hash, request.signature, account.publicKey);
      } catch {
        return false;
      }
    });
  }
}
