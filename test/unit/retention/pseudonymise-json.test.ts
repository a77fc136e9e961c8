import { describe, expect, it } from 'vitest';
import { pseudonymiseJson } from '../../../core/retention/pseudonymise-json.js';

describe('pseudonymiseJson', () => {
  it('replaces the id where it stands as a whole token inside string values, and nowhere else', () => {
    const before = { status: 202, target: '8', jobId: 'gdpr-export-8', requestId: 'req-812', path: '/api/users/8/export', list: ['8', 88, 'x8'], '8': 'key stays' };
    expect(pseudonymiseJson(before, '8', 'erased-abc')).toEqual({
      status: 202,
      target: 'erased-abc',
      jobId: 'gdpr-export-erased-abc',
      requestId: 'req-812',
      path: '/api/users/erased-abc/export',
      list: ['erased-abc', 88, 'x8'],
      '8': 'key stays',
    });
  });

  it('handles e-mail ids and repeated occurrences, and leaves values without the id as they were', () => {
    const id = 'erin.scan@example.com';
    expect(pseudonymiseJson({ note: `${id} and ${id}`, other: 'erin.scan@example.community' }, id, 'P')).toEqual({
      note: 'P and P',
      other: 'erin.scan@example.community',
    });
    expect(pseudonymiseJson(null, '8', 'P')).toBeNull();
  });
});
