// The ClientCapabilities the extension's language client sends, computed by
// vscode-languageclient itself over a do-nothing `vscode` module.
import { LanguageClient } from 'vscode-languageclient/node';
import type { ClientCapabilities } from 'vscode-languageserver-protocol';

export function extensionCapabilities(): ClientCapabilities {
  const client = new LanguageClient(
    'kyverno',
    'Kyverno Language Server',
    { command: 'kyverno-ls' },
    {
      documentSelector: [
        { scheme: 'file', language: 'yaml' },
        { scheme: 'untitled', language: 'yaml' },
      ],
      synchronize: { configurationSection: 'kyverno' },
    },
  );
  const compute = (client as unknown as { computeClientCapabilities(): ClientCapabilities }).computeClientCapabilities;
  // JSON round trip: what goes on the wire, without the stub's functions.
  return JSON.parse(JSON.stringify(compute.call(client))) as ClientCapabilities;
}
