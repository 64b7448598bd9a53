// The shared global LSTM's lock and lease (src/data/kube/global-model-lock.ts) against FakeConfigMapApi, a test
// double of the ConfigMap API that keeps one object in memory and behaves as the API server does on the calls the lock
// makes: create → 409 AlreadyExists when it exists; replace → 409 Conflict when the resourceVersion it carries is not
// the stored one; every write bumps the resourceVersion. Time is a fake clock advanced by the fake sleep.
import { strict as assert } from 'node:assert';
import { KubeError } from '../../src/data/kube/errors';
import {
  ANNOTATIONS, GLOBAL_MODEL_CONFIGMAP, GLOBAL_MODEL_KEY, MAX_ARTEFACT_BYTES, acquireGlobalModel, publishGlobalModel, publishOrRelease, releaseFailed, renewLease, stateOf,
  type ConfigMapApi, type ConfigMapObject, type LockOptions,
} from '../../src/data/kube/global-model-lock';
import { decodeArtefact, encodeArtefact, sampleWorkloads, sharedGlobalLstm, sharedModelSettings } from '../../src/cli/commands/in-cluster-global-model';
import type { DataSource } from '../../src/data/datasource';
import type { Workload } from '../../src/core/workload';

class FakeConfigMapApi implements ConfigMapApi {
  stored?: ConfigMapObject;
  private rv = 0;
  calls: string[] = [];
  /** Runs before a call answers: lets a test make "another shard" write in between. */
  before?: (call: string) => void;
  async get(name: string) {
    this.calls.push('get');
    this.before?.('get');
    return this.stored && this.stored.metadata.name === name ? structuredClone(this.stored) : undefined;
  }
  async create(cm: ConfigMapObject) {
    this.calls.push('create');
    this.before?.('create');
    if (this.stored) throw new KubeError(`configmaps "${cm.metadata.name}" already exists`, 'conflict', 409);
    this.stored = { ...structuredClone(cm), metadata: { ...structuredClone(cm.metadata), resourceVersion: String(++this.rv) } };
    return structuredClone(this.stored);
  }
  async replace(cm: ConfigMapObject) {
    this.calls.push('replace');
    this.before?.('replace');
    if (!this.stored) throw new KubeError('not found', 'not-found', 404);
    if (cm.metadata.resourceVersion !== this.stored.metadata.resourceVersion) throw new KubeError('the object has been modified', 'conflict', 409);
    this.stored = { ...structuredClone(cm), metadata: { ...structuredClone(cm.metadata), resourceVersion: String(++this.rv) } };
    return structuredClone(this.stored);
  }
  /** Another shard's write, outside the lock under test. */
  put(annotations: Record<string, string>, binaryData?: Record<string, string>) {
    this.stored = { metadata: { name: GLOBAL_MODEL_CONFIGMAP, namespace: 'mora-system', resourceVersion: String(++this.rv), annotations }, ...(binaryData ? { binaryData } : {}) };
  }
}

describe('Shared global LSTM: the ConfigMap lock and lease (against FakeConfigMapApi, an in-memory test double)', () => {
  let clock = Date.UTC(2026, 10, 29, 3, 17);
  const opts = (holder: string, extra: Partial<LockOptions> = {}): LockOptions => ({
    holder, leaseMs: 600_000, waitMs: 900_000, pollMs: 5_000, isFresh: (a) => a[ANNOTATIONS.trainedThrough] === '2026-11-27T00:00:00.000Z',
    now: () => clock, sleep: async (ms) => { clock += ms; }, ...extra,
  });
  const model = { artefact: Buffer.from('weights').toString('base64'), version: 1, trainedThrough: '2026-11-27T00:00:00.000Z', step: 900, series: 40 };
  beforeEach(() => { clock = Date.UTC(2026, 10, 29, 3, 17); });

  it('no ConfigMap: the first shard creates it as training and trains; its annotations name it', async () => {
    const api = new FakeConfigMapApi();
    const d = await acquireGlobalModel(api, opts('shard 0/3'), 'mora-system');
    assert.equal(d.role, 'trainer');
    assert.equal(stateOf(api.stored!), 'training');
    assert.equal(api.stored!.metadata.annotations![ANNOTATIONS.holder], 'shard 0/3');
    assert.equal(api.stored!.metadata.annotations![ANNOTATIONS.startedAt], new Date(clock).toISOString());
    assert.equal(api.stored!.metadata.namespace, 'mora-system');
    assert.equal(d.role === 'trainer' && d.base, undefined, 'nothing to refresh');
  });

  it('two shards racing on create: exactly one trains, the other waits for ready and reads the same model', async () => {
    const api = new FakeConfigMapApi();
    // Shard 1 looks (nothing there), then shard 0 creates before shard 1's create arrives.
    let raced = false;
    api.before = (call) => {
      if (call === 'create' && !raced) { raced = true; api.put({ [ANNOTATIONS.state]: 'training', [ANNOTATIONS.holder]: 'shard 0/3', [ANNOTATIONS.startedAt]: new Date(clock).toISOString() }); }
    };
    const waiting = opts('shard 1/3', {
      sleep: async (ms) => {
        clock += ms;
        // shard 0 finishes after 30 s
        if (clock - Date.UTC(2026, 10, 29, 3, 17) >= 30_000 && stateOf(api.stored!) === 'training') {
          api.before = undefined;
          await publishGlobalModel(api, api.stored!, model);
        }
      },
    });
    const d = await acquireGlobalModel(api, waiting);
    assert.equal(d.role, 'reader');
    assert.ok(d.role === 'reader' && d.waitedMs >= 30_000 && d.waitedMs < 40_000, JSON.stringify(d));
    assert.equal(d.role === 'reader' && d.cm.binaryData![GLOBAL_MODEL_KEY], model.artefact);
    assert.equal(d.role === 'reader' && d.cm.metadata.annotations![ANNOTATIONS.version], '1');
    // Shard 1's one create lost the race; the one replace is shard 0's publish: shard 1 never claimed it.
    assert.equal(api.calls.filter((c) => c === 'create').length, 1, api.calls.join(','));
    assert.equal(api.calls.filter((c) => c === 'replace').length, 1, api.calls.join(','));
    assert.equal(api.stored!.metadata.annotations![ANNOTATIONS.holder], 'shard 0/3');
  });

  it('ready and fresh: every shard reads it, no write at all', async () => {
    const api = new FakeConfigMapApi();
    await acquireGlobalModel(api, opts('shard 0/3')).then((d) => publishGlobalModel(api, (d as { cm: ConfigMapObject }).cm, model));
    const rv = api.stored!.metadata.resourceVersion;
    for (const s of ['shard 1/3', 'shard 2/3']) {
      const d = await acquireGlobalModel(api, opts(s));
      assert.equal(d.role, 'reader');
    }
    assert.equal(api.stored!.metadata.resourceVersion, rv);
    assert.equal(api.stored!.metadata.annotations![ANNOTATIONS.holder], 'shard 0/3', 'the holder stays the shard that trained');
  });

  it('ready but stale: the first shard claims it with the old model as base (refresh); the next waits for it', async () => {
    const api = new FakeConfigMapApi();
    api.put({ [ANNOTATIONS.state]: 'ready', [ANNOTATIONS.trainedThrough]: '2026-11-26T00:00:00.000Z', [ANNOTATIONS.version]: '3', [ANNOTATIONS.startedAt]: '2026-11-28T03:17:00.000Z' }, { [GLOBAL_MODEL_KEY]: 'b2xk' });
    const d = await acquireGlobalModel(api, opts('shard 2/3'));
    assert.equal(d.role, 'trainer');
    assert.equal(d.role === 'trainer' && d.base?.binaryData?.[GLOBAL_MODEL_KEY], 'b2xk');
    assert.equal(d.role === 'trainer' && d.tookOverFrom, undefined);
    assert.equal(stateOf(api.stored!), 'training');
    assert.equal(api.stored!.binaryData![GLOBAL_MODEL_KEY], 'b2xk', 'the old model stays until the new one replaces it');
    const other = await acquireGlobalModel(api, opts('shard 0/3', { waitMs: 20_000 }));
    assert.equal(other.role, 'fallback', 'within the lease the other waits, then gives up at its deadline');
    assert.match((other as { reason: string }).reason, /shard 2\/3 was still training it after 20 s/);
  });

  it('a killed trainer: once its lease has run out a waiting shard takes it over (pinned replace); a late publish by the dead one fails', async () => {
    const api = new FakeConfigMapApi();
    const first = await acquireGlobalModel(api, opts('shard 0/3'));
    assert.equal(first.role, 'trainer');
    const d = await acquireGlobalModel(api, opts('shard 1/3', { leaseMs: 60_000, waitMs: 300_000, pollMs: 10_000 }));
    assert.equal(d.role, 'trainer');
    assert.equal(d.role === 'trainer' && d.tookOverFrom, 'shard 0/3');
    assert.equal(api.stored!.metadata.annotations![ANNOTATIONS.holder], 'shard 1/3');
    assert.ok(clock - Date.UTC(2026, 10, 29, 3, 17) > 60_000 && clock - Date.UTC(2026, 10, 29, 3, 17) <= 80_000, 'taken over within a poll after the lease');
    // The old holder wakes up and publishes on its stale claim: refused, the new holder's claim stands.
    await assert.rejects(publishGlobalModel(api, (first as { cm: ConfigMapObject }).cm, model), /modified/);
    assert.equal(api.stored!.metadata.annotations![ANNOTATIONS.holder], 'shard 1/3');
    await publishGlobalModel(api, (d as { cm: ConfigMapObject }).cm, { ...model, version: 1 });
    assert.equal(stateOf(api.stored!), 'ready');
  });

  it('a live holder renews its lease while it trains: past the lease from its start it is not taken over; once taken over its renewal fails', async () => {
    const api = new FakeConfigMapApi();
    const t0 = clock;
    let claim = (await acquireGlobalModel(api, opts('shard 0/3')) as { cm: ConfigMapObject }).cm;
    // shard 0 renews every 20 s (a third of the lease) while shard 1 waits up to 150 s.
    let nextRenewal = t0 + 20_000;
    const waiter = opts('shard 1/3', {
      leaseMs: 60_000, waitMs: 150_000, pollMs: 5_000,
      sleep: async (ms) => {
        clock += ms;
        while (clock >= nextRenewal) { claim = await renewLease(api, claim, nextRenewal); nextRenewal += 20_000; }
      },
    });
    const d = await acquireGlobalModel(api, waiter);
    assert.equal(d.role, 'fallback', 'never taken over while renewed');
    assert.ok(clock - t0 >= 150_000, 'waited its whole deadline, well past the lease from the claim');
    assert.equal(api.stored!.metadata.annotations![ANNOTATIONS.holder], 'shard 0/3');
    // shard 0 stops renewing (killed): a lease later shard 2 takes over, and a late renewal by shard 0 is refused.
    clock += 61_000;
    const taken = await acquireGlobalModel(api, opts('shard 2/3', { leaseMs: 60_000 }));
    assert.equal(taken.role === 'trainer' && taken.tookOverFrom, 'shard 0/3');
    assert.equal(api.stored!.metadata.annotations![ANNOTATIONS.renewedAt], undefined, 'the new claim starts afresh');
    await assert.rejects(renewLease(api, claim, clock), /modified/);
  });

  it('two shards taking over the same expired lease: one wins, the other sees the new claim and waits', async () => {
    const api = new FakeConfigMapApi();
    api.put({ [ANNOTATIONS.state]: 'training', [ANNOTATIONS.holder]: 'shard 0/3', [ANNOTATIONS.startedAt]: new Date(clock - 3_600_000).toISOString() });
    let raced = false;
    api.before = (call) => {
      if (call === 'replace' && !raced) {
        raced = true; // shard 2's takeover lands between shard 1's get and replace
        api.put({ ...api.stored!.metadata.annotations!, [ANNOTATIONS.holder]: 'shard 2/3', [ANNOTATIONS.startedAt]: new Date(clock).toISOString() });
      }
    };
    const d = await acquireGlobalModel(api, opts('shard 1/3', { waitMs: 15_000 }));
    assert.equal(d.role, 'fallback');
    assert.match((d as { reason: string }).reason, /shard 2\/3 was still training/);
    assert.equal(api.stored!.metadata.annotations![ANNOTATIONS.holder], 'shard 2/3');
  });

  it('a trainer that failed says so: the others fall back at once with its reason; after the lease the next run tries again', async () => {
    const api = new FakeConfigMapApi();
    const t = await acquireGlobalModel(api, opts('shard 0/3'));
    await releaseFailed(api, (t as { cm: ConfigMapObject }).cm, 'no series with enough history');
    const d = await acquireGlobalModel(api, opts('shard 1/3'));
    assert.equal(d.role, 'fallback');
    assert.match((d as { reason: string }).reason, /shard 0\/3 could not train it: no series with enough history/);
    assert.equal((d as { waitedMs: number }).waitedMs, 0);
    clock += 24 * 3_600_000;
    const next = await acquireGlobalModel(api, opts('shard 1/3'));
    assert.equal(next.role, 'trainer');
    assert.equal(api.stored!.metadata.annotations![ANNOTATIONS.reason], undefined, 'the old reason is cleared by the claim');
  });

  it('a failed trainer\'s release survives a write that timed out, one that landed late, and its own heartbeat; another\'s claim is left alone', async () => {
    const timeout = () => new KubeError('the Kubernetes API at https://127.0.0.1:6443 did not answer within 30 s', 'unreachable');
    const slept: number[] = [];
    const retry = { sleep: async (ms: number) => { slept.push(ms); } };
    // 1. The first write times out before it lands: retried, released.
    const api = new FakeConfigMapApi();
    const claim = (await acquireGlobalModel(api, opts('shard 0/3')) as { cm: ConfigMapObject }).cm;
    let fail = 1;
    api.before = (call) => { if (call === 'replace' && fail-- > 0) throw timeout(); };
    await releaseFailed(api, claim, 'no series with enough history', retry);
    assert.equal(stateOf(api.stored!), 'failed');
    assert.deepEqual(slept, [1000]);
    // 2. The write lands but its answer times out: the fresh read shows it released, nothing written twice.
    const late = new FakeConfigMapApi();
    const claim2 = (await acquireGlobalModel(late, opts('shard 0/3')) as { cm: ConfigMapObject }).cm;
    let landed = false;
    const landing: ConfigMapApi = {
      get: (n) => late.get(n), create: (c) => late.create(c),
      replace: async (c) => { const r = await late.replace(c); if (!landed) { landed = true; throw timeout(); } return r; },
    };
    await releaseFailed(landing, claim2, 'no series with enough history', retry);
    assert.equal(stateOf(late.stored!), 'failed');
    assert.equal(late.calls.filter((c) => c === 'replace').length, 1);
    // 3. A renewal of this holder's own landed after the claim it was given was read (409): retried on the fresh one.
    const beat = new FakeConfigMapApi();
    const claim3 = (await acquireGlobalModel(beat, opts('shard 0/3')) as { cm: ConfigMapObject }).cm;
    await renewLease(beat, claim3, clock + 300_000);
    await releaseFailed(beat, claim3, 'no series with enough history', retry);
    assert.equal(stateOf(beat.stored!), 'failed');
    assert.match(beat.stored!.metadata.annotations![ANNOTATIONS.reason], /no series with enough history/);
    // 4. Taken over in between: the new holder's claim stays as it is.
    const taken = new FakeConfigMapApi();
    const claim4 = (await acquireGlobalModel(taken, opts('shard 0/3')) as { cm: ConfigMapObject }).cm;
    clock += 700_000;
    assert.equal((await acquireGlobalModel(taken, opts('shard 1/3'))).role, 'trainer');
    const theirs = structuredClone(taken.stored);
    await releaseFailed(taken, claim4, 'no series with enough history', retry);
    assert.deepEqual(taken.stored, theirs);
    // 5. Every attempt fails: the last failure is thrown (the caller says the others may wait).
    const down = new FakeConfigMapApi();
    const claim5 = (await acquireGlobalModel(down, opts('shard 0/3')) as { cm: ConfigMapObject }).cm;
    down.before = (call) => { if (call === 'replace') throw timeout(); };
    await assert.rejects(releaseFailed(down, claim5, 'x', retry), /did not answer within 30 s/);
    assert.equal(down.calls.filter((c) => c === 'replace').length, 3);
    assert.equal(stateOf(down.stored!), 'training');
  });

  it('a renewal whose answer timed out after it landed keeps the lease; a publish pinned to the claim before it still publishes', async () => {
    const api = new FakeConfigMapApi();
    const claim = (await acquireGlobalModel(api, opts('shard 0/3')) as { cm: ConfigMapObject }).cm;
    let landed = false;
    const landing: ConfigMapApi = {
      get: (n) => api.get(n), create: (c) => api.create(c),
      replace: async (c) => { const r = await api.replace(c); if (!landed) { landed = true; throw new KubeError('the Kubernetes API at https://127.0.0.1:6443 did not answer within 30 s', 'unreachable'); } return r; },
    };
    const renewed = await renewLease(landing, claim, clock + 200_000);
    assert.equal(renewed.metadata.resourceVersion, api.stored!.metadata.resourceVersion, 'the claim to pin the next write to');
    // The caller kept the claim from before the renewal: the publish meets its own heartbeat (409) and is pinned anew.
    await publishOrRelease(api, claim, model);
    assert.equal(stateOf(api.stored!), 'ready');
    assert.equal(api.stored!.binaryData![GLOBAL_MODEL_KEY], model.artefact);
    // Taken over: the renewal fails (the caller stops claiming it).
    const gone = new FakeConfigMapApi();
    const mine = (await acquireGlobalModel(gone, opts('shard 0/3')) as { cm: ConfigMapObject }).cm;
    clock += 700_000;
    await acquireGlobalModel(gone, opts('shard 1/3'));
    await assert.rejects(renewLease(gone, mine, clock), /modified/);
  });

  it('an artefact too large for a ConfigMap is refused before it is sent; other API errors are thrown to the caller', async () => {
    const api = new FakeConfigMapApi();
    const t = await acquireGlobalModel(api, opts('shard 0/3'));
    await assert.rejects(publishGlobalModel(api, (t as { cm: ConfigMapObject }).cm, { ...model, artefact: 'x'.repeat(MAX_ARTEFACT_BYTES + 1) }), /over the 900 KiB/);
    const denied: ConfigMapApi = { get: () => Promise.reject(new KubeError('RBAC denied: cannot get configmaps', 'forbidden', 403)), create: api.create.bind(api), replace: api.replace.bind(api) };
    await assert.rejects(acquireGlobalModel(denied, opts('shard 1/3')), /RBAC denied/);
  });

  it('a trainer whose publish fails (API timeout, artefact too large) releases its claim as failed: the others fall back now instead of waiting out the lease', async () => {
    const api = new FakeConfigMapApi();
    const t = await acquireGlobalModel(api, opts('shard 0/3'));
    const claim = (t as { cm: ConfigMapObject }).cm;
    let first = true;
    api.before = (call) => {
      if (call === 'replace' && first) { first = false; throw new KubeError('the Kubernetes API at https://127.0.0.1:6443 did not answer within 30 s', 'unreachable'); }
    };
    await assert.rejects(publishOrRelease(api, claim, model), /did not answer within 30 s/);
    assert.equal(stateOf(api.stored!), 'failed');
    assert.match(api.stored!.metadata.annotations![ANNOTATIONS.reason], /trained but could not share it: the Kubernetes API .* did not answer/);
    const waiting = await acquireGlobalModel(api, opts('shard 1/3'));
    assert.equal(waiting.role, 'fallback');
    assert.equal((waiting as { waitedMs: number }).waitedMs, 0, 'no wait for a model that is never coming');
    // Too large: refused before it is sent, released the same way.
    const api2 = new FakeConfigMapApi();
    const t2 = await acquireGlobalModel(api2, opts('shard 0/3'));
    await assert.rejects(publishOrRelease(api2, (t2 as { cm: ConfigMapObject }).cm, { ...model, artefact: 'x'.repeat(MAX_ARTEFACT_BYTES + 1) }), /over the 900 KiB/);
    assert.equal(stateOf(api2.stored!), 'failed');
  });

  it('a trainer whose lease was taken over (publish 409) leaves the new holder\'s claim as it is', async () => {
    const api = new FakeConfigMapApi();
    const t = await acquireGlobalModel(api, opts('shard 0/3'));
    clock += 700_000; // past the 600 s lease: shard 1 takes it over
    const taker = await acquireGlobalModel(api, opts('shard 1/3'));
    assert.equal(taker.role, 'trainer');
    const stored = structuredClone(api.stored);
    await assert.rejects(publishOrRelease(api, (t as { cm: ConfigMapObject }).cm, model), /modified/);
    assert.deepEqual(api.stored, stored, 'the new holder\'s claim untouched');
    assert.equal(stateOf(api.stored!), 'training');
  });
});

describe('Shared global LSTM: settings, sample and artefact (in-cluster-global-model.ts)', () => {
  it('settings from the environment; the namespace from MORA_NAMESPACE, else the service account\'s file; bad numbers named', () => {
    const s = sharedModelSettings({ MORA_NAMESPACE: 'mora-system' }, () => { throw new Error('no file'); });
    assert.deepEqual(s, { namespace: 'mora-system', leaseSeconds: 900, waitSeconds: 1800, pollSeconds: 5, sampleSeries: 500 });
    assert.equal(sharedModelSettings({}, () => 'from-pod\n').namespace, 'from-pod');
    assert.equal(sharedModelSettings({}, () => { throw new Error('not in a pod'); }).namespace, undefined);
    assert.equal(sharedModelSettings({ MORA_GLOBAL_LSTM_EPOCHS: '2', MORA_GLOBAL_LSTM_LEASE_SECONDS: '30' }, () => '').epochs, 2);
    assert.throws(() => sharedModelSettings({ MORA_GLOBAL_LSTM_WAIT_SECONDS: 'soon' }, () => ''), /MORA_GLOBAL_LSTM_WAIT_SECONDS must be a positive number, got "soon"/);
  });

  it('the sample: about N series\' worth of workloads, from every namespace, the same whatever the listing order', () => {
    const ws = Array.from({ length: 400 }, (_, i) => ({ context: 'c', namespace: `team-${i % 40}`, kind: 'Deployment', name: `app-${i}`, containers: [] }) as unknown as Workload);
    const a = sampleWorkloads(ws, 100);
    assert.equal(a.length, 50);
    assert.deepEqual(sampleWorkloads([...ws].reverse(), 100).map((w) => w.name), a.map((w) => w.name));
    assert.ok(new Set(a.map((w) => w.namespace)).size > 20, 'spread over the namespaces');
    assert.equal(sampleWorkloads(ws.slice(0, 3), 500).length, 3);
  });

  it('the artefact round-trips through gzip + base64; a ConfigMap without it is named', () => {
    const state = { kind: 'mora-lstm-global', version: 2, weights: ['AAAA'], scalers: { a: { scale: 1 } } };
    const b64 = encodeArtefact(state);
    assert.deepEqual(decodeArtefact({ metadata: { name: GLOBAL_MODEL_CONFIGMAP }, binaryData: { [GLOBAL_MODEL_KEY]: b64 } }), state);
    assert.throws(() => decodeArtefact({ metadata: { name: GLOBAL_MODEL_CONFIGMAP } }), /holds no model.json.gz/);
  });

  it('no namespace to share in: the shard keeps the pipeline\'s own model (local) and says why; an API failure falls back', async () => {
    const input = {
      model: 'lstm' as const, shard: { index: 1, count: 3 }, context: 'c', cluster: { kind: 'cluster' } as unknown as DataSource, namespaces: [], now: 1_800_000_000,
      settings: { leaseSeconds: 900, waitSeconds: 1, pollSeconds: 1, sampleSeries: 500 }, cacheRoot: '/nonexistent-mora-cache', log: () => undefined,
    };
    const local = await sharedGlobalLstm(input);
    assert.equal(local.report.outcome, 'local');
    assert.equal(local.unavailable, undefined);
    const lines: string[] = [];
    const denied: ConfigMapApi = { get: () => Promise.reject(new KubeError('RBAC denied: cannot get configmaps', 'forbidden', 403)), create: () => Promise.reject(new Error('no')), replace: () => Promise.reject(new Error('no')) };
    const fb = await sharedGlobalLstm({ ...input, settings: { ...input.settings, namespace: 'mora-system' }, api: denied, log: (l) => lines.push(l) });
    assert.equal(fb.report.outcome, 'fallback');
    assert.match(fb.unavailable ?? '', /RBAC denied/);
    assert.match(lines.join('\n'), /global LSTM not available to shard 1\/3 \(RBAC denied.*Prophet and the seasonal baseline/);
  });
});
