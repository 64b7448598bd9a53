import { strict as assert } from 'node:assert';
import type { ContainerRecommendation, Recommendation, ResourceRecommendation } from '../../src/core/recommendation';
import { fnv1a32, shardFromEnv, shardNamespaces, shardOf } from '../../src/data/kube/vpa-shard';
import { MORA_REASON, apiTime, isMoraVpa, mentionsMora, parseIntervalMessage, vpaContainerRecommendation, vpaStatusFor, vpaStatusWithout, type VpaObject } from '../../src/data/kube/vpa-status';
import { VERDICT_TOLERANCE } from '../../src/core/recommendation';
import { formatCpu, formatMemory, parseQuantity } from '../../src/core/quantity';
import { recommendationFromVpa } from '../../src/data/kube/vpa-recommendation';
import { sameStatus } from '../../src/data/kube/vpa-writer';
import { mora } from './helpers/run-cli';

const QUANTITY = /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;
const Mi = 2 ** 20;

function resource(value: number, lower: number, upper: number): ResourceRecommendation {
  return {
    request: { value, lower, upper }, confidence: 0.9,
    evidence: { observed: { p50: value / 2, p95: value / 1.2, p99: value, max: value, samples: 100, days: 1 }, margin: 0.1, method: 'moving-window', reason: 'test', completeness: 1, notes: [] },
  };
}

function container(name: string, cpu?: [number, number, number], memory?: [number, number, number]): ContainerRecommendation {
  return {
    container: name, current: { requests: {}, limits: {} },
    ...(cpu ? { cpu: resource(...cpu) } : {}), ...(memory ? { memory: resource(...memory) } : {}),
    verdict: 'over-provisioned', confidence: 0.9,
  };
}

function rec(containers: ContainerRecommendation[]): Recommendation {
  return { workload: { context: 'c', namespace: 'shop', kind: 'Deployment', name: 'api' }, containers, qos: 'Burstable', confidence: 0.85, generatedAt: 0 };
}

function vpa(spec: Partial<VpaObject['spec']> = {}, status?: VpaObject['status']): VpaObject {
  return {
    apiVersion: 'autoscaling.k8s.io/v1', kind: 'VerticalPodAutoscaler', metadata: { name: 'api', namespace: 'shop', generation: 1 },
    spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, recommenders: [{ name: 'mora' }], ...spec },
    ...(status ? { status } : {}),
  };
}

describe('in-cluster recommender: shards', () => {
  it('FNV-1a 32-bit: the published test vectors, and names pinned so a change of hash cannot slip through', () => {
    assert.equal(fnv1a32(''), 0x811c9dc5);
    assert.equal(fnv1a32('a'), 0xe40c292c);
    assert.equal(fnv1a32('foobar'), 0xbf9cf968);
    assert.equal(fnv1a32('default'), 0x933b5bde);
    assert.equal(fnv1a32('kube-system'), 0xa275975e);
    assert.equal(shardOf('shop', 8), 1);
    assert.equal(shardOf('default', 4), 2);
  });

  it('every namespace is in exactly one shard, for N = 1, 4 and 8, and the shards are roughly even', () => {
    const names = Array.from({ length: 200 }, (_, i) => `team-${i}-${(i * 7919) % 1000}`);
    for (const n of [1, 4, 8]) {
      const shards = Array.from({ length: n }, (_, i) => shardNamespaces(names, i, n));
      const all = shards.flat();
      assert.equal(all.length, names.length, `N=${n}: no namespace twice`);
      assert.deepEqual([...all].sort(), [...names].sort(), `N=${n}: every namespace`);
      for (const [i, s] of shards.entries()) {
        assert.ok(s.every((ns) => shardOf(ns, n) === i));
        assert.ok(s.length > (200 / n) * 0.5 && s.length < (200 / n) * 1.5, `N=${n} shard ${i}: ${s.length}`);
        assert.deepEqual(shardNamespaces(names, i, n), s, 'the same on every call');
      }
    }
  });

  it('refuses an index outside 0…N−1 and a count below 1', () => {
    assert.throws(() => shardNamespaces(['a'], 4, 4), /from 0 to 3/);
    assert.throws(() => shardNamespaces(['a'], -1, 4), /from 0 to 3/);
    assert.throws(() => shardNamespaces(['a'], 0, 0), /at least 1/);
    assert.throws(() => shardOf('a', 1.5), /whole number/);
  });

  it('index and count: flags first, then JOB_COMPLETION_INDEX and MORA_SHARDS, else shard 0 of 1', () => {
    assert.deepEqual(shardFromEnv({}, {}), { index: 0, count: 1 });
    assert.deepEqual(shardFromEnv({}, { JOB_COMPLETION_INDEX: '3', MORA_SHARDS: '8' }), { index: 3, count: 8 });
    assert.deepEqual(shardFromEnv({ shardIndex: '1', shards: '4' }, { JOB_COMPLETION_INDEX: '3', MORA_SHARDS: '8' }), { index: 1, count: 4 });
    assert.throws(() => shardFromEnv({}, { JOB_COMPLETION_INDEX: '4', MORA_SHARDS: '4' }), /JOB_COMPLETION_INDEX 4 is not below the shard count 4/);
    assert.throws(() => shardFromEnv({ shards: 'two' }, {}), /--shards must be a whole number/);
    assert.throws(() => shardFromEnv({ shardIndex: '-1', shards: '2' }, {}), /--shard-index must be a whole number/);
  });

  it('mora recommend: shard flags without --in-cluster, or a bad shard, exit 2 with one line', async () => {
    const a = await mora(['recommend', '--shards', '4']);
    assert.equal(a.code, 2);
    assert.match(a.err, /--shard-index and --shards go with --in-cluster/);
    const b = await mora(['recommend', '--in-cluster', '--shard-index', '5', '--shards', '4']);
    assert.equal(b.code, 2);
    assert.match(b.err, /--shard-index 5 is not below the shard count 4/);
  });

  it('a Pushgateway URL\'s user:password never reaches the log (a failed push, a bad scheme)', async () => {
    // The shard fails at its kubeconfig; its metrics are still pushed, to a port where nothing listens.
    const r = await mora(['recommend', '--in-cluster', '--shard-index', '0', '--shards', '1', '--kubeconfig', 'no-such-kubeconfig.yaml',
      '--pushgateway', 'http://mora:S3cretPW@127.0.0.1:9']);
    assert.match(r.err, /could not push the run's metrics to http:\/\/127\.0\.0\.1:9\/?: /);
    assert.doesNotMatch(r.err, /S3cretPW/);
    const bad = await mora(['recommend', '--in-cluster', '--shard-index', '0', '--shards', '1', '--pushgateway', 'ftp://mora:S3cretPW@127.0.0.1:9']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /must start with http/);
    assert.doesNotMatch(bad.err, /S3cretPW/);
  });

  it('mora recommend --in-cluster refuses -n and -w (they would be silently ignored): exit 2 naming the flag', async () => {
    const n = await mora(['recommend', '--in-cluster', '--shard-index', '0', '--shards', '1', '-n', 'shop']);
    assert.equal(n.code, 2);
    assert.match(n.err, /-n\/--namespace does not combine with it/);
    const w = await mora(['recommend', '--in-cluster', '--shard-index', '0', '--shards', '1', '-w', 'api']);
    assert.equal(w.code, 2);
    assert.match(w.err, /-w\/--workload does not combine with it/);
  });
});

describe('in-cluster recommender: VPA status', () => {
  const now = Date.UTC(2026, 10, 29, 5, 0, 0, 123);

  it('only VPAs that name "mora" in spec.recommenders are MOrA\'s', () => {
    assert.equal(isMoraVpa(vpa()), true);
    // MOrA beside another recommender: two writers of one status; MOrA leaves it alone (and warns: mentionsMora).
    assert.equal(isMoraVpa(vpa({ recommenders: [{ name: 'default' }, { name: 'mora' }] })), false);
    assert.equal(mentionsMora(vpa({ recommenders: [{ name: 'default' }, { name: 'mora' }] })), true);
    assert.equal(isMoraVpa(vpa({ recommenders: [{ name: 'mora' }, { name: 'mora' }] })), false);
    assert.equal(mentionsMora(vpa()), false);
    assert.equal(isMoraVpa(vpa({ recommenders: undefined })), false);
    assert.equal(isMoraVpa(vpa({ recommenders: [{ name: 'Mora' }] })), false);
    assert.equal(isMoraVpa(vpa({ recommenders: [] })), false);
  });

  it('containerRecommendations: target, bounds and uncappedTarget as quantities, RecommendationProvided True', () => {
    const r = rec([container('server', [0.1234, 0.05, 0.3], [200 * Mi, 150 * Mi, 300 * Mi + 1]), container('envoy', [0.02, 0.02, 0.02])]);
    const st = vpaStatusFor(vpa(), r, now);
    assert.deepEqual(st.recommendation, {
      containerRecommendations: [
        { containerName: 'server', target: { cpu: '124m', memory: '200Mi' }, lowerBound: { cpu: '50m', memory: '150Mi' }, upperBound: { cpu: '300m', memory: String(300 * Mi + 1) }, uncappedTarget: { cpu: '124m', memory: '200Mi' } },
        // envoy: MOrA's interval is the value alone; the bounds are the verdict's band, 0.8×…1.5× the target.
        { containerName: 'envoy', target: { cpu: '20m' }, lowerBound: { cpu: '16m' }, upperBound: { cpu: '30m' }, uncappedTarget: { cpu: '20m' } },
      ],
    });
    for (const c of st.recommendation!.containerRecommendations) {
      for (const f of ['target', 'lowerBound', 'upperBound', 'uncappedTarget'] as const) for (const q of Object.values(c[f])) assert.match(String(q), QUANTITY);
    }
    assert.deepEqual(st.conditions, [{
      type: 'RecommendationProvided', status: 'True', lastTransitionTime: '2026-11-29T05:00:00Z', reason: MORA_REASON,
      message: 'MOrA recommended 2 container(s) of Deployment api (moving-window; confidence 0.85; interval server: cpu 50m..300m, memory 150Mi..314572801; interval envoy: cpu 20m..20m)',
    }]);
  });

  it('the container policy: maxAllowed / minAllowed cap target and bounds, not uncappedTarget; mode Off and controlledResources', () => {
    const v = vpa({ resourcePolicy: { containerPolicies: [
      { containerName: '*', maxAllowed: { cpu: '100m' }, minAllowed: { memory: '256Mi' } },
      { containerName: 'sidecar', mode: 'Off' },
      { containerName: 'batch', controlledResources: ['memory'] },
    ] } });
    const server = vpaContainerRecommendation(v, container('server', [0.5, 0.2, 0.9], [100 * Mi, 50 * Mi, 400 * Mi]))!;
    assert.deepEqual(server, {
      containerName: 'server',
      target: { cpu: '100m', memory: '256Mi' }, lowerBound: { cpu: '80m', memory: '256Mi' }, upperBound: { cpu: '100m', memory: '400Mi' },
      uncappedTarget: { cpu: '500m', memory: '100Mi' },
    });
    assert.equal(vpaContainerRecommendation(v, container('sidecar', [0.1, 0.1, 0.1])), undefined);
    assert.deepEqual(Object.keys(vpaContainerRecommendation(v, container('batch', [0.1, 0.1, 0.1], [64 * Mi, 64 * Mi, 64 * Mi]))!.target), ['memory']);
    // lowerBound ≤ target ≤ upperBound even when the engine's band does not contain the value.
    const odd = vpaContainerRecommendation(vpa(), container('x', [0.2, 0.3, 0.1]))!;
    assert.deepEqual([odd.lowerBound.cpu, odd.target.cpu, odd.upperBound.cpu], ['160m', '200m', '300m']);
  });

  it('the bounds are the verdict\'s band (≤ 0.8× / ≥ 1.5× target), not MOrA\'s narrow interval, which the message keeps; the reader reads the interval back', () => {
    // The reviewer's numbers: MOrA's interval cpu 60m..70m around 65m, memory 126Mi..166Mi around 132Mi. As bounds, the
    // VPA updater evicts a pod whose request moved ~8% (outside [lower, upper] it skips its 12 h / 10% guards).
    const r = rec([container('server', [0.065, 0.06, 0.07], [132 * Mi, 126 * Mi, 166 * Mi])]);
    const st = vpaStatusFor(vpa(), r, now);
    const [c] = st.recommendation!.containerRecommendations;
    assert.deepEqual({ lower: c.lowerBound, target: c.target, upper: c.upperBound }, {
      // Memory's lowerBound is MOrA's own lower (126Mi, not 0.8 × 132Mi = 105.6Mi): a pod at 110Mi is under-provisioned
      // in the editor (below the lower bound it reads back) and risks OOM, so the updater evicts it too.
      lower: { cpu: formatCpu(0.065 * VERDICT_TOLERANCE.under), memory: '126Mi' },
      target: { cpu: '65m', memory: '132Mi' },
      upper: { cpu: formatCpu(0.065 * VERDICT_TOLERANCE.over), memory: formatMemory(132 * Mi * VERDICT_TOLERANCE.over) },
    });
    assert.ok(parseQuantity(c.lowerBound.cpu!) <= 0.8 * 0.065 + 1e-9 && parseQuantity(c.upperBound.cpu!) >= 1.5 * 0.065 - 1e-9, JSON.stringify(c));
    assert.ok(parseQuantity(c.upperBound.memory!) >= 1.5 * 132 * Mi - 1, JSON.stringify(c));
    // A wider interval of MOrA's own is kept as it is (the band only widens).
    const wide = vpaContainerRecommendation(vpa(), container('w', [0.1, 0.02, 0.4]))!;
    assert.deepEqual([wide.lowerBound.cpu, wide.upperBound.cpu], ['20m', '400m']);
    const message = st.conditions!.find((x) => x.type === 'RecommendationProvided')!.message!;
    assert.match(message, /; interval server: cpu 60m\.\.70m, memory 126Mi\.\.166Mi\)$/);
    assert.deepEqual(parseIntervalMessage(message).get('server'), { cpu: [0.06, 0.07], memory: [126 * Mi, 166 * Mi] });
    const back = recommendationFromVpa({ ...vpa(), status: st }, { context: 'c', now: now / 1000 + 60, maxAgeHours: 36 });
    assert.ok('recommendation' in back, JSON.stringify(back));
    const server = back.recommendation.containers[0];
    assert.deepEqual([server.cpu!.request.lower, server.cpu!.request.value, server.cpu!.request.upper], [0.06, 0.065, 0.07]);
    assert.deepEqual([server.memory!.request.lower, server.memory!.request.upper], [126 * Mi, 166 * Mi]);
    // The updater's eviction threshold for memory is the lower bound the editor's verdict uses.
    assert.equal(parseQuantity(c.lowerBound.memory!), server.memory!.request.lower);
  });

  it('no value for any container: RecommendationProvided False; keeps lastTransitionTime while the condition holds', () => {
    const none = vpaStatusFor(vpa(), rec([container('server')]), now);
    assert.equal(none.conditions![0].status, 'False');
    const first = vpaStatusFor(vpa(), rec([container('server', [0.1, 0.1, 0.1])]), now);
    // NoContainerRecommendation leaves the previous recommendation as it was (docs/IN-CLUSTER.md): the field is not sent.
    const noneAfter = vpaStatusFor(vpa({}, first), rec([container('server')]), now + 3_600_000);
    assert.equal('recommendation' in noneAfter, false, 'recommendation not sent: the merge patch keeps the old one');
    assert.equal('recommendation' in none, false);
    assert.deepEqual(noneAfter.conditions!.find((c) => c.type === 'RecommendationProvided'), {
      type: 'RecommendationProvided', status: 'False', lastTransitionTime: '2026-11-29T06:00:00Z', reason: 'NoContainerRecommendation',
      message: 'MOrA has no CPU or memory value for any container this VPA controls',
    });
    const later = vpaStatusFor(vpa({}, { ...first, conditions: [...first.conditions!, { type: 'Other', status: 'True', lastTransitionTime: apiTime(0) }] }),
      rec([container('server', [0.1, 0.1, 0.1])]), now + 3_600_000);
    assert.equal(later.conditions!.find((c) => c.type === 'RecommendationProvided')!.lastTransitionTime, '2026-11-29T05:00:00Z', 'unchanged condition, same time');
    assert.ok(later.conditions!.some((c) => c.type === 'Other'), 'other condition types are kept');
    const gone = vpaStatusWithout(vpa({}, first), 'NoMetrics', 'no samples', now + 7_200_000);
    assert.equal(gone.recommendation, undefined, 'the last recommendation is left as it was');
    assert.deepEqual(gone.conditions, [{ type: 'RecommendationProvided', status: 'False', lastTransitionTime: '2026-11-29T07:00:00Z', reason: 'NoMetrics', message: 'no samples' }]);
  });

  it('sameStatus ignores key order (the API server gives custom objects back in its own order)', () => {
    const st = vpaStatusFor(vpa(), rec([container('server', [0.1, 0.05, 0.2], [64 * Mi, 32 * Mi, 128 * Mi])]), now);
    const reordered = JSON.parse(JSON.stringify(st, (_k, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v))) as typeof st;
    assert.equal(sameStatus(reordered, st), true);
    assert.equal(sameStatus(undefined, st), false);
    assert.equal(sameStatus(st, vpaStatusFor(vpa(), rec([container('server', [0.2, 0.05, 0.2])]), now)), false);
  });
});
