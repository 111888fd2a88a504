import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ruleChoices, sampleChoices } from '../src/samples';

const uri = 'file:///p/policy.yaml';

test('one choice per rule lens, with the lens arguments; All rules when several', () => {
  const lens = (rule: string, title: string) => ({
    command: { title, command: 'kyverno.showRuleResults', arguments: [uri, { policy: 'p', rule, results: [] }] },
  });
  assert.deepEqual(ruleChoices(uri, [lens('a', '✓ 1 pass')]), [
    { label: 'a', description: 'p', detail: '✓ 1 pass', args: [uri, { policy: 'p', rule: 'a', results: [] }] },
  ]);
  assert.deepEqual(
    ruleChoices(uri, [
      lens('a', 'A'),
      { command: { title: 'run', command: 'kyverno.runTests', arguments: [uri] } },
      {},
      { command: { title: 'B', command: 'kyverno.showRuleResults', arguments: [uri, 'b'] } },
    ]),
    [
      { label: 'All rules', args: [uri] },
      { label: 'a', description: 'p', detail: 'A', args: [uri, { policy: 'p', rule: 'a', results: [] }] },
      { label: 'b', description: undefined, detail: 'B', args: [uri, 'b'] },
    ],
  );
  assert.deepEqual(ruleChoices(uri, []), []);
});

test('listSamples answers: the default first, the current sample marked', () => {
  assert.deepEqual(
    sampleChoices([
      { label: 'Pod hello-world', description: 'built-in samples', current: false },
      { label: 'Pod privileged', description: 'built-in samples', current: true },
    ]),
    [
      { label: 'Default sample', detail: 'for each expression, the first sample its rule applies to', value: null },
      { label: 'Pod hello-world', description: 'built-in samples', value: 'Pod hello-world' },
      { label: 'Pod privileged', description: 'built-in samples · current', value: 'Pod privileged' },
    ],
  );
  // Nothing picked: the default is current. Odd entries are skipped.
  assert.deepEqual(sampleChoices([{ label: 'Pod a', current: false }, { label: 3 }, null, 'Pod b']), [
    {
      label: 'Default sample',
      description: 'current',
      detail: 'for each expression, the first sample its rule applies to',
      value: null,
    },
    { label: 'Pod a', description: undefined, value: 'Pod a' },
  ]);
  assert.deepEqual(sampleChoices([]), []);
  assert.equal(sampleChoices({ labels: ['Pod a'] }), undefined);
  assert.equal(sampleChoices(null), undefined);
});
