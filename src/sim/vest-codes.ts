/**
 * Vest's error codes (Vest API "Error Codes") and a refusal of the simulated Vest as a value: the
 * route table writes it as HTTP 400 (401 when unauthorized) with `{"code":N,"msg":"NAME","detail"?}`.
 */

/** Vest error codes the simulator answers with (Vest API "Error Codes"). */
export const VEST_CODES = {
  UNAUTHORIZED: 1002,
  INVALID_SIGNATURE: 1022,
  INVALID_NONCE: 1023,
  INVALID_NETWORK_TYPE: 1024,
  BAD_DECIMALS: 1111,
  INVALID_ORDER_TYPE: 1116,
  BAD_SYMBOL: 1121,
  INVALID_PARAMETER: 1130,
  BAD_RECV_WINDOW: 1131,
  ORDER_EXPIRED: 1132,
  INVALID_TIME_IN_FORCE: 1133,
  INVALID_ACCOUNT_GROUP: 1146,
  PRICE_CHECK_FAILED: 3001,
  MARGIN_CHECK_FAILED: 3002,
  PRICE_STALE: 3003,
  ORDER_STALE: 3004,
  OI_CAP_EXCEEDED: 3010,
  INVALID_LIMIT_PRICE: 3011,
  DUPLICATE: 3015,
  ORDER_NOT_FOUND: 3017,
  REDUCE_ONLY_INCREASES: 3018,
  REDUCE_ONLY_EXCEEDS_SIZE: 3019,
  MARKET_CLOSED: 3024,
} as const;

const CODE_NAMES = new Map<number, string>(Object.entries(VEST_CODES).map(([name, code]) => [code, name]));

/** The `msg` Vest writes beside a code. */
export function vestCodeName(code: number): string {
  return CODE_NAMES.get(code) ?? 'ERROR';
}

export interface VestReject {
  readonly kind: 'invalid' | 'unauthorized';
  readonly code: number;
  readonly detail: string | undefined;
}

export function vestReject(code: number, detail?: string, kind: VestReject['kind'] = 'invalid'): VestReject {
  return { kind, code, detail };
}

export function isVestReject(x: object): x is VestReject {
  return 'kind' in x && 'code' in x && 'detail' in x;
}
