import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../core/config/config-schema.js';
import { clusterUrl, hashTagOf, parseRedisTarget } from '../../../core/config/redis-target.js';

describe('Redis target', () => {
  it('reads a redis+cluster:// URL into seed nodes, credentials and TLS', () => {
    expect(parseRedisTarget('redis://127.0.0.1:6379')).toEqual({ kind: 'single', url: 'redis://127.0.0.1:6379' });
    expect(parseRedisTarget('rediss+cluster://app:s%3Acret@10.0.0.1:7000,redis-2:7001,[::1]:7002')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: 'redis-2', port: 7001 },
        { host: '::1', port: 7002 },
      ],
      username: 'app',
      password: 's:cret',
      tls: true,
    });
    expect(() => parseRedisTarget('redis+cluster://nohost')).toThrow(/host:port/);
  });

  it('finds the hash tag Redis Cluster hashes by', () => {
    expect(hashTagOf('{learnloop}')).toBe('learnloop');
    expect(hashTagOf('{learnloop}:feedback-loop:wait')).toBe('learnloop');
    expect(hashTagOf('app{x}y{z}')).toBe('x');
    expect(hashTagOf('learnloop')).toBeUndefined();
    expect(hashTagOf('{}learnloop')).toBeUndefined();
    expect(hashTagOf('learn{loop')).toBeUndefined();
  });

  it('folds REDIS_CLUSTER_NODES into a cluster URL, keeping REDIS_URL credentials', () => {
    const config = parseConfig({ REDIS_CLUSTER_NODES: 'a:7000, b:7001', REDIS_URL: 'rediss://u:p@ignored:1', QUEUE_PREFIX: '{learnloop}' });
    expect(config.REDIS_URL).toBe('rediss+cluster://u:p@a:7000,b:7001');
    expect(parseRedisTarget(config.REDIS_URL!)).toMatchObject({ kind: 'cluster', username: 'u', password: 'p', tls: true });
    expect(clusterUrl([{ host: 'a', port: 1 }])).toBe('redis+cluster://a:1');
  });

  it('refuses a cluster without a hash-tagged QUEUE_PREFIX, naming the variable', () => {
    for (const env of [{ REDIS_CLUSTER_NODES: 'a:7000' }, { REDIS_URL: 'redis+cluster://a:7000' }, { REDIS_URL: 'redis+cluster://a:7000', QUEUE_PREFIX: 'learn{}loop' }]) {
      const error = (() => {
        try {
          parseConfig(env);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems.join('\n')).toMatch(/QUEUE_PREFIX: must contain a hash tag/);
    }
    expect(() => parseConfig({ REDIS_CLUSTER_NODES: 'a:notaport' })).toThrow(/REDIS_CLUSTER_NODES/);
    expect(parseConfig({ REDIS_URL: 'redis://a:6379' }).QUEUE_PREFIX).toBe('learnloop');
  });
});
