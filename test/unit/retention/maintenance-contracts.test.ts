import { describe, expect, it } from 'vitest';
import { backupPayloadSchema, dayStringSchema, gdprPayloadSchema, verifyBackupPayloadSchema } from '../../../core/contracts/maintenance-contracts.js';

// Found by `npm run fuzz -- --runs 1000 --seed 11`: a gdpr-export job sent straight to the queue
// with a NUL in `requestedBy` was accepted, then failed in Postgres (invalid byte sequence 0x00).
describe('maintenance job payloads refuse text Postgres cannot store', () => {
  it('refuses NUL and lone surrogates in requestedBy and reason, and accepts plain text', () => {
    expect(gdprPayloadSchema.safeParse({ userId: 'u-1', requestedBy: '\u0000' }).success).toBe(false);
    expect(backupPayloadSchema.safeParse({ reason: 'nightly \ud800' }).success).toBe(false);
    expect(verifyBackupPayloadSchema.safeParse({ requestedBy: 'a\u0000b' }).success).toBe(false);
    expect(gdprPayloadSchema.safeParse({ userId: 'u-1', requestedBy: 'operator:ops-key' }).success).toBe(true);
  });
});

describe('days a Postgres date holds', () => {
  it('refuses the year 0000 (22008 in the store) and impossible days; accepts 0001 and 9999', () => {
    expect(dayStringSchema.safeParse('0000-01-01').success).toBe(false);
    expect(dayStringSchema.safeParse('2025-02-30').success).toBe(false);
    expect(dayStringSchema.safeParse('0001-01-01').success).toBe(true);
    expect(dayStringSchema.safeParse('9999-12-31').success).toBe(true);
  });
});
