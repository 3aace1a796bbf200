/**
 * Looking for keys in outputs. A key can leak whole, or as part of a library's error text (the
 * signing library printed most of a key's decimal digits once), in hex or in decimal, in any case.
 * So each key is searched as overlapping windows of its hex and decimal digits: any leaked run of
 * WINDOW + STEP − 1 digits or more contains one. Pure.
 */

const WINDOW = 20;
const STEP = 4;

/** Every 0x-prefixed run of 32+ hex digits in a text (the keys of a sim-keys.json, even a damaged one). */
export function hexKeysIn(text: string): string[] {
  return [...new Set(text.match(/0x[0-9a-fA-F]{32,}/g) ?? [])];
}

/** The digit strings a key can appear as: hex (lowercase, no 0x, no leading zeros) and decimal. */
export function keyForms(key: string): string[] {
  let value: bigint;
  try {
    value = BigInt(key.startsWith('0x') || key.startsWith('0X') ? key : `0x${key}`);
  } catch {
    return [];
  }
  if (value === 0n) return [];
  return [value.toString(16), value.toString(10)];
}

/** Windows of every form of every key; finding any in a text means a key leaked. */
export function secretNeedles(keys: readonly string[]): string[] {
  const needles = new Set<string>();
  for (const key of keys) {
    for (const form of keyForms(key)) {
      if (form.length <= WINDOW) {
        needles.add(form);
        continue;
      }
      for (let i = 0; i + WINDOW <= form.length; i += STEP) needles.add(form.slice(i, i + WINDOW));
      needles.add(form.slice(form.length - WINDOW));
    }
  }
  return [...needles];
}

/** True when the text holds any needle (case-insensitive, as hex may be printed in either case). */
export function containsSecret(text: string, needles: readonly string[]): boolean {
  if (needles.length === 0 || text.length === 0) return false;
  const lower = text.toLowerCase();
  return needles.some((n) => lower.includes(n));
}
