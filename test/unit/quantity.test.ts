import { strict as assert } from 'node:assert';
import {
  QuantityError, applyQuantityPolicy, formatCpu, formatMemory, parseQuantity, roundUpTo, DEFAULT_CPU_POLICY, DEFAULT_MEMORY_POLICY,
} from '../../src/core/quantity';
import { Rng } from '../../src/core/random';

describe('quantity', () => {
  it('parses every valid form into base units', () => {
    const cases: Array<[string | number, number]> = [
      ['500m', 0.5], ['0.5', 0.5], ['1', 1], [1, 1], ['128Mi', 128 * 1024 * 1024], ['1G', 1e9], ['1e3', 1000],
      ['"250m"', 0.25], ["'2Gi'", 2 * 1024 ** 3], ['1.5', 1.5], ['.5', 0.5], ['2.', 2], ['100k', 1e5], ['1Ki', 1024],
      ['10E-1', 1], ['+3', 3], ['-1', -1], ['100n', 1e-7], ['5u', 5e-6], ['1Ti', 1024 ** 4], ['1M', 1e6], ['99m', 0.099],
      [' 64Mi ', 64 * 2 ** 20], ['1E', 1e18], ['1Ei', 2 ** 60],
    ];
    for (const [raw, want] of cases) {
      const got = parseQuantity(raw);
      assert.ok(Math.abs(got - want) <= Math.abs(want) * 1e-12, `${String(raw)} → ${got}, want ${want}`);
    }
  });

  it('rejects invalid forms with a message that names the text', () => {
    for (const bad of ['', 'abc', '1.2.3', '12 Mi', '1mi', '1KB', '1e', 'e3', '--1', '1Mi5', 'NaN', '0x10']) {
      assert.throws(() => parseQuantity(bad, 'cpu request'), (e: unknown) =>
        e instanceof QuantityError && e.message.includes(`"${bad}"`) && e.message.startsWith('cpu request'), bad);
    }
    assert.throws(() => parseQuantity(Infinity), QuantityError);
  });

  it('prints CPU as whole cores or millicores and memory in exact binary units', () => {
    assert.equal(formatCpu(2), '2');
    assert.equal(formatCpu(0.25), '250m');
    assert.equal(formatCpu(1.5), '1500m');
    assert.equal(formatCpu(0.0001), '1m'); // rounded up like the API server
    // Below half a micro-core too: a positive amount never prints as 0.
    for (const tiny of [4e-7, 1e-9, Number.MIN_VALUE]) assert.equal(formatCpu(tiny), '1m', String(tiny));
    assert.equal(formatCpu(0), '0');
    assert.equal(formatMemory(128 * 2 ** 20), '128Mi');
    assert.equal(formatMemory(2 ** 30), '1Gi');
    assert.equal(formatMemory(1536 * 2 ** 20), '1536Mi');
    assert.equal(formatMemory(1000), '1000');
  });

  it('round-trips parse(format(x)) for random CPU millis and memory MiB', () => {
    const rng = new Rng(7);
    for (let i = 0; i < 500; i++) {
      const milli = 1 + rng.int(64000);
      assert.equal(parseQuantity(formatCpu(milli / 1000)), milli / 1000);
      const mib = 1 + rng.int(65536);
      assert.equal(parseQuantity(formatMemory(mib * 2 ** 20)), mib * 2 ** 20);
    }
  });

  it('round-trips format(parse(s)) for manifest-style strings', () => {
    for (const s of ['250m', '2', '128Mi', '1Gi', '1500m', '3Ki']) assert.equal(s.endsWith('i') ? formatMemory(parseQuantity(s)) : formatCpu(parseQuantity(s)), s);
  });

  it('rounds up to steps and applies floors and caps', () => {
    assert.equal(roundUpTo(0.25, 0.005), 0.25);
    assert.equal(roundUpTo(0.2501, 0.005), 0.255);
    assert.equal(roundUpTo(100 * 2 ** 20 + 1, 2 ** 20), 101 * 2 ** 20);
    assert.equal(applyQuantityPolicy(0.001, DEFAULT_CPU_POLICY), 0.01);
    assert.equal(applyQuantityPolicy(10, DEFAULT_MEMORY_POLICY), 32 * 2 ** 20);
    assert.equal(applyQuantityPolicy(5.0001, { step: 0.005, min: 0, max: 4 }), 4);
  });
});
