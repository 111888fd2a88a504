// Where the kyverno-ls binary is. No `vscode` import: the caller passes in everything this
// module needs to know about the editor and the machine, so tests can play any platform.

import * as fs from 'node:fs';
import * as path from 'node:path';

export const SETTING = 'kyverno.server.path';
export const BINARY = 'kyverno-ls';

export interface Machine {
  platform: NodeJS.Platform;
  /** The user's home directory, for a leading `~`. */
  home: string;
  /** PATH and, on Windows, PATHEXT. Windows spells them in any case. */
  env: Record<string, string | undefined>;
  /** True when `file` exists and can be run. */
  isExecutable: (file: string) => boolean;
}

export interface Inputs {
  /** The `kyverno.server.path` setting, as the user typed it. */
  setting: string | undefined;
  /** The first workspace folder's path, if a folder is open. */
  workspaceFolder: string | undefined;
  /** The extension's own directory, where a platform-specific package bundles the binary. */
  extensionDir: string;
}

export type Source = 'setting' | 'bundled' | 'path';

export type Resolution =
  | { ok: true; path: string; source: Source }
  | { ok: false; message: string };

function pathApi(platform: NodeJS.Platform): path.PlatformPath {
  return platform === 'win32' ? path.win32 : path.posix;
}

function envVar(env: Record<string, string | undefined>, name: string, platform: NodeJS.Platform) {
  if (platform !== 'win32') {
    return env[name];
  }
  const key = Object.keys(env).find((k) => k.toUpperCase() === name);
  return key === undefined ? undefined : env[key];
}

/** The binary a platform-specific package carries. */
export function bundledPath(extensionDir: string, platform: NodeJS.Platform): string {
  const p = pathApi(platform);
  return p.join(extensionDir, 'server', platform === 'win32' ? `${BINARY}.exe` : BINARY);
}

/**
 * The setting made absolute: `~` and `${workspaceFolder}` expanded, a relative path taken from
 * the first workspace folder. A bare name such as `kyverno-ls-dev` stays a name, for PATH.
 * Returns an error message when the setting cannot be made absolute.
 */
export function expandSetting(
  setting: string,
  workspaceFolder: string | undefined,
  machine: Pick<Machine, 'platform' | 'home'>,
): { path: string } | { bare: string } | { error: string } {
  const p = pathApi(machine.platform);
  let value = setting.trim();
  if (value.includes('${workspaceFolder}')) {
    if (workspaceFolder === undefined) {
      return {
        error: `The setting ${SETTING} ("${setting}") uses \${workspaceFolder}, but no folder is open.`,
      };
    }
    value = value.split('${workspaceFolder}').join(workspaceFolder);
  }
  if (value === '~' || value.startsWith('~/') || (machine.platform === 'win32' && value.startsWith('~\\'))) {
    value = p.join(machine.home, value.slice(1));
  }
  if (p.isAbsolute(value)) {
    return { path: p.normalize(value) };
  }
  const hasSeparator = value.includes('/') || (machine.platform === 'win32' && value.includes('\\'));
  if (!hasSeparator) {
    return { bare: value };
  }
  if (workspaceFolder === undefined) {
    return {
      error: `The setting ${SETTING} ("${setting}") is a relative path, but no folder is open to resolve it against.`,
    };
  }
  return { path: p.join(workspaceFolder, value) };
}

/** The first `name` on PATH that can run, honouring PATHEXT on Windows. */
export function searchPath(name: string, machine: Machine): string | undefined {
  const p = pathApi(machine.platform);
  const dirs = (envVar(machine.env, 'PATH', machine.platform) ?? '')
    .split(machine.platform === 'win32' ? ';' : ':')
    .map((d) => (machine.platform === 'win32' ? d.replace(/^"(.*)"$/, '$1') : d))
    .filter((d) => d.length > 0);
  let candidates = [name];
  if (machine.platform === 'win32') {
    const exts = (envVar(machine.env, 'PATHEXT', machine.platform) ?? '.COM;.EXE;.BAT;.CMD')
      .split(';')
      .filter((e) => e.length > 0);
    const hasExt = exts.some((e) => name.toLowerCase().endsWith(e.toLowerCase()));
    // A name that already has a runnable extension is tried as is first.
    candidates = hasExt ? [name, ...exts.map((e) => name + e)] : exts.map((e) => name + e);
  }
  for (const dir of dirs) {
    for (const c of candidates) {
      const full = p.join(dir, c);
      if (machine.isExecutable(full)) {
        return full;
      }
    }
  }
  return undefined;
}

export function notFoundMessage(bundled: string): string {
  return (
    `The Kyverno language server (${BINARY}) was not found. The extension looked in three places: ` +
    `the setting ${SETTING} (not set), the binary bundled with the extension (${bundled}, absent from this universal package), ` +
    `and ${BINARY} on PATH (not there). ` +
    `Install it with \`cargo install --path .\` in a kyverno-ls checkout, or set ${SETTING} to the binary's path.`
  );
}

/** Setting, else bundled binary, else PATH. A setting that points nowhere is an error, not a fallback. */
export function resolveServer(inputs: Inputs, machine: Machine): Resolution {
  const setting = inputs.setting?.trim();
  if (setting) {
    const expanded = expandSetting(setting, inputs.workspaceFolder, machine);
    if ('error' in expanded) {
      return { ok: false, message: expanded.error };
    }
    if ('bare' in expanded) {
      const found = searchPath(expanded.bare, machine);
      if (found !== undefined) {
        return { ok: true, path: found, source: 'setting' };
      }
      return {
        ok: false,
        message: `The setting ${SETTING} names "${expanded.bare}", but no such program is on PATH. Set it to the full path of the kyverno-ls binary.`,
      };
    }
    if (machine.isExecutable(expanded.path)) {
      return { ok: true, path: expanded.path, source: 'setting' };
    }
    return {
      ok: false,
      message: `The setting ${SETTING} points to ${expanded.path}, but there is no executable file there. Fix the path, or clear the setting to use the bundled binary or ${BINARY} on PATH.`,
    };
  }
  const bundled = bundledPath(inputs.extensionDir, machine.platform);
  if (machine.isExecutable(bundled)) {
    return { ok: true, path: bundled, source: 'bundled' };
  }
  const onPath = searchPath(BINARY, machine);
  if (onPath !== undefined) {
    return { ok: true, path: onPath, source: 'path' };
  }
  return { ok: false, message: notFoundMessage(bundled) };
}

/** The real machine's check: a regular file, with an execute bit where there are such bits. */
export function isExecutableFile(file: string): boolean {
  try {
    if (!fs.statSync(file).isFile()) {
      return false;
    }
    if (process.platform !== 'win32') {
      fs.accessSync(file, fs.constants.X_OK);
    }
    return true;
  } catch {
    return false;
  }
}
