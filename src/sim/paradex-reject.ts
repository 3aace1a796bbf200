/**
 * A request the simulated Paradex refuses, as a value: the venue's error code (openapi
 * `responses.ErrorCode`) and message, and what kind of refusal it is. The route table turns the kind
 * into the HTTP status (400, 401, 404) and the rest into `{"error":"<CODE>","message":"…","data":null}`.
 */
export type ParadexRejectKind = 'invalid' | 'unauthorized' | 'not_found';

export interface ParadexReject {
  readonly kind: ParadexRejectKind;
  readonly code: string;
  readonly message: string;
}

export function reject(kind: ParadexRejectKind, code: string, message: string): ParadexReject {
  return { kind, code, message };
}

export function isReject(x: object): x is ParadexReject {
  return 'kind' in x && 'code' in x && 'message' in x;
}
