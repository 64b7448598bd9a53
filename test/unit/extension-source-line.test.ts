import { strict as assert } from 'node:assert';
import { dataSourceLine } from '../../src/extension/source-line';

describe('the output channel\'s data source line', () => {
  it('names the Prometheus URLs without any credential: userinfo and ?token= / ?api_key= values', () => {
    const line = dataSourceLine('http://admin:pr0m-passw0rd@prom:9090/?token=t0k3n-s3cret-value&extra_label=env%3Dprod', {
      staging: 'https://prom.staging/?api_key=k3y-s3cret-value',
    });
    assert.ok(!/pr0m-passw0rd|t0k3n-s3cret-value|k3y-s3cret-value|admin/.test(line), line);
    assert.equal(line, 'Data source: cluster (kubeconfig contexts, Prometheus at http://prom:9090/?token=***&extra_label=env%3Dprod for the current context, '
      + 'discovered in the others; per context: staging → https://prom.staging/?api_key=***).');
    assert.equal(dataSourceLine(undefined, {}), 'Data source: cluster (kubeconfig contexts, Prometheus discovered in each cluster, through the API server).');
  });
});
