import { describe, expect, it } from 'vitest';
import { KeyRing } from '../../../dashboard/middleware/api-key-auth.js';

const operatorKey = 'operator-key-0000000001';
const producerKey = 'producer-key-0000000001';

describe('KeyRing', () => {
  it('identifies known keys every time, the same key listed twice by its first scope, and nothing else', () => {
    const ring = new KeyRing([
      { scope: 'operator', key: operatorKey },
      { scope: 'producer', key: producerKey },
      { scope: 'operator', key: producerKey },
    ]);
    for (let i = 0; i < 3; i++) {
      expect(ring.identify(operatorKey)?.scope).toBe('operator');
      expect(ring.identify(producerKey)?.scope).toBe('producer');
    }
    expect(ring.identify(operatorKey)).toBe(ring.identify(operatorKey));
    expect(ring.identify(`${operatorKey}x`)).toBeUndefined();
    expect(ring.identify('')).toBeUndefined();
  });

  it('remembers only keys that matched, so guessed keys cannot grow its memory', () => {
    const ring = new KeyRing([{ scope: 'producer', key: producerKey }]);
    for (let i = 0; i < 1000; i++) expect(ring.identify(`guess-${i}`)).toBeUndefined();
    ring.identify(producerKey);
    ring.identify(producerKey);
    expect((ring as unknown as { matched: Map<string, unknown> }).matched.size).toBe(1);
  });
});
