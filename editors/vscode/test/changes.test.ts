import assert from 'node:assert/strict';
import { test } from 'node:test';

import { diffTitle, generated, generatedDocument, mutations, renderedDocument } from '../src/changes';

test('mutations keep the well-formed entries of the answer', () => {
  const m = { rule: 'add-team', sample: 'Pod bare', original: 'a: 1\n', mutated: 'a: 2\n' };
  assert.deepEqual(mutations([m, { rule: 'x' }, null, 3]), [m]);
  assert.deepEqual(mutations(null), []);
  assert.equal(diffTitle(m), 'Pod bare: before ↔ after add-team');
});

test('generated resources become one YAML stream with a comment per sample', () => {
  const list = generated([
    { rule: 'quota', sample: 'Namespace dev', resources: 'kind: ConfigMap\n' },
    { rule: 'quota', sample: 'Namespace prod', resources: 'kind: ConfigMap\n---\nkind: Secret\n' },
    { rule: 'quota' },
  ]);
  assert.equal(list.length, 2);
  assert.equal(
    generatedDocument(list),
    '# Created by rule quota for Namespace dev\nkind: ConfigMap\n---\n' +
      '# Created by rule quota for Namespace prod\nkind: ConfigMap\n---\nkind: Secret\n',
  );
});

test('a Helm render becomes one YAML document naming its template', () => {
  assert.equal(
    renderedDocument({ chart: '/ws/pols', template: 'templates/policy.yaml', rendered: '---\nkind: ClusterPolicy\n' }),
    '# Rendered by Helm from templates/policy.yaml of /ws/pols\n---\nkind: ClusterPolicy\n',
  );
  assert.equal(renderedDocument({ chart: '/ws/pols', rendered: 'x' }), undefined);
  assert.equal(renderedDocument('not a render'), undefined);
});

test('a kustomize build becomes one YAML document naming its kustomization', () => {
  assert.equal(
    renderedDocument({ kustomization: '/ws/prod', rendered: 'kind: ClusterPolicy\n' }),
    '# Built by kustomize from /ws/prod\nkind: ClusterPolicy\n',
  );
  assert.equal(renderedDocument({ kustomization: '/ws/prod' }), undefined);
});
