import { ec, shortString, typedData, type TypedData } from 'starknet';
import {
  newParadexAccount,
  paradexAuthHash,
  paradexOnboardingHash,
  paradexOrderHash,
  paradexPublicKey,
  signParadexAuth,
  signParadexOnboarding,
  signParadexOrder,
  verifyParadexSignature,
  type ParadexAuthRequest,
  type ParadexOrderFields,
} from '../../../src/venues/paradex/signing';
import { pedersen } from '../../../src/venues/paradex/typed-data';
import { randomBits, seededUniform as rng } from '../../support/numbers';

// The reference: typed data exactly as Paradex's own TypeScript samples build it, hashed by starknet.js.
const DOMAIN_TYPE = [
  { name: 'name', type: 'felt' },
  { name: 'chainId', type: 'felt' },
  { name: 'version', type: 'felt' },
];
const felts = (...names: string[]) => names.map((name) => ({ name, type: 'felt' }));

function referenceTypedData(chainId: string, primaryType: string, fields: string[], message: Record<string, unknown>): TypedData {
  return {
    domain: { name: 'Paradex', chainId: shortString.encodeShortString(chainId), version: '1' },
    primaryType,
    types: { StarkNetDomain: DOMAIN_TYPE, [primaryType]: felts(...fields) },
    message,
  } as TypedData;
}

interface QuantumOrder {
  timestamp: number;
  market: string;
  side: 'BUY' | 'SELL';
  type: 'MARKET' | 'LIMIT';
  sizeQuantums: bigint;
  priceQuantums: bigint;
}

function referenceOrderHash(o: QuantumOrder, address: string, chainId: string): bigint {
  const td = referenceTypedData(chainId, 'Order', ['timestamp', 'market', 'side', 'orderType', 'size', 'price'], {
    timestamp: o.timestamp,
    market: shortString.encodeShortString(o.market),
    side: o.side === 'BUY' ? '1' : '2',
    orderType: shortString.encodeShortString(o.type),
    size: o.sizeQuantums.toString(),
    price: o.type === 'MARKET' ? '0' : o.priceQuantums.toString(),
  });
  return BigInt(typedData.getMessageHash(td, address));
}

const FIELD_PRIME = 2n ** 251n + 17n * 2n ** 192n + 1n;
const CHARSET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ-_kx';

function randomShortString(next: () => number, maxLength: number): string {
  const length = 1 + Math.floor(next() * maxLength);
  let text = '';
  for (let i = 0; i < length; i++) text += CHARSET[Math.floor(next() * CHARSET.length)];
  return text;
}

/** Quantums as a decimal string the way a client might write it: trailing zeros or extra digits that truncate away. */
function quantumsToDecimalString(next: () => number, quantums: bigint): string {
  const digits = quantums.toString().padStart(9, '0');
  let text = `${digits.slice(0, -8)}.${digits.slice(-8)}`;
  const style = next();
  if (style < 0.3) text = text.replace(/0+$/, '').replace(/\.$/, '');
  else if (style < 0.6) text += String(Math.floor(next() * 1e6)); // beyond 10^-8: rounded down
  return text;
}

const MARKETS = ['BTC-USD-PERP', 'ETH-USD-PERP', 'kBONK-USD-PERP', 'BTC-USD-96000-C'];
const CHAIN_IDS = ['PRIVATE_SN_PARACLEAR_MAINNET', 'PRIVATE_SN_POTC_SEPOLIA'];

interface RandomCase {
  order: ParadexOrderFields;
  quantums: QuantumOrder;
  address: string;
  chainId: string;
}

function randomCases(seed: number, count: number): RandomCase[] {
  const next = rng(seed);
  const cases: RandomCase[] = [];
  for (let i = 0; i < count; i++) {
    const market = next() < 0.5 ? (MARKETS[i % MARKETS.length] as string) : randomShortString(next, 31);
    const chainId = next() < 0.5 ? (CHAIN_IDS[i % CHAIN_IDS.length] as string) : randomShortString(next, 31);
    const address = `0x${(randomBits(next, 256) % FIELD_PRIME).toString(16)}`;
    const quantums: QuantumOrder = {
      timestamp: Math.floor(next() * 2 ** 45),
      market,
      side: next() < 0.5 ? 'BUY' : 'SELL',
      type: next() < 0.5 ? 'MARKET' : 'LIMIT',
      sizeQuantums: randomBits(next, 1 + Math.floor(next() * 64)),
      priceQuantums: randomBits(next, 1 + Math.floor(next() * 64)),
    };
    const order: ParadexOrderFields = {
      timestamp: quantums.timestamp,
      market,
      side: quantums.side,
      type: quantums.type,
      size: quantumsToDecimalString(next, quantums.sizeQuantums),
      price: quantumsToDecimalString(next, quantums.priceQuantums),
    };
    cases.push({ order, quantums, address, chainId });
  }
  return cases;
}

function mismatchesAgainstStarknetJs(cases: RandomCase[]): string[] {
  return cases
    .filter((c) => paradexOrderHash(c.order, c.address, c.chainId) !== referenceOrderHash(c.quantums, c.address, c.chainId))
    .map((c) => JSON.stringify({ order: c.order, address: c.address, chainId: c.chainId }));
}

describe('Paradex order hash', () => {
  // The proof the issue asks for before adopting a faster Pedersen: starknet.js's own typed-data path,
  // unmodified, on 1,000 random orders (random markets, sides, types, sizes, prices, timestamps,
  // accounts and chain ids). starknet.js costs ~20-60 ms per hash here, so this test takes about a minute.
  it('equals starknet.js typedData.getMessageHash, unmodified, on 1,000 random orders, accounts and chain ids', () => {
    expect(mismatchesAgainstStarknetJs(randomCases(20240611, 1000))).toEqual([]);
  }, 300_000);

  it('still produces the pinned hash of a fixed order (computed once with starknet.js), and a signature that verifies', () => {
    const order: ParadexOrderFields = {
      timestamp: 1735689600000,
      market: 'BTC-USD-PERP',
      side: 'SELL',
      type: 'LIMIT',
      size: '0.015',
      price: '95123.45',
    };
    const account = {
      address: '0x4a2d1b3c5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f80',
      privateKey: '0x1f2e3d4c5b6a79880a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f607',
    };
    const hash = paradexOrderHash(order, account.address, 'PRIVATE_SN_PARACLEAR_MAINNET');
    expect(`0x${hash.toString(16)}`).toBe('0x410d1d76a5dc5aba5410b27b415987234d4bac0e16a2e7c981a3aa2b876ab35');
    expect(paradexPublicKey(account.privateKey)).toBe('0xd52f8487f39c70f84597e0949c5e7afa1df7be6b4d2c8af32e2b130f91631e');
    // Signatures use random nonces, so the pinned fact is that they verify under the pinned key.
    const signature = signParadexOrder(order, account, 'PRIVATE_SN_PARACLEAR_MAINNET');
    expect(verifyParadexSignature(hash, signature, '0xd52f8487f39c70f84597e0949c5e7afa1df7be6b4d2c8af32e2b130f91631e')).toBe(true);
  });

  it('signs size and price as 10^-8 quantums rounded down, and a MARKET price as 0', () => {
    const account = newParadexAccount();
    const chainId = 'PRIVATE_SN_PARACLEAR_MAINNET';
    const base = { timestamp: 1700000000000, market: 'ETH-USD-PERP', side: 'BUY' as const };
    const tiny = paradexOrderHash({ ...base, type: 'LIMIT', size: '0.000000019', price: '3000.123456789' }, account.address, chainId);
    expect(tiny).toBe(
      referenceOrderHash({ ...base, type: 'LIMIT', sizeQuantums: 1n, priceQuantums: 300012345678n }, account.address, chainId),
    );
    const market = paradexOrderHash({ ...base, type: 'MARKET', size: '1.5', price: '3000' }, account.address, chainId);
    expect(market).toBe(
      referenceOrderHash({ ...base, type: 'MARKET', sizeQuantums: 150000000n, priceQuantums: 0n }, account.address, chainId),
    );
    expect(paradexOrderHash({ ...base, type: 'MARKET', size: '1.5', price: '1' }, account.address, chainId)).toBe(market);
  });

  it('rejects a size that is not a plain decimal string', () => {
    const account = newParadexAccount();
    const order: ParadexOrderFields = { timestamp: 1, market: 'BTC-USD-PERP', side: 'BUY', type: 'LIMIT', size: '1e-5', price: '1' };
    expect(() => paradexOrderHash(order, account.address, 'PRIVATE_SN_PARACLEAR_MAINNET')).toThrow(/plain decimal/);
  });
});

describe('Pedersen hash', () => {
  it('equals the starknet.js Pedersen hash on random and edge-case inputs', () => {
    const next = rng(7);
    const pairs: [bigint, bigint][] = [
      [0n, 0n],
      [FIELD_PRIME - 1n, FIELD_PRIME - 1n],
      [2n ** 248n - 1n, 2n ** 248n],
      [2n ** 251n, 1n],
    ];
    for (let i = 0; i < 400; i++) {
      pairs.push([randomBits(next, 256) % FIELD_PRIME, randomBits(next, 1 + Math.floor(next() * 255)) % FIELD_PRIME]);
    }
    for (const [a, b] of pairs) expect(pedersen(a, b)).toBe(BigInt(ec.starkCurve.pedersen(a, b)));
  });

  it('stays equal at every window boundary: single bits, all-ones runs and zero windows in either operand', () => {
    // The tables cut inputs into 12- and 8-bit windows; these hit every digit position, full and
    // empty digits, hex lengths of every residue, and the 248-bit low/high split of both operands.
    let zeroWindows = 0n;
    for (let shift = 0n; shift < 240n; shift += 24n) zeroWindows |= 0xfffn << shift; // < 2^228
    const pairs: [bigint, bigint][] = [
      [zeroWindows, zeroWindows >> 4n],
      [zeroWindows >> 12n, zeroWindows],
    ];
    for (let bit = 0n; bit < 252n; bit++) {
      pairs.push([2n ** bit, (2n ** bit - 1n) % FIELD_PRIME]);
      if (bit % 3n === 0n) pairs.push([(2n ** (bit + 1n) - 1n) % FIELD_PRIME, 2n ** bit]);
    }
    for (const [a, b] of pairs) expect(pedersen(a, b)).toBe(BigInt(ec.starkCurve.pedersen(a, b)));
  });
});

describe('Paradex auth and onboarding hashes', () => {
  it('hash the JWT auth request exactly as starknet.js does', () => {
    const account = newParadexAccount();
    const req: ParadexAuthRequest = { method: 'POST', path: '/v1/auth', body: '', timestamp: 1735689600, expiration: 1735689780 };
    for (const chainId of CHAIN_IDS) {
      const td = referenceTypedData(chainId, 'Request', ['method', 'path', 'body', 'timestamp', 'expiration'], { ...req });
      expect(paradexAuthHash(req, account.address, chainId)).toBe(BigInt(typedData.getMessageHash(td, account.address)));
    }
  });

  it('hash the onboarding message exactly as starknet.js does', () => {
    const account = newParadexAccount();
    for (const chainId of CHAIN_IDS) {
      const td = referenceTypedData(chainId, 'Constant', ['action'], { action: 'Onboarding' });
      expect(paradexOnboardingHash(account.address, chainId)).toBe(BigInt(typedData.getMessageHash(td, account.address)));
    }
  });

  it('sign auth and onboarding messages verifiably under the account public key', () => {
    const account = newParadexAccount();
    const chainId = 'PRIVATE_SN_POTC_SEPOLIA';
    const req: ParadexAuthRequest = { method: 'POST', path: '/v1/auth', body: '', timestamp: 100, expiration: 400 };
    expect(verifyParadexSignature(paradexAuthHash(req, account.address, chainId), signParadexAuth(req, account, chainId), account.publicKey)).toBe(true);
    expect(
      verifyParadexSignature(paradexOnboardingHash(account.address, chainId), signParadexOnboarding(account, chainId), account.publicKey),
    ).toBe(true);
  });
});

describe('Paradex signatures', () => {
  const chainId = 'PRIVATE_SN_PARACLEAR_MAINNET';
  const order: ParadexOrderFields = {
    timestamp: 1735689600123,
    market: 'BTC-USD-PERP',
    side: 'BUY',
    type: 'LIMIT',
    size: '0.01',
    price: '95000.5',
  };

  it('round-trips: a signed order verifies under the signer public key', () => {
    const account = newParadexAccount();
    const signature = signParadexOrder(order, account, chainId);
    expect(signature).toMatch(/^\["\d+","\d+"\]$/);
    expect(verifyParadexSignature(paradexOrderHash(order, account.address, chainId), signature, account.publicKey)).toBe(true);
  });

  it('uses a fresh nonce for every signature, and each verifies with starknet.js within the Stark ranges', () => {
    // Random-nonce ECDSA from presignatures (stark-ecdsa.ts): signing one order twice gives two
    // different signatures, both valid. starknet.js's own verify also applies Starknet's range checks
    // (r and s^-1 below 2^251).
    const account = newParadexAccount();
    const hash = paradexOrderHash(order, account.address, chainId);
    const first = JSON.parse(signParadexOrder(order, account, chainId)) as [string, string];
    const second = JSON.parse(signParadexOrder(order, account, chainId)) as [string, string];
    expect(first[0]).not.toBe(second[0]);
    const publicKey = ec.starkCurve.getPublicKey(account.privateKey);
    for (const [r, s] of [first, second]) {
      expect(ec.starkCurve.verify(new ec.starkCurve.Signature(BigInt(r), BigInt(s)), `0x${hash.toString(16)}`, publicKey)).toBe(true);
    }
  });

  it('does not verify for a tampered order, another chain or another key', () => {
    const account = newParadexAccount();
    const other = newParadexAccount();
    const signature = signParadexOrder(order, account, chainId);
    const tampered = paradexOrderHash({ ...order, size: '0.02' }, account.address, chainId);
    expect(verifyParadexSignature(tampered, signature, account.publicKey)).toBe(false);
    const otherChain = paradexOrderHash(order, account.address, 'PRIVATE_SN_POTC_SEPOLIA');
    expect(verifyParadexSignature(otherChain, signature, account.publicKey)).toBe(false);
    const hash = paradexOrderHash(order, account.address, chainId);
    expect(verifyParadexSignature(hash, signature, other.publicKey)).toBe(false);
  });

  it('answers false, without throwing, for junk signatures and keys', () => {
    const account = newParadexAccount();
    const hash = paradexOrderHash(order, account.address, chainId);
    const good = signParadexOrder(order, account, chainId);
    const [r] = JSON.parse(good) as [string, string];
    const junk = ['', 'null', '[]', '["1"]', '["a","b"]', `["${r}","0"]`, `["${r}",1]`, '{"r":1,"s":2}', 'not json', `["${r}","-5"]`, '["0x1","0x2"]'];
    for (const signature of junk) expect(verifyParadexSignature(hash, signature, account.publicKey)).toBe(false);
    for (const key of ['', 'zz', '0x0', '0x1', `0x${'f'.repeat(70)}`]) expect(verifyParadexSignature(hash, good, key)).toBe(false);
    expect(verifyParadexSignature(-1n, good, account.publicKey)).toBe(false);
    expect(verifyParadexSignature(2n ** 260n, good, account.publicKey)).toBe(false);
  });

  it('refuses a key beyond the Stark curve order without any of its digits in the message', () => {
    const bad = `0x${'f'.repeat(64)}`;
    const account = { address: '0x5e11', privateKey: bad };
    for (const sign of [() => paradexPublicKey(bad), () => signParadexOrder(order, account, chainId), () => signParadexOnboarding(account, chainId)]) {
      let message = '';
      try {
        sign();
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(/Stark|Paradex private key/);
      expect(message).not.toMatch(/\d{20}|[0-9a-f]{20}/i);
    }
  });

  it('makes throwaway accounts whose public key matches the private key', () => {
    const a = newParadexAccount();
    const b = newParadexAccount();
    expect(a.privateKey).not.toBe(b.privateKey);
    expect(a.address).not.toBe(b.address);
    expect(BigInt(a.address)).toBeLessThan(FIELD_PRIME);
    expect(a.publicKey).toBe(paradexPublicKey(a.privateKey));
  });
});
