/**
 * Paradex L2 signatures: orders, the JWT auth request and onboarding, all SNIP-12 revision 0 typed
 * data under the domain { name: 'Paradex', chainId: <short string of starknet_chain_id>, version: '1' }
 * (venues.md §1.8–1.9). Hashes equal starknet.js `typedData.getMessageHash`; signatures are Stark
 * ECDSA made from presignatures (stark-ecdsa.ts): random nonces computed ahead, so signing an order
 * costs the hash plus two scalar products. They verify like any Stark signature but are not
 * deterministic. Everything here is synchronous.
 */
import { randomBytes } from 'node:crypto';
import { ec } from 'starknet';
import { assertPrivateKey } from '../../domain/keys';
import { toQuantums } from '../decimal';
import { defaultPresignatures, starkSign, type PresignaturePool } from './stark-ecdsa';
import { FeltStruct, feltOf, messageHash, shortStringFelt, warmPedersen } from './typed-data';

export interface ParadexOrderFields {
  /** Signature time in ms; also sent as `signature_timestamp`. */
  timestamp: number;
  market: string;
  side: 'BUY' | 'SELL';
  type: 'MARKET' | 'LIMIT';
  /** Decimal string in base units, e.g. '0.00123'. */
  size: string;
  /** Decimal string; ignored (signed as 0) for MARKET orders. */
  price: string;
}

export interface ParadexAccount {
  /** Starknet account address, 0x felt. */
  address: string;
  /** Stark private key, 0x hex. */
  privateKey: string;
}

export interface ParadexAuthRequest {
  method: string;
  path: string;
  body: string;
  /** Unix seconds. */
  timestamp: number;
  /** Unix seconds. */
  expiration: number;
}

/** Order size and price are signed as integers of 10^-8 units. */
const QUANTUM_DECIMALS = 8;
const SIDE_FELT = { BUY: 1n, SELL: 2n } as const;
const ORDER_TYPE_FELT = { MARKET: shortStringFelt('MARKET'), LIMIT: shortStringFelt('LIMIT') } as const;
const ONBOARDING_FELT = shortStringFelt('Onboarding');

const DOMAIN = new FeltStruct('StarkNetDomain', ['name', 'chainId', 'version']);
const ORDER = new FeltStruct('Order', ['timestamp', 'market', 'side', 'orderType', 'size', 'price'], { fewValues: ['market', 'orderType'] });
const REQUEST = new FeltStruct('Request', ['method', 'path', 'body', 'timestamp', 'expiration']);
const CONSTANT = new FeltStruct('Constant', ['action']);

const PARADEX_NAME_FELT = shortStringFelt('Paradex');
const DOMAIN_VERSION_FELT = 1n; // version '1' is a numeric felt in rev 0 encoding, not the character '1'

const domainHashCache = new Map<string, bigint>();

/** Struct hash of the Paradex domain for a plain chain id such as 'PRIVATE_SN_PARACLEAR_MAINNET'. */
function domainHash(chainId: string): bigint {
  const cached = domainHashCache.get(chainId);
  if (cached !== undefined) return cached;
  const hash = DOMAIN.hash([PARADEX_NAME_FELT, shortStringFelt(chainId), DOMAIN_VERSION_FELT]);
  if (domainHashCache.size >= 64) domainHashCache.clear();
  domainHashCache.set(chainId, hash);
  return hash;
}

function timestampFelt(value: number, what: string): bigint {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what} must be a non-negative integer, got ${value}`);
  return BigInt(value);
}

function orderFelts(order: ParadexOrderFields): bigint[] {
  const side = SIDE_FELT[order.side];
  const orderType = ORDER_TYPE_FELT[order.type];
  if (side === undefined) throw new RangeError(`unknown order side '${String(order.side)}'`);
  if (orderType === undefined) throw new RangeError(`unknown order type '${String(order.type)}'`);
  const size = toQuantums(order.size, QUANTUM_DECIMALS);
  const price = order.type === 'MARKET' ? 0n : toQuantums(order.price, QUANTUM_DECIMALS);
  if (size < 0n || price < 0n) throw new RangeError('order size and price must not be negative');
  return [timestampFelt(order.timestamp, 'order timestamp'), feltOf(order.market), side, orderType, size, price];
}

/** Message hash of an order, as the venue recomputes it to check `signature`. */
export function paradexOrderHash(order: ParadexOrderFields, accountAddress: string, chainId: string): bigint {
  return messageHash(domainHash(chainId), feltOf(accountAddress), ORDER.hash(orderFelts(order)));
}

/** Message hash of the `POST /auth` request that obtains a JWT. */
export function paradexAuthHash(req: ParadexAuthRequest, accountAddress: string, chainId: string): bigint {
  const felts = [
    feltOf(req.method),
    feltOf(req.path),
    feltOf(req.body),
    timestampFelt(req.timestamp, 'auth timestamp'),
    timestampFelt(req.expiration, 'auth expiration'),
  ];
  return messageHash(domainHash(chainId), feltOf(accountAddress), REQUEST.hash(felts));
}

/** Message hash of the one-time onboarding message (primaryType Constant, action 'Onboarding'). */
export function paradexOnboardingHash(accountAddress: string, chainId: string): bigint {
  return messageHash(domainHash(chainId), feltOf(accountAddress), CONSTANT.hash([ONBOARDING_FELT]));
}

function toHex(value: bigint): string {
  return `0x${value.toString(16)}`;
}

/** Signs a message hash; wire format '["<r decimal>","<s decimal>"]'. */
export function signParadexHash(hash: bigint, privateKey: string, pool: PresignaturePool = defaultPresignatures): string {
  const { r, s } = starkSign(hash, privateKey, pool);
  return `["${r.toString(10)}","${s.toString(10)}"]`;
}

export function signParadexOrder(order: ParadexOrderFields, account: ParadexAccount, chainId: string): string {
  return signParadexHash(paradexOrderHash(order, account.address, chainId), account.privateKey);
}

/**
 * Readies the signing path before the first order: the Pedersen tables (~0.5 s) and a full pool of
 * presignatures (~0.5 ms each).
 */
export function warmParadexSigning(pool: PresignaturePool = defaultPresignatures): void {
  warmPedersen();
  pool.fill();
}

export function signParadexAuth(req: ParadexAuthRequest, account: ParadexAccount, chainId: string): string {
  return signParadexHash(paradexAuthHash(req, account.address, chainId), account.privateKey);
}

export function signParadexOnboarding(account: ParadexAccount, chainId: string): string {
  return signParadexHash(paradexOnboardingHash(account.address, chainId), account.privateKey);
}

const CURVE_ORDER = ec.starkCurve.CURVE.n;
const DECIMAL_INTEGER = /^\d{1,80}$/;

function parseSignature(signature: string): { r: bigint; s: bigint } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(signature);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) return undefined;
  const [rText, sText] = parsed as unknown[];
  if (typeof rText !== 'string' || typeof sText !== 'string') return undefined;
  if (!DECIMAL_INTEGER.test(rText) || !DECIMAL_INTEGER.test(sText)) return undefined;
  const r = BigInt(rText);
  const s = BigInt(sText);
  if (r <= 0n || r >= CURVE_ORDER || s <= 0n || s >= CURVE_ORDER) return undefined;
  return { r, s };
}

/**
 * True when `signature` ('["r","s"]') is a Stark signature of `hash` by the key whose x coordinate
 * is `publicKey`. Like Starknet accounts, accepts either y for that x. Never throws: junk is false.
 */
export function verifyParadexSignature(hash: bigint, signature: string, publicKey: string): boolean {
  try {
    const rs = parseSignature(signature);
    if (!rs) return false;
    const x = BigInt(publicKey);
    if (x <= 0n || hash < 0n) return false;
    const sig = new ec.starkCurve.Signature(rs.r, rs.s);
    const xHex = x.toString(16).padStart(64, '0');
    const hashHex = toHex(hash);
    for (const prefix of ['02', '03']) {
      try {
        if (ec.starkCurve.verify(sig, hashHex, prefix + xHex)) return true;
      } catch {
        // x not on the curve, or a value out of the Stark range: not a valid signature
      }
    }
    return false;
  } catch {
    return false;
  }
}

/** The Stark public key (x coordinate, 0x hex) of a private key; the key Paradex registers. */
export function paradexPublicKey(privateKey: string): string {
  // Checked first: starknet.js's own refusal prints the key in decimal.
  assertPrivateKey(privateKey, 'stark', 'Paradex private key');
  return ec.starkCurve.getStarkKey(privateKey);
}

/** A throwaway account for the simulator and tests: random key, random felt as address. */
export function newParadexAccount(): ParadexAccount & { publicKey: string } {
  const privateKey = `0x${Buffer.from(ec.starkCurve.utils.randomPrivateKey()).toString('hex')}`;
  const address = `0x${randomBytes(31).toString('hex').replace(/^0+(?=.)/, '')}`;
  return { address, privateKey, publicKey: paradexPublicKey(privateKey) };
}
