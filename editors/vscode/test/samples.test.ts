import assert from 'node:assert/strict';
import { test } from 'node:test';

import { labelsOf, ruleChoices } from '../src/samples';

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

test('listSamples answers: an object, a bare array, or nonsense', () => {
  assert.deepEqual(labelsOf({ labels: ['Pod a', 'Pod b'], current: 'Pod b' }), { labels: ['Pod a', 'Pod b'], current: 'Pod b' });
  assert.deepEqual(labelsOf({ labels: ['Pod a'], current: null }), { labels: ['Pod a'], current: null });
  assert.deepEqual(labelsOf(['Pod a']), { labels: ['Pod a'], current: null });
  assert.equal(labelsOf({ labels: [1] }), undefined);
  assert.equal(labelsOf(null), undefined);
  assert.equal(labelsOf('Pod a'), undefined);
});
