import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

import { fileSchema, SCHEMA_FILES, schemaFileOf, schemaToContribute } from '../src/schemas';

const repo = path.resolve(__dirname, '..', '..', '..');

const policy = (kind: string, version: string) => `apiVersion: kyverno.io/${version}
kind: ${kind}
metadata:
  name: p
spec:
  rules: []
`;

test('only when schema diagnostics are off, and only for policies', () => {
  const text = policy('ClusterPolicy', 'v1');
  assert.equal(schemaToContribute(text, true), undefined);
  assert.equal(schemaToContribute(text, false), 'kyverno-ls://schemas/clusterpolicy-v1.json');
  assert.equal(schemaToContribute('apiVersion: v1\nkind: Pod\n', false), undefined);
  assert.equal(schemaToContribute('', false), undefined);
});

test('each kind and version has its schema; others have none', () => {
  assert.equal(fileSchema(policy('ClusterPolicy', 'v1')), 'clusterpolicy-v1.json');
  assert.equal(fileSchema(policy('ClusterPolicy', 'v2beta1')), 'clusterpolicy-v2beta1.json');
  assert.equal(fileSchema(policy('Policy', 'v1')), 'policy-v1.json');
  assert.equal(fileSchema(policy('Policy', 'v2beta1')), 'policy-v2beta1.json');
  assert.equal(fileSchema(policy('ClusterPolicy', 'v2')), undefined);
  assert.equal(fileSchema(policy('PolicyException', 'v1')), undefined);
  assert.equal(fileSchema(policy('ClusterPolicy', 'v1').replace('kyverno.io', 'policies.kyverno.io')), undefined);
  // Not a prototype property either.
  assert.equal(fileSchema('apiVersion: kyverno.io/v1\nkind: constructor\n'), undefined);
});

const celPolicy = (kind: string, version: string) => `apiVersion: policies.kyverno.io/${version}
kind: ${kind}
metadata:
  name: p
spec:
  validationActions: [Deny]
`;

test('the CEL policy kinds have their schemas in the versions Kyverno serves', () => {
  assert.equal(fileSchema(celPolicy('ValidatingPolicy', 'v1')), 'validatingpolicy-v1.json');
  assert.equal(fileSchema(celPolicy('ValidatingPolicy', 'v1beta1')), 'validatingpolicy-v1beta1.json');
  assert.equal(fileSchema(celPolicy('ValidatingPolicy', 'v1alpha1')), 'validatingpolicy-v1alpha1.json');
  assert.equal(fileSchema(celPolicy('NamespacedValidatingPolicy', 'v1')), 'namespacedvalidatingpolicy-v1.json');
  assert.equal(
    fileSchema(celPolicy('NamespacedValidatingPolicy', 'v1beta1')),
    'namespacedvalidatingpolicy-v1beta1.json',
  );
  // The namespaced kinds were never served as v1alpha1, and the group matters.
  assert.equal(fileSchema(celPolicy('NamespacedValidatingPolicy', 'v1alpha1')), undefined);
  assert.equal(fileSchema(celPolicy('ValidatingPolicy', 'v1').replace('policies.kyverno.io', 'kyverno.io')), undefined);
  assert.equal(
    schemaToContribute(celPolicy('ValidatingPolicy', 'v1'), false),
    'kyverno-ls://schemas/validatingpolicy-v1.json',
  );
});

test('each group has its PolicyException schema', () => {
  const exception = (apiVersion: string) => `apiVersion: ${apiVersion}\nkind: PolicyException\nspec: {}\n`;
  assert.equal(fileSchema(exception('policies.kyverno.io/v1')), 'policyexception-v1.json');
  assert.equal(fileSchema(exception('policies.kyverno.io/v1beta1')), 'policyexception-v1beta1.json');
  assert.equal(fileSchema(exception('policies.kyverno.io/v1alpha1')), 'policyexception-v1alpha1.json');
  assert.equal(fileSchema(exception('kyverno.io/v2')), 'policyexception-v2.json');
  assert.equal(fileSchema(exception('kyverno.io/v2beta1')), 'policyexception-v2beta1.json');
  assert.equal(fileSchema(exception('kyverno.io/v1')), undefined);
});

test('quotes, comments, key order and CRLF', () => {
  const text = '# a policy\r\nkind: "Policy"   # namespaced\r\napiVersion: \'kyverno.io/v1\'\r\nmetadata: {name: p}\r\n';
  assert.equal(fileSchema(text), 'policy-v1.json');
  // Nested keys with the same names do not count.
  assert.equal(fileSchema('metadata:\n  kind: ClusterPolicy\n  apiVersion: kyverno.io/v1\n'), undefined);
});

test('every document of the file must be a policy of the same kind and version', () => {
  const two = `---\n${policy('ClusterPolicy', 'v1')}---   # second\n${policy('ClusterPolicy', 'v1')}...\n# trailing comment\n`;
  assert.equal(fileSchema(two), 'clusterpolicy-v1.json');
  // A sample Pod next to the policy would be judged by the policy's schema: no schema.
  assert.equal(fileSchema(`${policy('ClusterPolicy', 'v1')}---\napiVersion: v1\nkind: Pod\n`), undefined);
  assert.equal(fileSchema(`${policy('ClusterPolicy', 'v1')}---\n${policy('Policy', 'v1')}`), undefined);
  // A `---` inside a block scalar is not at column 0 and splits nothing.
  assert.equal(fileSchema(`${policy('ClusterPolicy', 'v1')}  description: |\n    ---\n`), 'clusterpolicy-v1.json');
});

test('the repository examples', () => {
  const read = (f: string) => fs.readFileSync(path.join(repo, 'examples', f), 'utf8');
  assert.equal(fileSchema(read('drop-all-capabilities.yaml')), 'clusterpolicy-v1.json');
});

test('every schema the repository ships is offered for its kind and version', () => {
  // The configuration file's schema is for `.kyverno-ls.yaml`, not for a policy kind: the
  // server checks that file itself (`config-error`).
  const shipped = fs
    .readdirSync(path.join(repo, 'schemas'))
    .filter((f) => f.endsWith('.json') && f !== 'kyverno-ls-config.json')
    .sort();
  assert.deepEqual([...Object.values(SCHEMA_FILES)].sort(), shipped);
  assert.equal(fileSchema(celPolicy('MutatingPolicy', 'v1alpha1')), 'mutatingpolicy-v1alpha1.json');
  assert.equal(fileSchema(celPolicy('NamespacedGeneratingPolicy', 'v1')), 'namespacedgeneratingpolicy-v1.json');
  assert.equal(fileSchema(celPolicy('DeletingPolicy', 'v1beta1')), 'deletingpolicy-v1beta1.json');
  assert.equal(fileSchema(celPolicy('NamespacedDeletingPolicy', 'v1alpha1')), undefined);
});

test('schema URIs map back to the shipped files only', () => {
  for (const file of Object.values(SCHEMA_FILES)) {
    assert.equal(schemaFileOf(`kyverno-ls://schemas/${file}`), file);
    assert.ok(fs.existsSync(path.join(repo, 'schemas', file)), `${file} is in /schemas`);
  }
  assert.equal(schemaFileOf('kyverno-ls://schemas/../package.json'), undefined);
  assert.equal(schemaFileOf('https://example.com/clusterpolicy-v1.json'), undefined);
});
