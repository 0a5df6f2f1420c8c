import type { StepwiseReport } from '../rewrite/runtime/adapterRuntime';
import { compactReports, prepareControl, readControl, readReports, writeControl } from './fileStore';
import type { ControlRecord } from './fileStore';

/** What the store behind the rollout says about itself: reachable or not, and Redis's own figures. */
export interface PlaneHealth {
  /** One sentence when the store could not be read (the figures shown are then the last known). */
  error?: string;
  /** Round trip of a PING, in ms (Redis only). */
  pingMs?: number;
  /** Redis INFO figures; undefined where INFO is not allowed or not Redis. */
  info?: RedisInfo;
  /** Why INFO figures are missing, when they are. */
  infoError?: string;
}

/** The INFO figures an observation samples, and what they tell: hit rate, memory, evictions, load. */
export interface RedisInfo {
  keyspaceHits: number;
  keyspaceMisses: number;
  /** hits ÷ (hits + misses), in percent; null before any lookup. */
  hitRatePercent: number | null;
  usedMemoryBytes: number;
  evictedKeys: number;
  opsPerSecond: number;
}

/**
 * Where the rollout mode lives and where the adapters' reports go: the local file store (the
 * default, no server) or Redis. Every method is bounded in time and never throws for a store that
 * is down: reads give an error sentence instead, writes reject with one.
 */
export interface ControlPlane {
  readonly kind: 'file' | 'redis';
  /** Where, for people: a folder, or a Redis URL without its password. */
  readonly where: string;
  readMode(): Promise<{ record?: ControlRecord; error?: string }>;
  /** Sets the mode every adapter reads within its period (Redis: also published to subscribers). */
  writeMode(record: ControlRecord): Promise<void>;
  readReports(): Promise<{ reports: StepwiseReport[]; error?: string }>;
  health(): Promise<PlaneHealth>;
  /** Makes the store ready for reports (the file store's folder, which ignores itself in git). */
  prepare?(): Promise<void>;
  dispose(): Promise<void>;
}

/** The local file store: `.stepwise/control/<migration>.json` and its metrics beside it. */
export function fileControlPlane(root: string, migration: string): ControlPlane {
  return {
    kind: 'file',
    where: '.stepwise/control/',
    async readMode() {
      return { record: await readControl(root, migration) };
    },
    writeMode: (record) => writeControl(root, migration, record),
    async readReports() {
      await compactReports(root, migration);
      return { reports: await readReports(root, migration) };
    },
    health: () => Promise.resolve({}),
    prepare: () => prepareControl(root),
    dispose: () => Promise.resolve(),
  };
}

/** Redis INFO's text, parsed into the figures an observation keeps. Pure. */
export function parseInfo(text: string): RedisInfo {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) fields.set(line.slice(0, at), line.slice(at + 1).trim());
  }
  const number = (name: string): number => Number(fields.get(name) ?? 0) || 0;
  const hits = number('keyspace_hits');
  const misses = number('keyspace_misses');
  return {
    keyspaceHits: hits,
    keyspaceMisses: misses,
    hitRatePercent: hits + misses > 0 ? (hits / (hits + misses)) * 100 : null,
    usedMemoryBytes: number('used_memory'),
    evictedKeys: number('evicted_keys'),
    opsPerSecond: number('instantaneous_ops_per_sec'),
  };
}
