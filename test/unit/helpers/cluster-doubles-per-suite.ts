import { fakeApiKubeconfigPerSuite } from './fake-api-kubeconfig';
import { FakeKubeApi, FakePrometheus } from './recommend-cluster-doubles';

/** A suite's Kubernetes API and Prometheus doubles, read inside hooks and tests (they start in `before`). */
export interface ClusterDoubles {
  readonly api: FakeKubeApi;
  readonly prom: FakePrometheus;
  /** The kubeconfig whose one context, `prod`, points at `api`. */
  readonly kubeconfig: string;
  readonly promUrl: string;
  /** `mora recommend --source cluster` against both doubles, namespace shop, JSON, quiet; `more` appended. */
  recommendArgs(...more: string[]): string[];
}

/**
 * Registers mocha hooks for the enclosing describe: the loopback Kubernetes API double (one Deployment, its ReplicaSet
 * and Pod) with a kubeconfig for it, and the Prometheus double answering for that pod, started before its tests and
 * stopped after. Set the doubles' knobs (`prom.age`, faults) in the suite's own hooks or tests.
 */
export function clusterDoublesPerSuite(dirPrefix: string): ClusterDoubles {
  const api = new FakeKubeApi();
  const kube = fakeApiKubeconfigPerSuite(api, { context: 'prod', token: 'kube-t0ken' }, dirPrefix);
  const prom = new FakePrometheus();
  let promUrl: string | undefined;
  before(async () => { promUrl = await prom.start(); });
  after(() => prom.stop());
  const url = (): string => {
    if (promUrl === undefined) throw new Error('the Prometheus double starts in a before hook: read its URL inside hooks and tests');
    return promUrl;
  };
  return {
    api,
    prom,
    get kubeconfig() { return kube.kubeconfig; },
    get promUrl() { return url(); },
    recommendArgs: (...more) => ['recommend', '--source', 'cluster', '--prometheus', url(), '--kubeconfig', kube.kubeconfig, '-n', 'shop', '-f', 'json', '-q', ...more],
  };
}
