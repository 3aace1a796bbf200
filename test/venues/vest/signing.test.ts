import { getAddress, keccak256 } from 'viem';
import { privateKeyToAddress } from 'viem/accounts';
import {
  newVestKeys,
  recoverVestCancelSigner,
  recoverVestOrderSigner,
  recoverVestSignerProof,
  signVestCancel,
  signVestOrder,
  signVestSignerProof,
  VEST_VERIFYING_CONTRACT,
  verifyVestCancelSignature,
  verifyVestOrderSignature,
  vestOrderDigest,
  type VestOrderFields,
} from '../../../src/venues/vest/signing';

const order: VestOrderFields = {
  time: 1683849600076,
  nonce: 1683849600076,
  orderType: 'LIMIT',
  symbol: 'BTC-PERP',
  isBuy: true,
  size: '0.1000',
  limitPrice: '30000.00',
  reduceOnly: false,
};

/** Standard ABI encoding written out by hand: 8 head words, then each string as length + right-padded bytes. */
function manualOrderEncoding(o: VestOrderFields): `0x${string}` {
  const word = (n: bigint) => n.toString(16).padStart(64, '0');
  const strings = [o.orderType, o.symbol, o.size, o.limitPrice].map((s) => Buffer.from(s, 'utf8'));
  const tails = strings.map((bytes) => word(BigInt(bytes.length)) + bytes.toString('hex').padEnd(Math.ceil(bytes.length / 32) * 64, '0'));
  const offsets: bigint[] = [];
  let offset = 8n * 32n;
  for (const tail of tails) {
    offsets.push(offset);
    offset += BigInt(tail.length / 2);
  }
  const head = [
    word(BigInt(o.time)),
    word(BigInt(o.nonce)),
    word(offsets[0] as bigint),
    word(offsets[1] as bigint),
    word(o.isBuy ? 1n : 0n),
    word(offsets[2] as bigint),
    word(offsets[3] as bigint),
    word(o.reduceOnly ? 1n : 0n),
  ];
  return `0x${head.join('')}${tails.join('')}`;
}

describe('Vest order signature', () => {
  it('hashes the standard ABI encoding of the fields in the documented order', () => {
    expect(vestOrderDigest(order)).toBe(keccak256(manualOrderEncoding(order)));
    const sell = { ...order, isBuy: false, reduceOnly: true, symbol: 'A-VERY-LONG-SYMBOL-NAME-OVER-32-BYTES-PERP' };
    expect(vestOrderDigest(sell)).toBe(keccak256(manualOrderEncoding(sell)));
  });

  it('round-trips: the signature recovers to the signing address', async () => {
    const keys = newVestKeys();
    const signature = await signVestOrder(order, keys.signingKey);
    expect(signature).toMatch(/^0x[0-9a-f]{130}$/);
    await expect(recoverVestOrderSigner(order, signature)).resolves.toBe(keys.signingAddr);
    await expect(verifyVestOrderSignature(order, signature, keys.signingAddr.toLowerCase())).resolves.toBe(true);
  });

  it('signs the exact size string: "0.1" does not verify a signature made over "0.1000"', async () => {
    const keys = newVestKeys();
    const signature = await signVestOrder(order, keys.signingKey);
    const reformatted = { ...order, size: '0.1' };
    expect(await recoverVestOrderSigner(reformatted, signature)).not.toBe(keys.signingAddr);
    await expect(verifyVestOrderSignature(reformatted, signature, keys.signingAddr)).resolves.toBe(false);
  });

  it('signs the 32 raw digest bytes as an EIP-191 message, as pinned once with viem', async () => {
    const key = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
    expect(vestOrderDigest(order)).toBe('0x35f768fc611b78d81892bd057a0eccb95d8a7a956f039ca9140de9a6de642613');
    await expect(signVestOrder(order, key)).resolves.toBe(
      '0xa6a1a04e2047cb40c335318bbdbd25620571714bf90fdf822b86bfe41f81b2f1560dfafebbfd63b8f13c46cc41889f2d8142538ccafa6c5b3e7eebbfd72418951c',
    );
  });

  it('verifies to false, without rejecting, for a junk signature', async () => {
    const keys = newVestKeys();
    for (const junk of ['', '0x', '0x1234', 'nonsense', `0x${'00'.repeat(65)}`]) {
      await expect(verifyVestOrderSignature(order, junk, keys.signingAddr)).resolves.toBe(false);
    }
  });

  it('rejects a negative or fractional time before signing', () => {
    expect(() => vestOrderDigest({ ...order, time: -1 })).toThrow(/non-negative integer/);
    expect(() => vestOrderDigest({ ...order, nonce: 1.5 })).toThrow(/non-negative integer/);
  });

  it('refuses a 64-hex-digit key that is not a secp256k1 scalar, without any of its digits in the message', async () => {
    // 2^256 - 1 and n itself: well-formed hex, not keys. viem's own refusal prints the key in decimal.
    for (const bad of [`0x${'f'.repeat(64)}`, '0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141'] as const) {
      const refusals = [
        signVestOrder(order, bad),
        signVestCancel({ time: 1, nonce: 1, id: '0x1' }, bad),
        signVestSignerProof({ signingAddr: newVestKeys().signingAddr, expiryTime: 1, verifyingContract: VEST_VERIFYING_CONTRACT.dev }, bad),
      ];
      for (const refusal of refusals) {
        const err = (await refusal.then(
          () => new Error('signed with an invalid key'),
          (e: unknown) => e,
        )) as Error;
        expect(err).toBeInstanceOf(RangeError);
        expect(err.message).toMatch(/^Vest (signing|primary) key is not below the secp256k1 curve order/);
        expect(err.message).not.toMatch(/\d{20}|[0-9a-f]{20}/i);
      }
    }
  });
});

describe('Vest cancel signature', () => {
  it('round-trips and binds the order id', async () => {
    const keys = newVestKeys();
    const cancel = { time: 1700000000000, nonce: 1700000000000, id: '0xabc123' };
    const signature = await signVestCancel(cancel, keys.signingKey);
    await expect(recoverVestCancelSigner(cancel, signature)).resolves.toBe(keys.signingAddr);
    await expect(verifyVestCancelSignature({ ...cancel, id: '0xabc124' }, signature, keys.signingAddr)).resolves.toBe(false);
  });
});

describe('Vest signer proof (registration)', () => {
  it('is an EIP-712 signature by the primary key over the signing address and expiry', async () => {
    const keys = newVestKeys();
    const proof = { signingAddr: keys.signingAddr, expiryTime: 1900000000000, verifyingContract: VEST_VERIFYING_CONTRACT.dev };
    const signature = await signVestSignerProof(proof, keys.primaryKey);
    await expect(recoverVestSignerProof(proof, signature)).resolves.toBe(keys.primaryAddr);
    expect(await recoverVestSignerProof({ ...proof, verifyingContract: VEST_VERIFYING_CONTRACT.prod }, signature)).not.toBe(keys.primaryAddr);
    expect(await recoverVestSignerProof({ ...proof, expiryTime: proof.expiryTime + 1 }, signature)).not.toBe(keys.primaryAddr);
  });

  it('keeps the documented verifying contracts as checksummed addresses', () => {
    expect(getAddress(VEST_VERIFYING_CONTRACT.prod)).toBe(VEST_VERIFYING_CONTRACT.prod);
    expect(getAddress(VEST_VERIFYING_CONTRACT.dev)).toBe(VEST_VERIFYING_CONTRACT.dev);
  });
});

describe('Vest throwaway keys', () => {
  it('pairs each address with its key and never repeats', () => {
    const a = newVestKeys();
    const b = newVestKeys();
    expect(a.primaryAddr).toBe(privateKeyToAddress(a.primaryKey));
    expect(a.signingAddr).toBe(privateKeyToAddress(a.signingKey));
    expect(new Set([a.primaryKey, a.signingKey, b.primaryKey, b.signingKey]).size).toBe(4);
  });
});
