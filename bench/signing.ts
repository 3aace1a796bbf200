/**
 * Signing section: one Paradex order (SNIP-12 hash + Stark ECDSA) with our signing.ts against the
 * plain starknet.js path (typedData.getMessageHash + ec.starkCurve.sign) in the same run, and one
 * Vest order (keccak digest + EIP-191 secp256k1 signature).
 *
 * paradexSignMs is what an order waits for: the hash plus the signature from a ready presignature,
 * the state the bot is in when an order is decided (the pool refills between orders, off the order
 * path). The work moved off that path is reported beside it: paradexPresignMs per presignature, and
 * paradexSignColdMs for an order signed with the pool empty (hash + nonce + k·G on the spot).
 */
import { ec, shortString, typedData, type TypedData } from 'starknet';
import {
  newParadexAccount,
  paradexOrderHash,
  signParadexHash,
  signParadexOrder,
  warmParadexSigning,
  type ParadexOrderFields,
} from '../src/venues/paradex/signing';
import { defaultPresignatures, newPresignature, PresignaturePool } from '../src/venues/paradex/stark-ecdsa';
import { newVestKeys, signVestOrder, type VestOrderFields } from '../src/venues/vest/signing';
import { toQuantums } from '../src/venues/decimal';
import { consume, measureAsyncMs, measureSyncMs } from './measure';

export interface SigningOptions {
  readonly paradexOps: number;
  /** The starknet.js reference is slow; fewer samples suffice. */
  readonly referenceOps: number;
  readonly vestOps: number;
}

export const DEFAULT_SIGNING: SigningOptions = { paradexOps: 300, referenceOps: 40, vestOps: 300 };

export interface SigningResult {
  /** Median ms to hash and sign one Paradex order with src/venues/paradex/signing.ts, presignature ready. */
  paradexSignMs: number;
  /** Median ms to hash and sign one Paradex order with no presignature ready. */
  paradexSignColdMs: number;
  /** Median ms to make one presignature (done off the order path). */
  paradexPresignMs: number;
  /** Median ms of starknet.js typedData.getMessageHash + ec.starkCurve.sign for the same order. */
  paradexReferenceSignMs: number;
  paradexSignSpeedup: number;
  /** Median ms to digest and sign one Vest order. */
  vestSignMs: number;
}

const CHAIN_ID = 'PRIVATE_SN_PARACLEAR_MAINNET';
const felts = (...names: string[]) => names.map((name) => ({ name, type: 'felt' }));

/** The order as Paradex's own TypeScript samples build the typed data (the test's reference too). */
function referenceTypedData(o: ParadexOrderFields): TypedData {
  return {
    domain: { name: 'Paradex', chainId: shortString.encodeShortString(CHAIN_ID), version: '1' },
    primaryType: 'Order',
    types: { StarkNetDomain: felts('name', 'chainId', 'version'), Order: felts('timestamp', 'market', 'side', 'orderType', 'size', 'price') },
    message: {
      timestamp: o.timestamp,
      market: shortString.encodeShortString(o.market),
      side: o.side === 'BUY' ? '1' : '2',
      orderType: shortString.encodeShortString(o.type),
      size: toQuantums(o.size, 8).toString(),
      price: o.type === 'MARKET' ? '0' : toQuantums(o.price, 8).toString(),
    },
  } as TypedData;
}

export async function runSigningBench(opts: SigningOptions = DEFAULT_SIGNING): Promise<SigningResult> {
  const account = newParadexAccount();
  warmParadexSigning(); // table build and pool fill are one-offs at startup, not per order
  let t = 1_767_225_600_000;
  let size = 0;
  // Sizes and prices vary per order, as they do in trading.
  const nextOrder = (): ParadexOrderFields => {
    size = (size % 997) + 1;
    return { timestamp: ++t, market: 'BTC-USD-PERP', side: 'SELL', type: 'LIMIT', size: `0.${String(1000 + size).slice(1)}34`, price: `${95000 + size}.4` };
  };

  const paradexSignMs = measureSyncMs(() => consume(signParadexOrder(nextOrder(), account, CHAIN_ID)), {
    ops: opts.paradexOps,
    warmup: 50, // the field arithmetic runs thousands of times per order; let the JIT settle first
    // Between orders the pool refills in the background; here, untimed, before each one.
    setup: () => defaultPresignatures.fill(),
  });
  // Never filled, and its background refill needs a macrotask this synchronous loop never yields:
  // every signature makes its presignature on the spot.
  const emptyPool = new PresignaturePool({ size: 1 });
  const paradexSignColdMs = measureSyncMs(
    () => consume(signParadexHash(paradexOrderHash(nextOrder(), account.address, CHAIN_ID), account.privateKey, emptyPool)),
    { ops: Math.max(20, opts.paradexOps / 5), warmup: 2 },
  );
  const paradexPresignMs = measureSyncMs(() => consume(newPresignature()), { ops: Math.max(20, opts.paradexOps / 5), warmup: 2 });
  const paradexReferenceSignMs = measureSyncMs(
    () => {
      const hash = typedData.getMessageHash(referenceTypedData(nextOrder()), account.address);
      consume(ec.starkCurve.sign(hash, account.privateKey));
    },
    { ops: opts.referenceOps, warmup: 2 },
  );

  const keys = newVestKeys();
  let nonce = 0;
  const vestOrder = (): VestOrderFields => ({
    time: ++t,
    nonce: ++nonce,
    orderType: 'MARKET',
    symbol: 'BTC-PERP',
    isBuy: true,
    size: '0.0123',
    limitPrice: '95123.45',
    reduceOnly: false,
  });
  const vestSignMs = await measureAsyncMs(async () => consume(await signVestOrder(vestOrder(), keys.signingKey)), { ops: opts.vestOps, warmup: 5 });

  return {
    paradexSignMs,
    paradexSignColdMs,
    paradexPresignMs,
    paradexReferenceSignMs,
    paradexSignSpeedup: paradexReferenceSignMs / paradexSignMs,
    vestSignMs,
  };
}
