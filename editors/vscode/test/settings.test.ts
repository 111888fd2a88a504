import assert from 'node:assert/strict';
import { test } from 'node:test';

import { initializationOptions, objectReader } from '../src/settings';

test('defaults when nothing is set', () => {
  assert.deepEqual(initializationOptions(() => undefined), {
    kyverno: {
      builtinSamples: true,
      samples: [],
      diagnostics: { schema: true, severity: {}, ignore: [] },
      helm: { path: '', values: [] },
      kustomize: { path: '' },
    },
  });
});

test('the section as VS Code nests it (dotted keys become objects)', () => {
  const section = {
    server: { path: '~/bin/kyverno-ls' },
    builtinSamples: false,
    samples: ['samples/**/*.yaml', 'more/*.yml'],
    diagnostics: {
      schema: false,
      severity: { 'rule-fails': 'error', 'rule-error': 'off' },
      ignore: ['vendor/**', 4, ''],
    },
    helm: { path: ' /opt/helm/bin/helm ', values: ['ci/strict.yaml', 2, ' '] },
    kustomize: { path: ' /usr/bin/kubectl ' },
    trace: { server: 'verbose' },
  };
  // Only what the server reads goes out; server.path and trace stay on the client.
  assert.deepEqual(initializationOptions(objectReader(section)), {
    kyverno: {
      builtinSamples: false,
      samples: ['samples/**/*.yaml', 'more/*.yml'],
      diagnostics: { schema: false, severity: { 'rule-fails': 'error', 'rule-error': 'off' }, ignore: ['vendor/**'] },
      helm: { path: '/opt/helm/bin/helm', values: ['ci/strict.yaml'] },
      kustomize: { path: '/usr/bin/kubectl' },
    },
  });
});

test('wrong types fall back to the defaults; unknown severities are dropped', () => {
  const section = {
    builtinSamples: 'no',
    samples: ['ok/*.yaml', 3, '', null],
    diagnostics: { schema: 0, severity: { 'rule-fails': 'fatal', 'unknown-field': 'hint', x: 1 } },
  };
  assert.deepEqual(initializationOptions(objectReader(section)), {
    kyverno: {
      builtinSamples: true,
      samples: ['ok/*.yaml'],
      diagnostics: { schema: true, severity: { 'unknown-field': 'hint' }, ignore: [] },
      helm: { path: '', values: [] },
      kustomize: { path: '' },
    },
  });
  assert.deepEqual(initializationOptions(objectReader({ samples: 'a/*.yaml', diagnostics: { severity: ['error'] } })), {
    kyverno: {
      builtinSamples: true,
      samples: [],
      diagnostics: { schema: true, severity: {}, ignore: [] },
      helm: { path: '', values: [] },
      kustomize: { path: '' },
    },
  });
});
