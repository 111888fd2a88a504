// The extension's protocol stack (vscode-jsonrpc and vscode-languageserver-protocol, the
// versions vscode-languageclient 11 uses) against the real kyverno-ls binary, with the
// capabilities and initializationOptions the extension sends. Values are the server's exact
// answers for the tutorial policy.
//
// The binary: $KYVERNO_LS, else ../../target/release/kyverno-ls (after `cargo build --release`).

import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';

import { createMessageConnection, MessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import {
  CodeLensRequest,
  ConfigurationRequest,
  DidChangeConfigurationNotification,
  DidOpenTextDocumentNotification,
  ExecuteCommandRequest,
  ExitNotification,
  HoverRequest,
  InlayHintRequest,
  InitializedNotification,
  InitializeRequest,
  PublishDiagnosticsNotification,
  PublishDiagnosticsParams,
  RegistrationRequest,
  ShowMessageNotification,
  ShowMessageParams,
  ShowMessageRequest,
  ShowMessageRequestParams,
  ShutdownRequest,
} from 'vscode-languageserver-protocol';

import { initializationOptions, objectReader } from '../src/settings';
import { extensionCapabilities } from './support/capabilities';

const here = path.resolve(__dirname, '..');
const repo = path.resolve(here, '..', '..');
const binary = process.env.KYVERNO_LS || path.join(repo, 'target', 'release', 'kyverno-ls');
const policyPath = path.join(repo, 'examples', 'drop-all-capabilities.yaml');
const uri = pathToFileURL(policyPath).toString();
const rootUri = pathToFileURL(repo).toString();

/** The `kyverno` section as VS Code would give it, from the defaults package.json declares. */
function defaultSection(): Record<string, unknown> {
  const manifest = JSON.parse(fs.readFileSync(path.join(here, 'package.json'), 'utf8'));
  const props = manifest.contributes.configuration.properties as Record<string, { default: unknown }>;
  const section: Record<string, unknown> = {};
  for (const [key, prop] of Object.entries(props)) {
    const parts = key.split('.').slice(1);
    let cur = section;
    for (const p of parts.slice(0, -1)) {
      cur = (cur[p] ??= {}) as Record<string, unknown>;
    }
    cur[parts[parts.length - 1]] = prop.default;
  }
  return section;
}

/** Waits for the n-th (1-based) message of a list, with a hang guard. */
async function nth<T>(list: T[], n: number, what: string): Promise<T> {
  for (let waited = 0; list.length < n; waited += 20) {
    if (waited > 30_000) {
      throw new Error(`no ${what} #${n} after 30 s; got ${JSON.stringify(list)}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return list[n - 1];
}

const FAILED_PART = {
  location: { uri, range: { start: { line: 35, character: 12 }, end: { line: 35, character: 16 } } },
  message: 'the part of the rule that failed',
};
const RULE_NAME = { start: { line: 20, character: 12 }, end: { line: 20, character: 28 } };

const RESULTS =
  'require-drop-all (built-in samples):\n' +
  '  ✗ fail Pod hello-world: Containers must drop `ALL` capabilities.\n' +
  '  ✓ pass Pod hardened: rule passed\n' +
  '  ✗ fail Pod privileged: Containers must drop `ALL` capabilities.\n' +
  '  ✓ pass Deployment hardened: rule passed\n' +
  '  ✓ pass CronJob hardened: rule passed\n';

test('the capabilities are vscode-languageclient 11\'s own', () => {
  const caps = extensionCapabilities();
  assert.deepEqual(caps.general?.positionEncodings, ['utf-16']);
  assert.deepEqual(caps.textDocument?.hover, { dynamicRegistration: true, contentFormat: ['markdown', 'plaintext'] });
  assert.deepEqual(caps.textDocument?.codeLens, { dynamicRegistration: true, resolveSupport: { properties: ['command'] } });
  assert.equal(caps.textDocument?.inlayHint?.dynamicRegistration, true);
  assert.equal(caps.workspace?.configuration, true);
  assert.deepEqual(caps.workspace?.didChangeConfiguration, { dynamicRegistration: true });
  assert.deepEqual(caps.workspace?.executeCommand, { dynamicRegistration: true });
  assert.deepEqual(caps.window?.showMessage, { messageActionItem: { additionalPropertiesSupport: true } });
});

test('the extension protocol against kyverno-ls: the tutorial policy', { timeout: 120_000 }, async () => {
  assert.ok(
    fs.existsSync(binary),
    `no kyverno-ls at ${binary}: run \`cargo build --release\` in ${repo} or set KYVERNO_LS`,
  );
  let section = defaultSection();
  const proc: ChildProcess = spawn(binary, ['serve'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const conn: MessageConnection = createMessageConnection(
    new StreamMessageReader(proc.stdout!),
    new StreamMessageWriter(proc.stdin!),
  );
  const diagnostics: PublishDiagnosticsParams[] = [];
  const shown: ShowMessageParams[] = [];
  const asked: ShowMessageRequestParams[] = [];
  const configurationPulls: unknown[] = [];
  let answer: string | null = null;
  conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
    if (p.uri === uri) {
      diagnostics.push(p);
    }
  });
  conn.onNotification(ShowMessageNotification.type, (p) => {
    shown.push(p);
  });
  conn.onRequest(ShowMessageRequest.type, (p) => {
    asked.push(p);
    return answer === null ? null : { title: answer };
  });
  // What vscode-languageclient answers: the section for each item.
  conn.onRequest(ConfigurationRequest.type, (p) => {
    configurationPulls.push(p);
    return p.items.map((i) => (i.section === 'kyverno' ? section : null));
  });
  conn.onRequest(RegistrationRequest.type, () => undefined);
  conn.listen();

  try {
    const init = await conn.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      clientInfo: { name: 'Visual Studio Code', version: '1.91.0' },
      rootUri,
      rootPath: repo,
      workspaceFolders: [{ uri: rootUri, name: path.basename(repo) }],
      capabilities: extensionCapabilities(),
      initializationOptions: initializationOptions(objectReader(section)),
      trace: 'off',
    });
    // The server's command ids are the ones the language client registers for the code
    // lenses; the extension's palette commands must not take them (test/extension.test.ts).
    assert.deepEqual(init, {
      capabilities: {
        positionEncoding: 'utf-16',
        textDocumentSync: { openClose: true, change: 2, save: true },
        hoverProvider: true,
        completionProvider: { triggerCharacters: ['.', '{'] },
        signatureHelpProvider: { triggerCharacters: ['(', ','] },
        definitionProvider: true,
        documentSymbolProvider: true,
        codeActionProvider: { codeActionKinds: ['quickfix', 'source.fixAll.kyverno-ls', 'refactor.rewrite'] },
        codeLensProvider: { resolveProvider: false },
        executeCommandProvider: {
          commands: [
            'kyverno.showRuleResults',
            'kyverno.pickSample',
            'kyverno.runTests',
            'kyverno.listSamples',
            'kyverno.showMutations',
            'kyverno.showGenerated',
            'kyverno.showRendered',
            'kyverno.migrate',
          ],
        },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
        inlayHintProvider: true,
      },
      serverInfo: { name: 'kyverno-ls', version: '0.1.0' },
    });
    await conn.sendNotification(InitializedNotification.type, {});

    await conn.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: 'yaml', version: 1, text: fs.readFileSync(policyPath, 'utf8') },
    });
    assert.deepEqual(await nth(diagnostics, 1, 'diagnostics'), {
      uri,
      version: 1,
      diagnostics: [
        {
          range: RULE_NAME,
          severity: 3,
          code: 'rule-fails',
          source: 'kyverno-ls',
          message: 'Pod hello-world would be reported (Audit): Containers must drop `ALL` capabilities.',
          relatedInformation: [FAILED_PART],
        },
        {
          range: RULE_NAME,
          severity: 3,
          code: 'rule-fails',
          source: 'kyverno-ls',
          message: 'Pod privileged would be reported (Audit): Containers must drop `ALL` capabilities.',
          relatedInformation: [FAILED_PART],
        },
      ],
    });

    // Inside `request.operation` of `"{{ request.operation || 'BACKGROUND' }}"` (line 29).
    const hover = (character: number) =>
      conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 28, character } });
    const valueHover = (sample: string) => ({
      contents: { kind: 'markdown', value: `**\`${sample}\`** (built-in sample)\n\n\`\`\`json\n"CREATE"\n\`\`\`` },
      range: { start: { line: 28, character: 21 }, end: { line: 28, character: 54 } },
    });
    assert.deepEqual(await hover(25), valueHover('Pod hello-world'));
    const inlayHints = () =>
      conn.sendRequest(InlayHintRequest.type, {
        textDocument: { uri },
        range: { start: { line: 0, character: 0 }, end: { line: 41, character: 0 } },
      });
    assert.deepEqual(await inlayHints(), [
      {
        position: { line: 28, character: 58 },
        label: '= "CREATE"',
        tooltip: 'Pod hello-world (built-in sample)',
        paddingLeft: true,
      },
      {
        position: { line: 40, character: 98 },
        label: '= []',
        tooltip: 'Pod hello-world (built-in sample)\n\nelement #0 (hello-world): []',
        paddingLeft: true,
      },
    ]);

    assert.deepEqual(await conn.sendRequest(CodeLensRequest.type, { textDocument: { uri } }), [
      {
        range: RULE_NAME,
        command: {
          title: '✓ 3 pass · ✗ 2 fail · ⊘ 0 skip (built-in samples)',
          command: 'kyverno.showRuleResults',
          arguments: [
            uri,
            {
              policy: 'drop-all-capabilities',
              rule: 'require-drop-all',
              results: [
                { sample: 'Pod hello-world', status: 'fail', message: 'Containers must drop `ALL` capabilities.' },
                { sample: 'Pod hardened', status: 'pass', message: 'rule passed' },
                { sample: 'Pod privileged', status: 'fail', message: 'Containers must drop `ALL` capabilities.' },
                { sample: 'Deployment hardened', status: 'pass', message: 'rule passed' },
                { sample: 'CronJob hardened', status: 'pass', message: 'rule passed' },
              ],
            },
          ],
        },
      },
    ]);

    // The lens's own command, as clicking it runs it, and the palette's form with a rule name.
    const lens = (await conn.sendRequest(CodeLensRequest.type, { textDocument: { uri } }))![0];
    assert.equal(
      await conn.sendRequest(ExecuteCommandRequest.type, {
        command: lens.command!.command,
        arguments: lens.command!.arguments,
      }),
      RESULTS,
    );
    assert.equal(
      await conn.sendRequest(ExecuteCommandRequest.type, {
        command: 'kyverno.showRuleResults',
        arguments: [uri, 'require-drop-all'],
      }),
      RESULTS,
    );
    assert.deepEqual(await nth(shown, 2, 'showMessage'), { type: 3, message: RESULTS });

    // The extension's sample picker: kyverno.listSamples, then kyverno.pickSample with a label.
    const listSamples = () =>
      conn.sendRequest(ExecuteCommandRequest.type, { command: 'kyverno.listSamples', arguments: [uri] });
    const samples = (current: string | undefined) =>
      ['Pod hello-world', 'Pod hardened', 'Pod privileged', 'Deployment hardened', 'CronJob hardened'].map((label) => ({
        label,
        description: 'built-in samples',
        current: label === current,
      }));
    assert.deepEqual(await listSamples(), samples(undefined));
    assert.equal(
      await conn.sendRequest(ExecuteCommandRequest.type, {
        command: 'kyverno.pickSample',
        arguments: [uri, 'Pod hardened'],
      }),
      'Pod hardened',
    );
    assert.deepEqual(await listSamples(), samples('Pod hardened'));

    // Without a label, kyverno.pickSample asks with window/showMessageRequest (the extension's
    // fallback for a server without listSamples answers it with a QuickPick).
    answer = 'Pod privileged';
    assert.equal(
      await conn.sendRequest(ExecuteCommandRequest.type, { command: 'kyverno.pickSample', arguments: [uri] }),
      'Pod privileged',
    );
    assert.deepEqual(asked, [
      {
        type: 3,
        message: 'Sample to evaluate expressions against',
        actions: [
          { title: 'Pod hello-world' },
          { title: 'Pod hardened' },
          { title: 'Pod privileged' },
          { title: 'Deployment hardened' },
          { title: 'CronJob hardened' },
        ],
      },
    ]);
    assert.deepEqual(await hover(25), valueHover('Pod privileged'));
    assert.deepEqual(await listSamples(), samples('Pod privileged'));
    assert.deepEqual(await inlayHints(), [
      {
        position: { line: 28, character: 58 },
        label: '= "CREATE"',
        tooltip: 'Pod privileged (built-in sample)',
        paddingLeft: true,
      },
      {
        position: { line: 40, character: 98 },
        label: '= []',
        tooltip: 'Pod privileged (built-in sample)\n\nelement #0 (app): []',
        paddingLeft: true,
      },
    ]);
    assert.equal(
      await conn.sendRequest(ExecuteCommandRequest.type, { command: 'kyverno.pickSample', arguments: [uri, null] }),
      null,
    );
    assert.deepEqual(await hover(25), valueHover('Pod hello-world'));
    assert.deepEqual(await listSamples(), samples(undefined));
    const afterPicks = diagnostics.length;

    // What vscode-languageclient sends when the user unticks kyverno.builtinSamples: the whole
    // section, server.path and trace included.
    section = { ...section, builtinSamples: false };
    await conn.sendNotification(DidChangeConfigurationNotification.type, { settings: { kyverno: section } });
    assert.deepEqual(await nth(diagnostics, afterPicks + 1, 'diagnostics'), { uri, version: 1, diagnostics: [] });
    assert.deepEqual(await conn.sendRequest(CodeLensRequest.type, { textDocument: { uri } }), [
      {
        range: RULE_NAME,
        command: {
          title: 'no sample matches (no samples)',
          command: 'kyverno.showRuleResults',
          arguments: [uri, { policy: 'drop-all-capabilities', rule: 'require-drop-all', results: [] }],
        },
      },
    ]);

    assert.equal(await conn.sendRequest(ShutdownRequest.type), null);
    await conn.sendNotification(ExitNotification.type);
    assert.equal(await exited, 0);
  } finally {
    conn.dispose();
    proc.kill();
  }
});

// Settings through the extension's own mapping: samples from a glob, schema diagnostics off and
// on again, a severity override. The workspace is a temporary folder. A policy with a schema
// problem is not simulated, so the schema toggle has a policy of its own.
const POLICY = `apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: require-team
spec:
  # Each rule sets its action in validate.failureAction.
  rules:
    - name: check-team
      match:
        any:
          - resources:
              kinds:
                - Pod
      validate:
        failureAction: Audit
        message: Pods need a team label.
        pattern:
          metadata:
            labels:
              team: "?*"
`;
const SAMPLES = `apiVersion: v1
kind: Pod
metadata:
  name: unlabelled
spec:
  containers:
    - name: app
      image: nginx
---
apiVersion: v1
kind: Pod
metadata:
  name: labelled
  labels:
    team: payments
spec:
  containers:
    - name: app
      image: nginx
`;

test('settings reach the server: samples globs, diagnostics.schema, diagnostics.severity', { timeout: 120_000 }, async () => {
  assert.ok(fs.existsSync(binary), `no kyverno-ls at ${binary}`);
  const ws = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'kyverno-ls-vscode-'));
  fs.mkdirSync(path.join(ws, 'samples'));
  fs.writeFileSync(path.join(ws, 'policy.yaml'), POLICY);
  const BROKEN = POLICY.replace('  rules:', '  backgrond: true\n  rules:');
  fs.writeFileSync(path.join(ws, 'broken.yaml'), BROKEN);
  fs.writeFileSync(path.join(ws, 'samples', 'pods.yaml'), SAMPLES);
  const wsUri = pathToFileURL(ws).toString();
  const policyUri = pathToFileURL(path.join(ws, 'policy.yaml')).toString();
  const brokenUri = pathToFileURL(path.join(ws, 'broken.yaml')).toString();
  let section: Record<string, unknown> = {
    ...defaultSection(),
    builtinSamples: false,
    samples: ['samples/*.yaml'],
    diagnostics: { schema: false, severity: { 'rule-fails': 'error' } },
  };
  const proc = spawn(binary, ['serve'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const conn = createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
  const diagnostics: PublishDiagnosticsParams[] = [];
  const broken: PublishDiagnosticsParams[] = [];
  conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
    if (p.uri === policyUri) {
      diagnostics.push(p);
    } else if (p.uri === brokenUri) {
      broken.push(p);
    }
  });
  conn.onRequest(ConfigurationRequest.type, (p) => p.items.map((i) => (i.section === 'kyverno' ? section : null)));
  conn.onRequest(RegistrationRequest.type, () => undefined);
  conn.listen();
  try {
    await conn.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: wsUri,
      workspaceFolders: [{ uri: wsUri, name: 'ws' }],
      capabilities: extensionCapabilities(),
      initializationOptions: initializationOptions(objectReader(section)),
    });
    await conn.sendNotification(InitializedNotification.type, {});
    await conn.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri: policyUri, languageId: 'yaml', version: 1, text: POLICY },
    });
    await conn.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri: brokenUri, languageId: 'yaml', version: 1, text: BROKEN },
    });
    // The unlabelled Pod of samples/pods.yaml fails; `rule-fails` is an error, as set, although
    // a verdict on a sample is information by default.
    const ruleFails = (severity: number) => ({
      range: { start: { line: 7, character: 12 }, end: { line: 7, character: 22 } },
      severity,
      code: 'rule-fails',
      source: 'kyverno-ls',
      message: 'Pod unlabelled would be reported (Audit): Pods need a team label.',
      relatedInformation: [
        {
          location: {
            uri: pathToFileURL(path.join(ws, 'samples', 'pods.yaml')).toString(),
            range: { start: { line: 2, character: 0 }, end: { line: 2, character: 8 } },
          },
          message: 'Pod unlabelled: /metadata/labels/ is missing here',
        },
        {
          location: { uri: policyUri, range: { start: { line: 18, character: 12 }, end: { line: 18, character: 18 } } },
          message: 'the part of the rule that failed',
        },
      ],
    });
    assert.deepEqual(await nth(diagnostics, 1, 'diagnostics'), { uri: policyUri, version: 1, diagnostics: [ruleFails(1)] });
    // Schema diagnostics off: the misspelt field is left to the YAML extension.
    assert.deepEqual(await nth(broken, 1, 'diagnostics'), { uri: brokenUri, version: 1, diagnostics: [] });

    section = { ...section, diagnostics: { schema: true, severity: {} } };
    await conn.sendNotification(DidChangeConfigurationNotification.type, { settings: { kyverno: section } });
    // Without the override a verdict on a sample is information.
    assert.deepEqual(await nth(diagnostics, 2, 'diagnostics'), { uri: policyUri, version: 1, diagnostics: [ruleFails(3)] });
    assert.deepEqual(await nth(broken, 2, 'diagnostics'), {
      uri: brokenUri,
      version: 1,
      diagnostics: [
        {
          range: { start: { line: 6, character: 2 }, end: { line: 6, character: 11 } },
          severity: 1,
          code: 'unknown-field',
          source: 'kyverno-ls',
          message: 'Unknown field `backgrond` in spec. Did you mean `background`?',
        },
      ],
    });

    // No samples from the settings, no built-in ones: nothing to simulate against.
    section = { ...section, samples: [] };
    await conn.sendNotification(DidChangeConfigurationNotification.type, { settings: { kyverno: section } });
    assert.deepEqual(await nth(diagnostics, 3, 'diagnostics'), { uri: policyUri, version: 1, diagnostics: [] });

    assert.equal(await conn.sendRequest(ShutdownRequest.type), null);
    await conn.sendNotification(ExitNotification.type);
    assert.equal(await exited, 0);
  } finally {
    conn.dispose();
    proc.kill();
    fs.rmSync(ws, { recursive: true, force: true });
  }
});
