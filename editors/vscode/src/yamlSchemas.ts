// Hands Red Hat's YAML extension our policy schemas, but only for documents where the user
// turned kyverno-ls's own schema diagnostics off (see schemas.ts for the decision). A static
// `yamlValidation` contribution cannot depend on a setting, so this uses the extension's API.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

import { SCHEME, schemaFileOf, schemaToContribute } from './schemas';
import { SECTION } from './settings';

const YAML_EXTENSION = 'redhat.vscode-yaml';

interface YamlApi {
  registerContributor(
    schema: string,
    requestSchema: (resource: string) => string | undefined,
    requestSchemaContent: (uri: string) => string | undefined,
  ): boolean;
}

let registered = false;

export function registerYamlSchemas(context: vscode.ExtensionContext): void {
  void tryRegister(context);
  // The YAML extension may be installed or enabled after us.
  context.subscriptions.push(vscode.extensions.onDidChange(() => void tryRegister(context)));
}

async function tryRegister(context: vscode.ExtensionContext): Promise<void> {
  if (registered) {
    return;
  }
  const ext = vscode.extensions.getExtension<YamlApi>(YAML_EXTENSION);
  if (ext === undefined) {
    return;
  }
  registered = true;
  let api: YamlApi | undefined;
  try {
    api = ext.isActive ? ext.exports : await ext.activate();
  } catch {
    api = undefined;
  }
  if (api === undefined || typeof api.registerContributor !== 'function') {
    return;
  }
  const cache = new Map<string, string>();
  api.registerContributor(
    SCHEME,
    (resource) => {
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === resource);
      if (doc === undefined) {
        return undefined;
      }
      const enabled = vscode.workspace.getConfiguration(SECTION, doc.uri).get<boolean>('diagnostics.schema', true);
      return schemaToContribute(doc.getText(), enabled);
    },
    (uri) => {
      const file = schemaFileOf(uri);
      if (file === undefined) {
        return undefined;
      }
      let text = cache.get(file);
      if (text === undefined) {
        try {
          text = fs.readFileSync(path.join(context.extensionPath, 'schemas', file), 'utf8');
        } catch {
          return undefined;
        }
        cache.set(file, text);
      }
      return text;
    },
  );
}
