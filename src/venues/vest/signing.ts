/**
 * Vest signatures (venues.md §2.4–2.5). Orders and cancels are signed by the delegated SIGNING key
 * as an EIP-191 personal message over the 32 raw bytes of keccak256(abi.encode(...)); registration
 * is an EIP-712 SignerProof signed by the PRIMARY key. Sizes and prices are hashed as strings, so
 * the JSON body must carry byte-identical strings ('0.1000' and '0.1' sign differently).
 */
import { encodeAbiParameters, getAddress, keccak256, recoverMessageAddress, recoverTypedDataAddress } from 'viem';
import { generatePrivateKey, privateKeyToAddress, signMessage, signTypedData } from 'viem/accounts';
import { privateKeyProblem } from '../../domain/keys';

type Hex = `0x${string}`;

export interface VestOrderFields {
  /** ms; the venue discards the order when its clock passes time + recvWindow. */
  time: number;
  nonce: number;
  orderType: 'MARKET' | 'LIMIT';
  symbol: string;
  isBuy: boolean;
  /** Exact wire string, formatted with the market's sizeDecimals. */
  size: string;
  /** Exact wire string, formatted with the market's priceDecimals. */
  limitPrice: string;
  reduceOnly: boolean;
}

export interface VestCancelFields {
  time: number;
  nonce: number;
  /** Order id as returned by the venue, '0x…'. */
  id: string;
}

export interface VestSignerProof {
  signingAddr: Hex;
  /** ms */
  expiryTime: number;
  verifyingContract: Hex;
}

export const VEST_VERIFYING_CONTRACT: { prod: Hex; dev: Hex } = {
  prod: '0x919386306C47b2Fe1036e3B4F7C40D22D2461a23',
  dev: '0x8E4D87AEf4AC4D5415C35A12319013e34223825B',
};

const ORDER_ABI = [
  { type: 'uint256' }, // time
  { type: 'uint256' }, // nonce
  { type: 'string' }, // orderType
  { type: 'string' }, // symbol
  { type: 'bool' }, // isBuy
  { type: 'string' }, // size
  { type: 'string' }, // limitPrice
  { type: 'bool' }, // reduceOnly
] as const;

const CANCEL_ABI = [{ type: 'uint256' }, { type: 'uint256' }, { type: 'string' }] as const;

function uint(value: number, what: string): bigint {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what} must be a non-negative integer, got ${value}`);
  return BigInt(value);
}

/** keccak256 of the standard (non-packed) ABI encoding of the order fields, in the venue's order. */
export function vestOrderDigest(order: VestOrderFields): Hex {
  return keccak256(
    encodeAbiParameters(ORDER_ABI, [
      uint(order.time, 'order time'),
      uint(order.nonce, 'order nonce'),
      order.orderType,
      order.symbol,
      order.isBuy,
      order.size,
      order.limitPrice,
      order.reduceOnly,
    ]),
  );
}

/** keccak256(abi.encode(uint256 time, uint256 nonce, string id)). */
export function vestCancelDigest(c: VestCancelFields): Hex {
  return keccak256(encodeAbiParameters(CANCEL_ABI, [uint(c.time, 'cancel time'), uint(c.nonce, 'cancel nonce'), c.id]));
}

/**
 * Rejects (never throws) when `key` is not a secp256k1 private key. viem would refuse it too, with the
 * key's decimal value in its message; this message names the key's role only.
 */
function checkedKey(key: Hex, what: string): Promise<Hex> {
  const problem = privateKeyProblem(key, 'secp256k1');
  return problem === undefined ? Promise.resolve(key) : Promise.reject(new RangeError(`${what} ${problem}`));
}

/** 65-byte r‖s‖v over the EIP-191 message made of the digest's raw 32 bytes (not its hex text). */
export async function signVestOrder(order: VestOrderFields, signingKey: Hex): Promise<Hex> {
  const digest = vestOrderDigest(order);
  return signMessage({ message: { raw: digest }, privateKey: await checkedKey(signingKey, 'Vest signing key') });
}

/** The (checksummed) address that signed this order; rejects on a malformed signature. */
export function recoverVestOrderSigner(order: VestOrderFields, signature: Hex): Promise<Hex> {
  return recoverMessageAddress({ message: { raw: vestOrderDigest(order) }, signature });
}

export async function signVestCancel(c: VestCancelFields, signingKey: Hex): Promise<Hex> {
  const digest = vestCancelDigest(c);
  return signMessage({ message: { raw: digest }, privateKey: await checkedKey(signingKey, 'Vest signing key') });
}

export function recoverVestCancelSigner(c: VestCancelFields, signature: Hex): Promise<Hex> {
  return recoverMessageAddress({ message: { raw: vestCancelDigest(c) }, signature });
}

/** True when `signature` over the order recovers to `signer`; false (never a rejection) on junk. */
export async function verifyVestOrderSignature(order: VestOrderFields, signature: string, signer: string): Promise<boolean> {
  try {
    const recovered = await recoverVestOrderSigner(order, signature as Hex);
    return recovered === getAddress(signer);
  } catch {
    return false;
  }
}

/** True when `signature` over the cancel recovers to `signer`; false (never a rejection) on junk. */
export async function verifyVestCancelSignature(c: VestCancelFields, signature: string, signer: string): Promise<boolean> {
  try {
    const recovered = await recoverVestCancelSigner(c, signature as Hex);
    return recovered === getAddress(signer);
  } catch {
    return false;
  }
}

const SIGNER_PROOF_TYPES = {
  SignerProof: [
    { name: 'approvedSigner', type: 'address' },
    { name: 'signerExpiry', type: 'uint256' },
  ],
} as const;

function signerProofTypedData(p: VestSignerProof) {
  return {
    // No chainId: the venue's documented domain has none.
    domain: { name: 'VestRouterV2', version: '0.0.1', verifyingContract: p.verifyingContract },
    types: SIGNER_PROOF_TYPES,
    primaryType: 'SignerProof' as const,
    message: { approvedSigner: p.signingAddr, signerExpiry: uint(p.expiryTime, 'signer expiry') },
  };
}

/** EIP-712 SignerProof for POST /register, signed by the PRIMARY (funds) key. */
export async function signVestSignerProof(p: VestSignerProof, primaryKey: Hex): Promise<Hex> {
  const typed = signerProofTypedData(p);
  return signTypedData({ ...typed, privateKey: await checkedKey(primaryKey, 'Vest primary key') });
}

/** The address of a key, checked first (viem's own refusal prints the key). Throws a RangeError naming `what`. */
export function vestAddressOf(key: Hex, what: string): Hex {
  const problem = privateKeyProblem(key, 'secp256k1');
  if (problem !== undefined) throw new RangeError(`${what} ${problem}`);
  return privateKeyToAddress(key);
}

export function recoverVestSignerProof(p: VestSignerProof, signature: Hex): Promise<Hex> {
  return recoverTypedDataAddress({ ...signerProofTypedData(p), signature });
}

/** Throwaway primary and signing keys for the simulator and tests. */
export function newVestKeys(): { primaryKey: Hex; primaryAddr: Hex; signingKey: Hex; signingAddr: Hex } {
  const primaryKey = generatePrivateKey();
  const signingKey = generatePrivateKey();
  return {
    primaryKey,
    primaryAddr: privateKeyToAddress(primaryKey),
    signingKey,
    signingAddr: privateKeyToAddress(signingKey),
  };
}
