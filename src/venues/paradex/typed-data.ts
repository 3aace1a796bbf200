/**
 * SNIP-12 revision 0 message hashing ("StarkNetDomain" typed data, Pedersen), specialised for the
 * fixed Paradex types. Equal to starknet.js `typedData.getMessageHash(td, account)` (proven by
 * test on random inputs), but with every constant part hashed once:
 *   messageHash = H(H(H(H(H(0, 'StarkNet Message'), domainHash), account), structHash), 4)
 *   structHash  = H(...H(H(0, typeHash), field1)..., fieldN), N + 1)       (computeHashOnElements)
 * The first three links of the message chain depend only on (chain id, account) and are cached, and
 * H(0, typeHash) is a constant per type, so an order costs 7 + 2 Pedersen hashes instead of 18.
 * The Pedersen hash itself is in pedersen.ts.
 */
import { ec } from 'starknet';
import { FIELD_PRIME, pedersen, prepareFirst, prepareSecond, type PreparedOperand } from './pedersen';

export { pedersen, warmPedersen } from './pedersen';

/** Cairo short string: up to 31 ASCII chars, big-endian bytes as one felt. */
export function shortStringFelt(text: string): bigint {
  if (text.length > 31) throw new RangeError(`short string longer than 31 characters: '${text}'`);
  let felt = 0n;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) throw new RangeError(`short string is not ASCII: '${text}'`);
    felt = (felt << 8n) | BigInt(code);
  }
  return felt;
}

const shortStringCache = new Map<string, bigint>();
const SHORT_STRING_CACHE_LIMIT = 4096;

/**
 * A typed-data `felt` value as starknet.js rev 0 encodes it (`getHex`): anything BigInt() accepts
 * (decimal, 0x hex, '' -> 0) is a number, any other string is a short string.
 */
export function feltOf(value: string | number | bigint): bigint {
  let felt: bigint;
  if (typeof value === 'bigint') {
    felt = value;
  } else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`felt must be a safe integer, got ${value}`);
    felt = BigInt(value);
  } else {
    const cached = shortStringCache.get(value);
    if (cached !== undefined) return cached;
    try {
      felt = BigInt(value);
    } catch {
      felt = shortStringFelt(value);
    }
    if (shortStringCache.size >= SHORT_STRING_CACHE_LIMIT) shortStringCache.clear();
    shortStringCache.set(value, felt);
  }
  if (felt < 0n || felt >= FIELD_PRIME) throw new RangeError('felt out of range [0, P)');
  return felt;
}

/** starknet.js computeHashOnElements: Pedersen chain from 0 over the elements, then the length. */
export function hashOnElements(elements: readonly bigint[]): bigint {
  let acc = 0n;
  for (const element of elements) acc = pedersen(acc, element);
  return pedersen(acc, BigInt(elements.length));
}

/** Type hash of a rev 0 struct whose fields are all `felt`: starknet keccak of "Name(a:felt,b:felt)". */
export function feltStructTypeHash(name: string, fields: readonly string[]): bigint {
  const encoded = `${name}(${fields.map((field) => `${field}:felt`).join(',')})`;
  return ec.starkCurve.keccak(new TextEncoder().encode(encoded));
}

export interface FeltStructOptions {
  /**
   * Fields that take few distinct values (a market, an order type): their Pedersen share is folded
   * into one point per value and cached, so they cost one point addition instead of one per byte.
   */
  readonly fewValues?: readonly string[];
}

/** Prepared second operands per value, for a few-valued field; the cap only guards misuse. */
class PreparedValues {
  private readonly cache = new Map<bigint, PreparedOperand>();
  private static readonly LIMIT = 64;

  get(value: bigint): PreparedOperand {
    let prepared = this.cache.get(value);
    if (prepared === undefined) {
      prepared = prepareSecond(value);
      if (this.cache.size >= PreparedValues.LIMIT) this.cache.clear();
      this.cache.set(value, prepared);
    }
    return prepared;
  }
}

/**
 * Hashes one fixed struct type fast: H(0, typeHash) is precomputed and prepared as a first operand,
 * few-valued fields use prepared second operands, the other values are hashed in order.
 * The caller passes exactly the field values, in declaration order, already as felts.
 */
export class FeltStruct {
  readonly typeHash: bigint;
  private seed: PreparedOperand | undefined; // H(0, typeHash), computed on first use so importing costs nothing
  private readonly lengthFelt: bigint;
  private readonly prepared: ReadonlyArray<PreparedValues | undefined>;

  constructor(
    readonly name: string,
    readonly fields: readonly string[],
    options: FeltStructOptions = {},
  ) {
    this.typeHash = feltStructTypeHash(name, fields);
    this.lengthFelt = BigInt(fields.length + 1);
    for (const field of options.fewValues ?? []) {
      if (!fields.includes(field)) throw new RangeError(`${name} has no field '${field}'`);
    }
    this.prepared = fields.map((field) => (options.fewValues?.includes(field) ? new PreparedValues() : undefined));
  }

  hash(values: readonly bigint[]): bigint {
    if (values.length !== this.fields.length) {
      throw new RangeError(`${this.name} expects ${this.fields.length} values, got ${values.length}`);
    }
    this.seed ??= prepareFirst(pedersen(0n, this.typeHash));
    let acc: bigint | PreparedOperand = this.seed;
    for (let i = 0; i < values.length; i++) {
      const value = values[i] as bigint;
      acc = pedersen(acc, this.prepared[i]?.get(value) ?? value);
    }
    return pedersen(acc, this.lengthFelt);
  }
}

const STARKNET_MESSAGE = shortStringFelt('StarkNet Message');
let messagePrefixSeed: bigint | undefined; // H(0, 'StarkNet Message'), on first use
const MESSAGE_LENGTH = 4n;

/**
 * The (domain, account)-dependent head of the message chain, H(H(H(0, prefix), domain), account),
 * prepared as a first operand. Cached per pair; the bot signs for one or two accounts, the cap
 * only guards misuse.
 */
const messageHeadCache = new Map<string, PreparedOperand>();
const MESSAGE_HEAD_CACHE_LIMIT = 256;

function messageHead(domainHash: bigint, account: bigint): PreparedOperand {
  const key = `${domainHash.toString(16)}:${account.toString(16)}`;
  const cached = messageHeadCache.get(key);
  if (cached !== undefined) return cached;
  messagePrefixSeed ??= pedersen(0n, STARKNET_MESSAGE);
  const head = prepareFirst(pedersen(pedersen(messagePrefixSeed, domainHash), account));
  if (messageHeadCache.size >= MESSAGE_HEAD_CACHE_LIMIT) messageHeadCache.clear();
  messageHeadCache.set(key, head);
  return head;
}

/** Rev 0 message hash from a domain struct hash, the signer's account and the message struct hash. */
export function messageHash(domainHash: bigint, account: bigint, structHash: bigint): bigint {
  return pedersen(pedersen(messageHead(domainHash, account), structHash), MESSAGE_LENGTH);
}
