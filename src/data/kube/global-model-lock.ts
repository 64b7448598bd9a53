/**
 * The in-cluster run's shared global LSTM (issue 15: "global models are trained once per run and shared"): one
 * ConfigMap, `mora-global-lstm` in the recommender's own namespace, is both the lock and the artefact.
 *
 *  - No ConfigMap: the first shard to *create* it (annotations state=training, holder, startedAt) trains; a shard whose
 *    create meets 409 AlreadyExists lost the race and reads it again.
 *  - state=ready and fresh (the caller's rule, on the annotations): every shard uses the stored model.
 *  - state=ready but stale: the first shard to *replace* it, pinned to the resourceVersion it read, with
 *    state=training (the old model kept in binaryData as the base) refreshes it; a 409 Conflict means another won.
 *  - state=training: wait (poll) for ready until the deadline; when the holder's lease has run out (neither its claim
 *    nor its last renewal within the lease: its pod was killed, evicted, or hangs), take it over by the same pinned
 *    replace. A live holder renews every third of the lease (renewLease).
 *  - state=failed: the holder said it could not train. Within the lease the others fall back at once (no shard retries
 *    what just failed); after it, the next shard tries again (the next run, or a retry much later).
 *
 * Optimistic concurrency is all the API server offers and all this needs: create is atomic, and a replace carrying a
 * resourceVersion fails with 409 when anyone wrote in between, so exactly one shard wins each step.
 * The ConfigMap API is an interface so that the lease logic is unit-tested against an in-memory double
 * (test/unit/global-model-lock.test.ts) and runs against the real API server (configMapApi below).
 */
import type * as k8s from '@kubernetes/client-node';
import { connectKube, type ConnectionOptions } from './connection';
import { KubeError } from './errors';

export const GLOBAL_MODEL_CONFIGMAP = 'mora-global-lstm';
/** The artefact's key in binaryData: the model's JSON state (weights base64 inside), gzipped. */
export const GLOBAL_MODEL_KEY = 'model.json.gz';
const A = 'mora.dev/';
export const ANNOTATIONS = {
  state: `${A}global-lstm-state`,
  holder: `${A}global-lstm-holder`,
  startedAt: `${A}global-lstm-started-at`,
  renewedAt: `${A}global-lstm-renewed-at`,
  version: `${A}global-lstm-version`,
  trainedThrough: `${A}global-lstm-trained-through`,
  step: `${A}global-lstm-step`,
  series: `${A}global-lstm-series`,
  reason: `${A}global-lstm-reason`,
} as const;

export type LockState = 'training' | 'ready' | 'failed';

export interface ConfigMapObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

/** What the lock needs of the API: get (undefined when absent), create and replace (409 → KubeError 'conflict'). */
export interface ConfigMapApi {
  get(name: string): Promise<ConfigMapObject | undefined>;
  create(cm: ConfigMapObject): Promise<ConfigMapObject>;
  replace(cm: ConfigMapObject): Promise<ConfigMapObject>;
}

export interface LockOptions {
  /** Who this is, e.g. "shard 2/8" (the holder annotation). */
  holder: string;
  /** A training holder whose startedAt is older than this is presumed dead: its lease can be taken over. ms. */
  leaseMs: number;
  /** How long a shard waits for another's training before it falls back. ms from the first look. */
  waitMs: number;
  /** Between two looks while waiting. ms. */
  pollMs: number;
  /** Whether a ready model (its annotations) is fresh enough for this run. */
  isFresh: (annotations: Record<string, string>) => boolean;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** What a shard is to do. `base`: the ConfigMap's model as it was (refresh it, or train anew if the caller judges it too old). */
export type LockDecision =
  | { role: 'trainer'; cm: ConfigMapObject; base?: ConfigMapObject; tookOverFrom?: string }
  | { role: 'reader'; cm: ConfigMapObject; waitedMs: number }
  | { role: 'fallback'; reason: string; waitedMs: number };

export const isConflict = (e: unknown) => (e as { kind?: string }).kind === 'conflict' || (e as { status?: number }).status === 409;

export function stateOf(cm: ConfigMapObject): LockState | undefined {
  const s = cm.metadata.annotations?.[ANNOTATIONS.state];
  return s === 'training' || s === 'ready' || s === 'failed' ? s : undefined;
}

/** When the holder last showed it was alive: its claim, or its latest renewal (renewLease). */
function heldSince(cm: ConfigMapObject): number {
  const at = (k: string) => { const t = Date.parse(cm.metadata.annotations?.[k] ?? ''); return Number.isFinite(t) ? t : 0; };
  return Math.max(at(ANNOTATIONS.startedAt), at(ANNOTATIONS.renewedAt)); // unreadable: as old as can be, so the lease is expired
}

function claimed(cm: ConfigMapObject | undefined, namespace: string | undefined, holder: string, now: number): ConfigMapObject {
  const annotations = { ...(cm?.metadata.annotations ?? {}) };
  annotations[ANNOTATIONS.state] = 'training';
  annotations[ANNOTATIONS.holder] = holder;
  annotations[ANNOTATIONS.startedAt] = new Date(now).toISOString();
  delete annotations[ANNOTATIONS.reason];
  delete annotations[ANNOTATIONS.renewedAt];
  return {
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: {
      name: GLOBAL_MODEL_CONFIGMAP, ...(namespace ?? cm?.metadata.namespace ? { namespace: namespace ?? cm?.metadata.namespace } : {}),
      ...(cm?.metadata.resourceVersion ? { resourceVersion: cm.metadata.resourceVersion } : {}),
      labels: { ...(cm?.metadata.labels ?? {}), 'app.kubernetes.io/name': 'mora', 'app.kubernetes.io/component': 'global-lstm' },
      annotations,
    },
    ...(cm?.binaryData ? { binaryData: cm.binaryData } : {}),
  };
}

/**
 * Decides this shard's role, waiting while another shard trains (never longer than waitMs). API errors other than
 * the 409s of a lost race are thrown: the caller falls back and says why.
 */
export async function acquireGlobalModel(api: ConfigMapApi, opts: LockOptions, namespace?: string): Promise<LockDecision> {
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const t0 = now();
  for (;;) {
    const cm = await api.get(GLOBAL_MODEL_CONFIGMAP);
    const t = now();
    if (!cm) {
      try {
        return { role: 'trainer', cm: await api.create(claimed(undefined, namespace, opts.holder, t)) };
      } catch (e) {
        if (isConflict(e)) continue; // another shard created it first: look again
        throw e;
      }
    }
    const state = stateOf(cm);
    const annotations = cm.metadata.annotations ?? {};
    const hasModel = !!cm.binaryData?.[GLOBAL_MODEL_KEY];
    if (state === 'ready' && hasModel && opts.isFresh(annotations)) return { role: 'reader', cm, waitedMs: t - t0 };
    const expired = t - heldSince(cm) > opts.leaseMs;
    // Ready but stale (refresh it), a lease run out (take over), an unknown state, or a failure the lease has forgotten.
    const claimable = (state === 'ready' || state === undefined) || expired;
    if (claimable) {
      try {
        const won = await api.replace(claimed(cm, namespace, opts.holder, t));
        return {
          role: 'trainer', cm: won, ...(hasModel ? { base: cm } : {}),
          ...(state === 'training' ? { tookOverFrom: annotations[ANNOTATIONS.holder] ?? '?' } : {}),
        };
      } catch (e) {
        if (isConflict(e)) continue;
        throw e;
      }
    }
    if (state === 'failed') {
      return { role: 'fallback', reason: `${annotations[ANNOTATIONS.holder] ?? 'another shard'} could not train it: ${annotations[ANNOTATIONS.reason] ?? 'no reason given'}`, waitedMs: t - t0 };
    }
    // training, within its lease: wait for it, not past our own deadline nor (much) past its lease.
    if (t - t0 >= opts.waitMs) {
      return { role: 'fallback', reason: `${annotations[ANNOTATIONS.holder] ?? 'another shard'} was still training it after ${Math.round((t - t0) / 1000)} s`, waitedMs: t - t0 };
    }
    await sleep(Math.max(1, Math.min(opts.pollMs, t0 + opts.waitMs - t)));
  }
}

/** What the trainer stores with the model. */
export interface PublishedModel {
  /** gzipped JSON, base64 (binaryData's encoding). */
  artefact: string;
  version: number;
  /** ISO time of the last sample trained on. */
  trainedThrough: string;
  step: number;
  series: number;
}

/** A ConfigMap holds at most 1 MiB in all (data + binaryData + metadata); keep clear of it. */
export const MAX_ARTEFACT_BYTES = 900 * 1024;

/**
 * The trainer's last step: the model and its metadata, state=ready — pinned to the resourceVersion of its claim, so a
 * shard that took the lease over in the meantime wins and this write fails (409, reported by the caller).
 */
export async function publishGlobalModel(api: ConfigMapApi, claim: ConfigMapObject, model: PublishedModel): Promise<ConfigMapObject> {
  if (model.artefact.length > MAX_ARTEFACT_BYTES) {
    throw new KubeError(`the global model is ${Math.round(model.artefact.length / 1024)} KiB base64, over the ${MAX_ARTEFACT_BYTES / 1024} KiB a ConfigMap can safely hold`, 'invalid');
  }
  const annotations = { ...(claim.metadata.annotations ?? {}) };
  annotations[ANNOTATIONS.state] = 'ready';
  annotations[ANNOTATIONS.version] = String(model.version);
  annotations[ANNOTATIONS.trainedThrough] = model.trainedThrough;
  annotations[ANNOTATIONS.step] = String(model.step);
  annotations[ANNOTATIONS.series] = String(model.series);
  delete annotations[ANNOTATIONS.reason];
  return await api.replace({ ...claim, metadata: { ...claim.metadata, annotations }, binaryData: { [GLOBAL_MODEL_KEY]: model.artefact } });
}

/**
 * The holder's heartbeat while it trains: renewed-at = now, pinned to its claim's resourceVersion, so a training longer
 * than the lease is not taken over; returns the new claim (publish pins that one). A 409 means the lease was taken over.
 * A write that failed otherwise (a timeout: it may have landed) is followed by a fresh read: while the claim there is
 * still this holder's, that is the claim to pin the next write to.
 */
export async function renewLease(api: ConfigMapApi, claim: ConfigMapObject, now: number): Promise<ConfigMapObject> {
  const annotations = { ...(claim.metadata.annotations ?? {}), [ANNOTATIONS.renewedAt]: new Date(now).toISOString() };
  try {
    return await api.replace({ ...claim, metadata: { ...claim.metadata, annotations } });
  } catch (e) {
    const fresh = await stillHeld(api, claim);
    if (fresh) return fresh;
    throw e;
  }
}

/**
 * The trainer's publish, and what it leaves when that fails. A 409 means the lease was taken over, unless the claim
 * there is still this holder's (a heartbeat of its own landed after the claim it was given was read): then the publish
 * is pinned to that one. Taken over, the claim stays as the new holder has it. Any other failure (an API timeout, an
 * artefact too large) would leave the claim at state=training, and every other shard would wait out the lease (15 min
 * by default) for a model that is never coming: the claim is released as failed, so they fall back at once. Rethrows
 * the failure.
 */
export async function publishOrRelease(api: ConfigMapApi, claim: ConfigMapObject, model: PublishedModel): Promise<ConfigMapObject> {
  let current = claim;
  for (let attempt = 1; ; attempt++) {
    try {
      return await publishGlobalModel(api, current, model);
    } catch (e) {
      if (isConflict(e)) {
        const fresh = attempt === 1 ? await stillHeld(api, claim).catch(() => undefined) : undefined;
        if (fresh) { current = fresh; continue; }
      } else {
        await releaseFailed(api, current, `trained but could not share it: ${(e as Error).message.split('\n')[0]}`).catch(() => undefined);
      }
      throw e;
    }
  }
}

/** The claim as it is now, when it is still `claim`'s holder's and training; else undefined. */
async function stillHeld(api: ConfigMapApi, claim: ConfigMapObject): Promise<ConfigMapObject | undefined> {
  const now = await api.get(GLOBAL_MODEL_CONFIGMAP);
  return now && sameClaim(now, claim) && stateOf(now) === 'training' ? now : undefined;
}

/** Whether `cm` is still the claim `claim` made (same holder and claim time), whatever heartbeats came between. */
function sameClaim(cm: ConfigMapObject, claim: ConfigMapObject): boolean {
  const a = cm.metadata.annotations ?? {};
  const b = claim.metadata.annotations ?? {};
  return a[ANNOTATIONS.holder] === b[ANNOTATIONS.holder] && a[ANNOTATIONS.startedAt] === b[ANNOTATIONS.startedAt];
}

export interface ReleaseOptions {
  /** Writes tried in all. Default 3. */
  attempts?: number;
  /** Before the n-th retry of a failed (not conflicting) write, n × this. ms. Default 1000. */
  backoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * A trainer that could not train says so (state=failed, the reason), so the others fall back now instead of waiting.
 * Without this every other shard waits out the lease (15 min by default) for a model that is never coming, so one
 * failed write is not the end of it: a write that timed out (it may have landed) or met a 409 (a heartbeat of this
 * holder's own landed after the claim it was given was read) is followed by a fresh read, and retried pinned to what
 * is there as long as that is still this holder's training claim. Someone else's claim, or one already released, is
 * left as it is. Throws the last failure when every attempt failed.
 */
export async function releaseFailed(api: ConfigMapApi, claim: ConfigMapObject, reason: string, opts: ReleaseOptions = {}): Promise<void> {
  const attempts = opts.attempts ?? 3;
  const backoffMs = opts.backoffMs ?? 1000;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let current = claim;
  for (let attempt = 1; ; attempt++) {
    try {
      const annotations = { ...(current.metadata.annotations ?? {}), [ANNOTATIONS.state]: 'failed', [ANNOTATIONS.reason]: reason.slice(0, 500) };
      await api.replace({ ...current, metadata: { ...current.metadata, annotations } });
      return;
    } catch (e) {
      if (attempt >= attempts) throw e;
      if (!isConflict(e)) await sleep(backoffMs * attempt);
      let fresh: ConfigMapObject | undefined;
      try { fresh = await stillHeld(api, claim); } catch { continue; } // unreadable too: try the write again as it was
      if (!fresh) return; // taken over, deleted, or the write had landed
      current = fresh;
    }
  }
}

/** The ConfigMap API of one namespace, through client-node; 404 on get → undefined; errors as KubeError. */
export function configMapApi(namespace: string, options: ConnectionOptions = {}): ConfigMapApi {
  const conn = connectKube(options);
  const api: k8s.CoreV1Api = conn.kc.makeApiClient(conn.k.CoreV1Api);
  const call = <T>(p: Promise<T> | ((o: k8s.ConfigurationOptions) => Promise<T>), verb: 'get' | 'create' | 'update'): Promise<T> =>
    conn.call(p, { verb, resource: 'configmaps', group: '', namespace, name: GLOBAL_MODEL_CONFIGMAP });
  return {
    async get(name) {
      try {
        return await call(api.readNamespacedConfigMap({ name, namespace }), 'get') as ConfigMapObject;
      } catch (e) {
        if ((e as KubeError).kind === 'not-found') return undefined;
        throw e;
      }
    },
    async create(cm) {
      return await call((o) => api.createNamespacedConfigMap({ namespace, body: cm as k8s.V1ConfigMap }, o), 'create') as ConfigMapObject;
    },
    async replace(cm) {
      return await call((o) => api.replaceNamespacedConfigMap({ name: cm.metadata.name, namespace, body: cm as k8s.V1ConfigMap }, o), 'update') as ConfigMapObject;
    },
  };
}
