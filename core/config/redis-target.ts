/**
 * Where Redis is: one server (`redis://`, `rediss://`) or a Redis Cluster, named by a
 * `redis+cluster://[user:password@]host:port,host:port,…` URL (`rediss+cluster://` for TLS) or by
 * REDIS_CLUSTER_NODES. The seed nodes only have to include one live node: the client learns the
 * rest of the cluster (and which node owns which slot) from it. Pure: parsing only.
 */
export interface ClusterNode {
  host: string;
  port: number;
}

export type RedisTarget =
  | { kind: 'single'; url: string }
  | { kind: 'cluster'; nodes: ClusterNode[]; username?: string; password?: string; tls: boolean };

const clusterScheme = /^(rediss?)\+cluster:\/\//;

export function isClusterUrl(url: string): boolean {
  return clusterScheme.test(url);
}

/** `host:port,host:port` (IPv6 as `[::1]:7000`); throws on a malformed entry. */
export function parseClusterNodes(list: string): ClusterNode[] {
  const nodes = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const match = /^(\[[^\]]+\]|[^:/\s]+):(\d{1,5})$/.exec(entry);
      const port = Number(match?.[2]);
      if (!match || port < 1 || port > 65_535) throw new Error(`"${entry}" is not host:port`);
      return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
    });
  if (nodes.length === 0) throw new Error('names no node');
  return nodes;
}

export function parseRedisTarget(url: string): RedisTarget {
  const scheme = clusterScheme.exec(url);
  if (!scheme) return { kind: 'single', url };
  const rest = url.slice(scheme[0].length);
  const at = rest.lastIndexOf('@');
  const userinfo = at >= 0 ? rest.slice(0, at) : '';
  const hosts = (at >= 0 ? rest.slice(at + 1) : rest).replace(/[/?#].*$/, '');
  const colon = userinfo.indexOf(':');
  const username = decodeURIComponent(colon >= 0 ? userinfo.slice(0, colon) : userinfo) || undefined;
  const password = colon >= 0 ? decodeURIComponent(userinfo.slice(colon + 1)) || undefined : undefined;
  return { kind: 'cluster', nodes: parseClusterNodes(hosts), username, password, tls: scheme[1] === 'rediss' };
}

/** The cluster URL for these nodes, with the credentials (and TLS) of `credentialsFrom` if given. */
export function clusterUrl(nodes: readonly ClusterNode[], credentialsFrom?: string): string {
  let scheme = 'redis';
  let userinfo = '';
  if (credentialsFrom) {
    const target = parseRedisTarget(credentialsFrom);
    if (target.kind === 'cluster') {
      scheme = target.tls ? 'rediss' : 'redis';
      if (target.username || target.password) userinfo = `${encodeURIComponent(target.username ?? '')}:${encodeURIComponent(target.password ?? '')}@`;
    } else {
      const parsed = new URL(target.url);
      scheme = parsed.protocol === 'rediss:' ? 'rediss' : 'redis';
      if (parsed.username || parsed.password) userinfo = `${parsed.username}:${parsed.password}@`;
    }
  }
  const hosts = nodes.map((n) => (n.host.includes(':') ? `[${n.host}]:${n.port}` : `${n.host}:${n.port}`)).join(',');
  return `${scheme}+cluster://${userinfo}${hosts}`;
}

/**
 * The hash tag Redis Cluster hashes a key by: the text between the first `{` and the first `}`
 * after it, when not empty (https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#hash-tags).
 * Every key learnloop writes starts with QUEUE_PREFIX, so a prefix with a tag puts all of them —
 * BullMQ's and ours — in one slot, which multi-key commands, Lua scripts and cross-queue flows need.
 */
export function hashTagOf(key: string): string | undefined {
  const open = key.indexOf('{');
  if (open < 0) return undefined;
  const close = key.indexOf('}', open + 1);
  if (close < 0 || close === open + 1) return undefined;
  return key.slice(open + 1, close);
}
