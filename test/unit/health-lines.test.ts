import { strict as assert } from 'node:assert';
import { healthLines } from '../../src/cli/commands/health';

describe('mora health: text lines', () => {
  it('checks failing with the same message share the first one\'s line; other lines, order and statuses stay', () => {
    const down = 'the Kubernetes API at https://127.0.0.1:1 (context "a") refused the connection';
    assert.deepEqual(healthLines([
      { name: 'prometheus (context "a")', ok: false, required: true, message: down },
      { name: 'prometheus (context "b")', ok: true, required: true, message: 'Prometheus 2.53.0' },
      { name: 'cAdvisor (context "b")', ok: true, required: true, message: 'Prometheus 2.53.0' },
      { name: 'app metrics (context "b")', ok: false, required: false, message: down },
      { name: 'kubernetes (context "a")', ok: false, required: true, message: down },
      { name: 'kubernetes (context "b")', ok: false, required: true, message: 'forbidden' },
    ]), [
      `FAIL prometheus (context "a"), kubernetes (context "a"): ${down}`,
      'ok   prometheus (context "b"): Prometheus 2.53.0',
      'ok   cAdvisor (context "b"): Prometheus 2.53.0',
      `warn app metrics (context "b"): ${down}`,
      'FAIL kubernetes (context "b"): forbidden',
    ]);
  });
});
