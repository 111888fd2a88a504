// Activation outside VS Code, over the do-nothing `vscode` module: the commands it registers
// and what the user sees when no server can be found.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

import { activate } from '../src/extension';
import { notFoundMessage } from '../src/serverPath';
import { registerYamlSchemas } from '../src/yamlSchemas';

const here = path.resolve(__dirname, '..');
// `require`: the fake's handle is not among the properties `import *` copies.
const overrides = (require('vscode') as { __overrides: Record<string, unknown> }).__overrides;

const registered: string[] = [];
const handlers: Record<string, () => Promise<void>> = {};
const executed: unknown[][] = [];
const errors: { message: string; buttons: string[] }[] = [];
const channels: { name: string; options: unknown; lines: string[] }[] = [];
let answer: string | undefined;
let settings: Record<string, unknown> = {};

const disposable = { dispose() {} };
Object.assign(overrides, {
  'commands.registerCommand': (id: string, handler: () => Promise<void>) => {
    registered.push(id);
    handlers[id] = handler;
    return disposable;
  },
  'commands.executeCommand': async (...args: unknown[]) => {
    executed.push(args);
  },
  'window.createOutputChannel': (name: string, options?: unknown) => {
    const channel = { name, options, lines: [] as string[] };
    channels.push(channel);
    return {
      appendLine: (l: string) => channel.lines.push(l),
      append: () => undefined,
      clear: () => undefined,
      show: () => undefined,
      dispose: () => undefined,
    };
  },
  'window.showErrorMessage': async (message: string, ...buttons: string[]) => {
    errors.push({ message, buttons });
    return answer;
  },
  'workspace.getConfiguration': () => ({ get: (key: string) => settings[key] }),
  'workspace.onDidChangeConfiguration': () => disposable,
  'workspace.workspaceFolders': [{ uri: { scheme: 'file', fsPath: '/src/p' }, name: 'p', index: 0 }],
  'extensions.getExtension': () => undefined,
  'extensions.onDidChange': () => disposable,
  'Uri.joinPath': (base: { path: string }, ...parts: string[]) => {
    const uri = {
      path: [base.path, ...parts].join('/'),
      fragment: '',
      with(change: object) {
        return { ...this, ...change };
      },
    };
    return uri;
  },
});

const EXT = '/nonexistent/kyverno-ls-extension';
function context() {
  return { subscriptions: [] as unknown[], extensionPath: EXT, extensionUri: { path: EXT } } as never;
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !cond(); waited += 10) {
    if (waited > 10_000) {
      throw new Error(`still waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('activation without a server: the three places, Open Settings, Install instructions', async () => {
  process.env.PATH = '/nonexistent/bin';
  answer = 'Open Settings';
  await activate(context());

  const manifest = JSON.parse(fs.readFileSync(path.join(here, 'package.json'), 'utf8'));
  const declared = (manifest.contributes.commands as { command: string }[]).map((c) => c.command);
  assert.deepEqual(registered, [
    'kyverno.client.restartServer',
    'kyverno.client.runTests',
    'kyverno.client.pickSample',
    'kyverno.client.showRuleResults',
    'kyverno.client.showOutput',
    'kyverno.client.showRendered',
  ]);
  // Every palette command is declared, and none takes a server command's id (the language
  // client registers those for the code lenses).
  assert.deepEqual([...declared].sort(), [...registered].sort());
  assert.deepEqual(manifest.activationEvents, ['onLanguage:yaml']);

  const message = notFoundMessage(`${EXT}/server/kyverno-ls`);
  assert.deepEqual(errors, [{ message, buttons: ['Open Settings', 'Install instructions'] }]);
  assert.deepEqual(
    channels.map((c) => [c.name, c.options, c.lines]),
    [
      ['Kyverno Language Server', { log: true }, [message]],
      ['Kyverno Reports', undefined, []],
    ],
  );
  await until(() => executed.length > 0, 'Open Settings');
  assert.deepEqual(executed, [['workbench.action.openSettings', 'kyverno.server.path']]);

  // Restarting with a setting that points nowhere says so, and opens the README when asked.
  settings = { 'server.path': '${workspaceFolder}/bin/kyverno-ls' };
  answer = 'Install instructions';
  executed.length = 0;
  errors.length = 0;
  await handlers['kyverno.client.restartServer']();
  assert.deepEqual(errors, [
    {
      message:
        'The setting kyverno.server.path points to /src/p/bin/kyverno-ls, but there is no executable file there. Fix the path, or clear the setting to use the bundled binary or kyverno-ls on PATH.',
      buttons: ['Open Settings', 'Install instructions'],
    },
  ]);
  await until(() => executed.length > 0, 'Install instructions');
  assert.equal(executed.length, 1);
  const [command, readme] = executed[0] as [string, { path: string; fragment: string }];
  assert.deepEqual([command, readme.path, readme.fragment], ['markdown.showPreview', `${EXT}/README.md`, 'installing-the-server']);
  // The fragment is a heading of the README.
  assert.match(fs.readFileSync(path.join(here, 'README.md'), 'utf8'), /^## Installing the server$/m);
});

test('with the YAML extension: our schema only when kyverno.diagnostics.schema is off', async () => {
  let contributor: { name: string; request: (r: string) => string | undefined; content: (u: string) => string | undefined } | undefined;
  const yamlApi = {
    registerContributor(name: string, request: (r: string) => string | undefined, content: (u: string) => string | undefined) {
      contributor = { name, request, content };
      return true;
    },
  };
  overrides['extensions.getExtension'] = (id: string) =>
    id === 'redhat.vscode-yaml' ? { isActive: true, exports: yamlApi } : undefined;
  const policyText = fs.readFileSync(path.resolve(here, '..', '..', 'examples', 'drop-all-capabilities.yaml'), 'utf8');
  const doc = (uri: string, text: string) => ({ uri: { toString: () => uri }, getText: () => text });
  overrides['workspace.textDocuments'] = [doc('file:///p/policy.yaml', policyText), doc('file:///p/pod.yaml', 'apiVersion: v1\nkind: Pod\n')];
  let schemaDiagnostics = true;
  overrides['workspace.getConfiguration'] = () => ({
    get: (key: string, fallback: unknown) => (key === 'diagnostics.schema' ? schemaDiagnostics : fallback),
  });

  // The extension directory holds schemas/ once built (npm test builds first).
  registerYamlSchemas({ subscriptions: [], extensionPath: here } as never);
  await until(() => contributor !== undefined, 'registerContributor');
  const c = contributor!;
  assert.equal(c.name, 'kyverno-ls');
  assert.equal(c.request('file:///p/policy.yaml'), undefined);
  schemaDiagnostics = false;
  assert.equal(c.request('file:///p/policy.yaml'), 'kyverno-ls://schemas/clusterpolicy-v1.json');
  assert.equal(c.request('file:///p/pod.yaml'), undefined);
  assert.equal(c.request('file:///p/not-open.yaml'), undefined);
  assert.equal(
    c.content('kyverno-ls://schemas/clusterpolicy-v1.json'),
    fs.readFileSync(path.resolve(here, '..', '..', 'schemas', 'clusterpolicy-v1.json'), 'utf8'),
  );
  assert.equal(c.content('kyverno-ls://schemas/../package.json'), undefined);
});
