import { Redis } from 'ioredis';

/**
 * Commands the bench's redis-server has executed (INFO commandstats, summed; commands a Lua script
 * runs count one by one). A count, unlike CPU, does not move with the machine's load: the difference
 * between two snapshots divided by the jobs run says how chatty a job is with Redis.
 */
export class RedisCommandCounter {
  private readonly redis: Redis;

  constructor(redisUrl: string) {
    this.redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  }

  async total(): Promise<number> {
    const info = await this.redis.info('commandstats');
    let calls = 0;
    for (const match of info.matchAll(/^cmdstat_[^:]+:calls=(\d+)/gm)) calls += Number(match[1]);
    return calls;
  }

  async close(): Promise<void> {
    await this.redis.quit();
  }
}
