// Set Prometheus Headers' input box (parseHeaderInput): several 'Name: value' entries separated by ';', so a value with
// a ';' of its own (a Cookie header 'a=1; b=2') is written with '\;'. Before, that value could not be entered at all:
// the ';' always cut it, and the rest failed as a header without a name.
import * as assert from 'node:assert/strict';
import { parseHeaderInput } from '../../src/views/prometheus-headers';

describe('Set Prometheus Headers input', () => {
  it("a ';' inside a value is written '\\;'", () => {
    assert.deepEqual(parseHeaderInput('Cookie: a=1\\; b=2'), { Cookie: 'a=1; b=2' });
    assert.deepEqual(parseHeaderInput('X-Scope-OrgID: team-a; Cookie: session=x\\;theme=dark\\; lang=en ; X-Extra: 1'),
      { 'X-Scope-OrgID': 'team-a', Cookie: 'session=x;theme=dark; lang=en', 'X-Extra': '1' });
  });

  it("'\\\\' is a backslash (also before a separating ';'); any other backslash is kept as typed", () => {
    assert.deepEqual(parseHeaderInput('X-A: ends\\\\; X-B: c:\\dir\\n'), { 'X-A': 'ends\\', 'X-B': 'c:\\dir\\n' });
  });

  it('inputs of the format before are read as before', () => {
    assert.deepEqual(parseHeaderInput('X-Scope-OrgID: team-a; X-Extra:  1 '), { 'X-Scope-OrgID': 'team-a', 'X-Extra': '1' });
    assert.deepEqual(parseHeaderInput('X-Scope-OrgID: team-a\nAuthorization: Bearer abc;;'), { 'X-Scope-OrgID': 'team-a', Authorization: 'Bearer abc' });
    assert.deepEqual(parseHeaderInput('  '), {});
  });

  it("a value cut at an unescaped ';' is refused with the way to write it, never echoing the value", () => {
    assert.throws(() => parseHeaderInput('Cookie: a=1; s3cr3t=2'), (e: Error) => e.message.includes("written '\\;'") && /entry 2/.test(e.message) && !e.message.includes('s3cr3t'));
    assert.throws(() => parseHeaderInput('X-Scope-OrgID team-s3cr3t'), (e: Error) => /expected 'Name: value'/.test(e.message) && !e.message.includes('s3cr3t'));
  });
});
