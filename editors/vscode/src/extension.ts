// The VS Code side of kyverno-ls: starts the server, passes settings on, and adds palette
// commands. Everything that can be decided without VS Code lives in the pure modules next to
// this one (serverPath, settings, schemas, samples) and is unit-tested there.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  CodeLens,
  CodeLensRequest,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  MessageActionItem,
  MessageType,
  ServerOptions,
  ShowMessageRequest,
  ShowMessageRequestParams,
  State,
  TransportKind,
} from 'vscode-languageclient/node';

import {
  diffTitle,
  generated,
  generatedDocument,
  mutations,
  renderedDocument,
  SHOW_GENERATED,
  SHOW_MUTATIONS,
  SHOW_RENDERED,
} from './changes';
import { PICK_PROMPT, ruleChoices, sampleChoices } from './samples';
import { bundledPath, isExecutableFile, resolveServer, SETTING } from './serverPath';
import { registerYamlSchemas } from './yamlSchemas';
import { initializationOptions, SECTION } from './settings';

const CLIENT_ID = 'kyverno';
const CLIENT_NAME = 'Kyverno Language Server';

// Server command ids. The language client registers these itself (from the server's
// executeCommandProvider), which is what makes code lenses work; our palette commands use
// other ids (`kyverno.client.*`) so that nothing is registered twice.
const SHOW_RULE_RESULTS = 'kyverno.showRuleResults';
const PICK_SAMPLE = 'kyverno.pickSample';
const RUN_TESTS = 'kyverno.runTests';
const LIST_SAMPLES = 'kyverno.listSamples';

// The documents of the mutation diffs, by path under the `kyverno-change` scheme.
const CHANGE_SCHEME = 'kyverno-change';
const changeDocuments = new Map<string, string>();
let changeCount = 0;

let client: LanguageClient | undefined;
let serverOutput: vscode.LogOutputChannel | undefined;
let reports: vscode.OutputChannel | undefined;
// Set while a sample pick started by us is in flight, so the server's question is asked with
// a QuickPick rather than a notification.
let pickingSample = 0;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  serverOutput = vscode.window.createOutputChannel(CLIENT_NAME, { log: true });
  reports = vscode.window.createOutputChannel('Kyverno Reports');
  context.subscriptions.push(serverOutput, reports);

  context.subscriptions.push(
    vscode.commands.registerCommand('kyverno.client.restartServer', () => restart(context)),
    vscode.commands.registerCommand('kyverno.client.runTests', () => runTests()),
    vscode.commands.registerCommand('kyverno.client.pickSample', () => pickSample()),
    vscode.commands.registerCommand('kyverno.client.showRuleResults', () => showRuleResults()),
    vscode.commands.registerCommand('kyverno.client.showOutput', () => serverOutput?.show(true)),
    vscode.commands.registerCommand('kyverno.client.showRendered', () => showRendered()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration(SETTING)) {
        void restart(context);
      }
    }),
  );

  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(CHANGE_SCHEME, {
      provideTextDocumentContent: (uri) => changeDocuments.get(uri.path) ?? '',
    }),
  );
  registerYamlSchemas(context);
  await start(context);
}

export async function deactivate(): Promise<void> {
  const c = client;
  client = undefined;
  if (c !== undefined) {
    await c.stop().catch(() => undefined);
  }
}

function firstFolder(): string | undefined {
  const f = vscode.workspace.workspaceFolders?.[0];
  return f !== undefined && f.uri.scheme === 'file' ? f.uri.fsPath : undefined;
}

function readSettings(key: string): unknown {
  return vscode.workspace.getConfiguration(SECTION).get(key);
}

/** Some ways of unpacking an extension lose the execute bit of the bundled binary; put it back. */
function repairBundled(extensionDir: string): void {
  const file = bundledPath(extensionDir, process.platform);
  if (process.platform !== 'win32' && fs.existsSync(file) && !isExecutableFile(file)) {
    try {
      fs.chmodSync(file, 0o755);
    } catch {
      // Resolution then moves on to PATH, and the message says where it looked.
    }
  }
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  repairBundled(context.extensionPath);
  const resolution = resolveServer(
    {
      setting: vscode.workspace.getConfiguration(SECTION).get<string>('server.path'),
      workspaceFolder: firstFolder(),
      extensionDir: context.extensionPath,
    },
    { platform: process.platform, home: os.homedir(), env: process.env, isExecutable: isExecutableFile },
  );
  if (!resolution.ok) {
    serverOutput?.appendLine(resolution.message);
    void notFound(context, resolution.message);
    return;
  }
  serverOutput?.appendLine(`Starting ${resolution.path} (from ${describe(resolution.source)}).`);

  // Node refuses to spawn a Windows .cmd or .bat (a wrapper script on PATH) without a shell,
  // and the shell needs the path quoted.
  const shell = process.platform === 'win32' && /\.(cmd|bat)$/i.test(resolution.path);
  const serverOptions: ServerOptions = {
    command: shell ? `"${resolution.path}"` : resolution.path,
    args: ['serve'],
    transport: TransportKind.stdio,
    options: shell ? { shell: true } : undefined,
  };
  const clientOptions: LanguageClientOptions = {
    // Every YAML document: the server itself decides which ones are policies, test manifests
    // or samples, and answers nothing for the rest, so Red Hat's YAML extension keeps them.
    documentSelector: [
      { scheme: 'file', language: 'yaml' },
      { scheme: 'untitled', language: 'yaml' },
    ],
    synchronize: { configurationSection: SECTION },
    initializationOptions: () => initializationOptions(readSettings),
    outputChannel: serverOutput,
    middleware: {
      executeCommand: async (command, args, next) => {
        if (command === PICK_SAMPLE && args.length < 2 && typeof args[0] === 'string' && client !== undefined) {
          return pickSampleFor(client, args[0]);
        }
        const result = await next(command, args);
        if (command === SHOW_MUTATIONS) {
          await showMutations(result);
        } else if (command === SHOW_GENERATED) {
          await showGenerated(result);
        } else {
          showReport(command, result);
        }
        return result;
      },
    },
  };

  const c = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
  c.onRequest(ShowMessageRequest.type, (params) => answerMessageRequest(params));
  client = c;
  try {
    await c.start();
  } catch (e) {
    void vscode.window
      .showErrorMessage(
        `The Kyverno language server (${resolution.path}) did not start: ${String(e)}`,
        'Show Output',
      )
      .then((b) => (b === 'Show Output' ? serverOutput?.show(true) : undefined));
  }
}

function describe(source: 'setting' | 'bundled' | 'path'): string {
  switch (source) {
    case 'setting':
      return `the setting ${SETTING}`;
    case 'bundled':
      return 'the binary bundled with the extension';
    case 'path':
      return 'PATH';
  }
}

async function notFound(context: vscode.ExtensionContext, message: string): Promise<void> {
  const choice = await vscode.window.showErrorMessage(message, 'Open Settings', 'Install instructions');
  if (choice === 'Open Settings') {
    await vscode.commands.executeCommand('workbench.action.openSettings', SETTING);
  } else if (choice === 'Install instructions') {
    // vsce stores the README as readme.md; a development checkout has README.md.
    const name = ['readme.md', 'README.md'].find((f) => fs.existsSync(path.join(context.extensionPath, f))) ?? 'README.md';
    const readme = vscode.Uri.joinPath(context.extensionUri, name).with({
      fragment: 'installing-the-server',
    });
    await vscode.commands.executeCommand('markdown.showPreview', readme).then(undefined, () =>
      vscode.window.showTextDocument(readme.with({ fragment: '' })),
    );
  }
}

// Restarts run one after the other, so that two quick setting changes leave one server.
let restarting: Promise<void> = Promise.resolve();

function restart(context: vscode.ExtensionContext): Promise<void> {
  restarting = restarting.catch(() => undefined).then(() => restartNow(context));
  return restarting;
}

async function restartNow(context: vscode.ExtensionContext): Promise<void> {
  const old = client;
  client = undefined;
  if (old !== undefined) {
    // A server that never started cannot be stopped; dispose it anyway.
    await old.stop().catch(() => undefined);
    await old.dispose().catch(() => undefined);
  }
  serverOutput?.appendLine('Restarting the Kyverno language server.');
  await start(context);
}

function running(): LanguageClient | undefined {
  if (client === undefined || client.state !== State.Running) {
    void vscode.window
      .showErrorMessage('The Kyverno language server is not running.', 'Restart', 'Show Output')
      .then((b) => {
        if (b === 'Restart') {
          void vscode.commands.executeCommand('kyverno.client.restartServer');
        } else if (b === 'Show Output') {
          serverOutput?.show(true);
        }
      });
    return undefined;
  }
  return client;
}

/**
 * A mutate rule's lens: the mutated sample against the original, in a diff editor (a
 * QuickPick first when several samples changed).
 */
async function showMutations(result: unknown): Promise<void> {
  const list = mutations(result);
  if (list.length === 0) {
    void vscode.window.showInformationMessage('This rule mutates none of the samples.');
    return;
  }
  const picked =
    list.length === 1
      ? list[0]
      : (await vscode.window.showQuickPick(
          list.map((m) => ({ label: m.sample, description: m.rule, m })),
          { placeHolder: 'Sample to compare before and after the mutation' },
        ))?.m;
  if (picked === undefined) {
    return;
  }
  changeCount += 1;
  const base = `/${changeCount}/${picked.sample.replace(/[^A-Za-z0-9._-]+/g, '-')}`;
  changeDocuments.set(`${base}/original.yaml`, picked.original);
  changeDocuments.set(`${base}/mutated.yaml`, picked.mutated);
  const side = (name: string) => vscode.Uri.from({ scheme: CHANGE_SCHEME, path: `${base}/${name}.yaml` });
  await vscode.commands.executeCommand('vscode.diff', side('original'), side('mutated'), diffTitle(picked));
}

/** A generate rule's lens: the resources it would create, in a new YAML document. */
async function showGenerated(result: unknown): Promise<void> {
  const list = generated(result);
  if (list.length === 0) {
    void vscode.window.showInformationMessage('This rule creates nothing for the samples.');
    return;
  }
  const doc = await vscode.workspace.openTextDocument({ language: 'yaml', content: generatedDocument(list) });
  await vscode.window.showTextDocument(doc, { preview: true });
}

/** The server's text reports (rule results, test runs) go to an output channel as well. */
function showReport(command: string, result: unknown): void {
  if (typeof result !== 'string' || reports === undefined) {
    return;
  }
  if (command === SHOW_RULE_RESULTS || command === RUN_TESTS) {
    reports.clear();
    reports.append(result);
    reports.show(true);
  }
}

async function serverCommand(c: LanguageClient, command: string, args: unknown[]): Promise<unknown> {
  try {
    return await c.sendRequest(ExecuteCommandRequest.type, { command, arguments: args });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    void vscode.window.showErrorMessage(`Kyverno: ${message}`);
    return undefined;
  }
}

function yamlEditor(): vscode.TextEditor | undefined {
  const editor = vscode.window.activeTextEditor;
  if (editor === undefined || editor.document.languageId !== 'yaml') {
    void vscode.window.showInformationMessage('Open a Kyverno policy (a YAML file) first.');
    return undefined;
  }
  return editor;
}

async function runTests(): Promise<void> {
  const c = running();
  if (c === undefined) {
    return;
  }
  if ((vscode.workspace.workspaceFolders ?? []).length === 0) {
    void vscode.window.showInformationMessage('Kyverno tests run inside a workspace folder: open a folder first.');
    return;
  }
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: 'Kyverno: running tests' },
    () => serverCommand(c, RUN_TESTS, []),
  );
  showReport(RUN_TESTS, result);
}

/**
 * A Helm template's render, or a kustomization's build: the documents its findings come from, in
 * a new YAML document.
 */
async function showRendered(): Promise<void> {
  const c = running();
  const editor = vscode.window.activeTextEditor;
  if (c === undefined || editor === undefined) {
    return;
  }
  const result = await serverCommand(c, SHOW_RENDERED, [editor.document.uri.toString()]);
  const content = renderedDocument(result);
  if (content === undefined) {
    return;
  }
  const doc = await vscode.workspace.openTextDocument({ language: 'yaml', content });
  await vscode.window.showTextDocument(doc, { preview: true });
}

async function showRuleResults(): Promise<void> {
  const c = running();
  const editor = yamlEditor();
  if (c === undefined || editor === undefined) {
    return;
  }
  const uri = editor.document.uri.toString();
  const lenses: CodeLens[] | null = await c
    .sendRequest(CodeLensRequest.type, { textDocument: { uri } })
    .catch(() => null);
  const choices = ruleChoices(uri, lenses ?? []);
  if (choices.length === 0) {
    void vscode.window.showInformationMessage('No rule of this document was simulated against samples.');
    return;
  }
  const picked =
    choices.length === 1
      ? choices[0]
      : await vscode.window.showQuickPick(choices, { placeHolder: 'Rule to show the results of' });
  if (picked === undefined) {
    return;
  }
  showReport(SHOW_RULE_RESULTS, await serverCommand(c, SHOW_RULE_RESULTS, picked.args));
}

async function pickSample(): Promise<void> {
  const c = running();
  const editor = yamlEditor();
  if (c === undefined || editor === undefined) {
    return;
  }
  await pickSampleFor(c, editor.document.uri.toString());
}

/**
 * A QuickPick of the document's samples from kyverno.listSamples, then kyverno.pickSample
 * with the choice. A server without listSamples asks itself, with window/showMessageRequest,
 * which answerMessageRequest also shows as a QuickPick.
 */
async function pickSampleFor(c: LanguageClient, uri: string): Promise<unknown> {
  const commands = c.initializeResult?.capabilities.executeCommandProvider?.commands ?? [];
  if (!commands.includes(LIST_SAMPLES)) {
    return withSamplePick(() => serverCommand(c, PICK_SAMPLE, [uri]));
  }
  const listed = await serverCommand(c, LIST_SAMPLES, [uri]);
  if (listed === undefined) {
    return undefined;
  }
  const choices = sampleChoices(listed);
  if (choices === undefined || choices.length === 0) {
    void vscode.window.showInformationMessage('This document has no sample resources to pick from.');
    return undefined;
  }
  const item = await vscode.window.showQuickPick(choices, { placeHolder: PICK_PROMPT });
  if (item === undefined) {
    return undefined;
  }
  return serverCommand(c, PICK_SAMPLE, [uri, item.value]);
}

async function withSamplePick<T>(f: () => Promise<T>): Promise<T> {
  pickingSample++;
  try {
    return await f();
  } finally {
    pickingSample--;
  }
}

/** The default notification with buttons, except for the sample question, which gets a QuickPick. */
async function answerMessageRequest(params: ShowMessageRequestParams): Promise<MessageActionItem | null> {
  const actions = params.actions ?? [];
  if ((pickingSample > 0 || params.message === PICK_PROMPT) && actions.length > 0) {
    const item = await vscode.window.showQuickPick(
      actions.map((a) => ({ label: a.title, action: a })),
      { placeHolder: params.message },
    );
    return item?.action ?? null;
  }
  const show =
    params.type === MessageType.Error
      ? vscode.window.showErrorMessage
      : params.type === MessageType.Warning
        ? vscode.window.showWarningMessage
        : vscode.window.showInformationMessage;
  return (await show(params.message, ...actions)) ?? null;
}
