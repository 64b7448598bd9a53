/**
 * Which namespaces one shard of an Indexed Job takes: shard i of N takes the namespaces whose FNV-1a 32-bit hash of
 * the name (UTF-8 bytes) mod N is i. The hash depends on the name alone, so a shard's set is the same on every run and
 * on every machine, and a failed shard retried by the Job controller redoes exactly its own namespaces.
 */

/** FNV-1a, 32 bits, over the UTF-8 bytes of `text`; an unsigned integer. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(text, 'utf8')) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The shard (0 … count−1) a namespace belongs to. */
export function shardOf(namespace: string, count: number): number {
  checkCount(count);
  return fnv1a32(namespace) % count;
}

/** The namespaces of shard `index` of `count`, in their given order. */
export function shardNamespaces(namespaces: readonly string[], index: number, count: number): string[] {
  checkCount(count);
  if (!Number.isInteger(index) || index < 0 || index >= count) throw new RangeError(`shard index must be a whole number from 0 to ${count - 1}, got ${index}`);
  return namespaces.filter((ns) => fnv1a32(ns) % count === index);
}

function checkCount(count: number): void {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`shard count must be a whole number of at least 1, got ${count}`);
}

export interface ShardSpec {
  index: number;
  count: number;
}

/**
 * The shard from flags, else the environment: the index from `--shard-index`, else JOB_COMPLETION_INDEX (what the Job
 * controller sets in an Indexed Job's pods), else 0; the count from `--shards`, else MORA_SHARDS, else 1. Throws a
 * RangeError with one line when a value is not a whole number or the index is not below the count.
 */
export function shardFromEnv(flags: { shardIndex?: string; shards?: string }, env: NodeJS.ProcessEnv = process.env): ShardSpec {
  const whole = (name: string, raw: string, min: number): number => {
    const t = raw.trim();
    const x = /^\d+$/.test(t) ? Number(t) : NaN;
    if (!Number.isSafeInteger(x) || x < min) throw new RangeError(`${name} must be a whole number of at least ${min}, got "${raw}"`);
    return x;
  };
  const countRaw = flags.shards ?? env.MORA_SHARDS;
  const count = countRaw === undefined || countRaw === '' ? 1 : whole(flags.shards !== undefined ? '--shards' : 'MORA_SHARDS', countRaw, 1);
  const indexRaw = flags.shardIndex ?? env.JOB_COMPLETION_INDEX;
  const indexName = flags.shardIndex !== undefined ? '--shard-index' : 'JOB_COMPLETION_INDEX';
  const index = indexRaw === undefined || indexRaw === '' ? 0 : whole(indexName, indexRaw, 0);
  if (index >= count) throw new RangeError(`${indexName} ${index} is not below the shard count ${count} (--shards / MORA_SHARDS; an Indexed Job's completions)`);
  return { index, count };
}
