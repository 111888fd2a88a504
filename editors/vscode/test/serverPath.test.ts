import assert from 'node:assert/strict';
import { test } from 'node:test';

import { expandSetting, Machine, notFoundMessage, resolveServer, searchPath } from '../src/serverPath';

function linux(files: string[], env: Record<string, string> = { PATH: '/usr/local/bin:/usr/bin' }): Machine {
  return { platform: 'linux', home: '/home/ada', env, isExecutable: (f) => files.includes(f) };
}

function windows(files: string[], env: Record<string, string>): Machine {
  const lower = files.map((f) => f.toLowerCase());
  return { platform: 'win32', home: 'C:\\Users\\ada', env, isExecutable: (f) => lower.includes(f.toLowerCase()) };
}

const EXT = '/home/ada/.vscode/extensions/kyverno-ls.kyverno-ls-0.1.0';

test('the setting wins, with ~ expanded', () => {
  const m = linux(['/home/ada/bin/kyverno-ls', `${EXT}/server/kyverno-ls`, '/usr/bin/kyverno-ls']);
  assert.deepEqual(resolveServer({ setting: '~/bin/kyverno-ls', workspaceFolder: '/src/p', extensionDir: EXT }, m), {
    ok: true,
    path: '/home/ada/bin/kyverno-ls',
    source: 'setting',
  });
});

test('${workspaceFolder} and relative paths come from the first workspace folder', () => {
  const m = linux(['/src/p/target/release/kyverno-ls']);
  const inputs = { workspaceFolder: '/src/p', extensionDir: EXT };
  const want = { ok: true, path: '/src/p/target/release/kyverno-ls', source: 'setting' };
  assert.deepEqual(resolveServer({ ...inputs, setting: '${workspaceFolder}/target/release/kyverno-ls' }, m), want);
  assert.deepEqual(resolveServer({ ...inputs, setting: './target/release/kyverno-ls' }, m), want);
  assert.deepEqual(resolveServer({ ...inputs, setting: 'target/release/../release/kyverno-ls' }, m), want);
});

test('a setting that points nowhere is an error, not a silent fallback', () => {
  const m = linux(['/usr/bin/kyverno-ls']);
  assert.deepEqual(resolveServer({ setting: '/opt/kyverno-ls', workspaceFolder: undefined, extensionDir: EXT }, m), {
    ok: false,
    message:
      'The setting kyverno.server.path points to /opt/kyverno-ls, but there is no executable file there. Fix the path, or clear the setting to use the bundled binary or kyverno-ls on PATH.',
  });
  assert.deepEqual(
    resolveServer({ setting: '${workspaceFolder}/kyverno-ls', workspaceFolder: undefined, extensionDir: EXT }, m),
    {
      ok: false,
      message: 'The setting kyverno.server.path ("${workspaceFolder}/kyverno-ls") uses ${workspaceFolder}, but no folder is open.',
    },
  );
  assert.deepEqual(resolveServer({ setting: 'bin/kyverno-ls', workspaceFolder: undefined, extensionDir: EXT }, m), {
    ok: false,
    message:
      'The setting kyverno.server.path ("bin/kyverno-ls") is a relative path, but no folder is open to resolve it against.',
  });
});

test('a bare name in the setting is looked up on PATH', () => {
  const m = linux(['/usr/bin/kyverno-ls-dev']);
  assert.deepEqual(resolveServer({ setting: 'kyverno-ls-dev', workspaceFolder: '/src/p', extensionDir: EXT }, m), {
    ok: true,
    path: '/usr/bin/kyverno-ls-dev',
    source: 'setting',
  });
  assert.deepEqual(resolveServer({ setting: 'nope', workspaceFolder: '/src/p', extensionDir: EXT }, m), {
    ok: false,
    message:
      'The setting kyverno.server.path names "nope", but no such program is on PATH. Set it to the full path of the kyverno-ls binary.',
  });
});

test('an empty setting falls through to the bundled binary, then PATH', () => {
  const bundled = linux([`${EXT}/server/kyverno-ls`, '/usr/bin/kyverno-ls']);
  assert.deepEqual(resolveServer({ setting: '  ', workspaceFolder: '/src/p', extensionDir: EXT }, bundled), {
    ok: true,
    path: `${EXT}/server/kyverno-ls`,
    source: 'bundled',
  });
  const onPath = linux(['/usr/bin/kyverno-ls', '/usr/local/bin/other']);
  assert.deepEqual(resolveServer({ setting: undefined, workspaceFolder: undefined, extensionDir: EXT }, onPath), {
    ok: true,
    path: '/usr/bin/kyverno-ls',
    source: 'path',
  });
});

test('nothing found: the message names the three places and the setting', () => {
  const m = linux([], { PATH: '' });
  const r = resolveServer({ setting: '', workspaceFolder: '/src/p', extensionDir: EXT }, m);
  assert.deepEqual(r, { ok: false, message: notFoundMessage(`${EXT}/server/kyverno-ls`) });
  assert.equal(
    notFoundMessage(`${EXT}/server/kyverno-ls`),
    'The Kyverno language server (kyverno-ls) was not found. The extension looked in three places: the setting kyverno.server.path (not set), ' +
      `the binary bundled with the extension (${EXT}/server/kyverno-ls, absent from this universal package), and kyverno-ls on PATH (not there). ` +
      'Install it with `cargo install --path .` in a kyverno-ls checkout, or set kyverno.server.path to the binary\'s path.',
  );
});

test('PATH order is kept and empty entries are skipped', () => {
  const m = linux(['/b/kyverno-ls', '/c/kyverno-ls'], { PATH: '::/a:/b:/c' });
  assert.equal(searchPath('kyverno-ls', m), '/b/kyverno-ls');
});

test('Windows: bundled .exe, PATHEXT, case-insensitive variable names, ~\\', () => {
  const ext = 'C:\\Users\\ada\\.vscode\\extensions\\k';
  const env = { Path: 'C:\\Windows;"C:\\Program Files\\kyverno"', PATHEXT: '.COM;.EXE;.BAT' };
  assert.deepEqual(
    resolveServer({ setting: '', workspaceFolder: undefined, extensionDir: ext }, windows([`${ext}\\server\\kyverno-ls.exe`], env)),
    { ok: true, path: `${ext}\\server\\kyverno-ls.exe`, source: 'bundled' },
  );
  assert.deepEqual(
    resolveServer({ setting: '', workspaceFolder: undefined, extensionDir: ext }, windows(['C:\\Program Files\\kyverno\\KYVERNO-LS.EXE'], env)),
    { ok: true, path: 'C:\\Program Files\\kyverno\\kyverno-ls.EXE', source: 'path' },
  );
  // Without PATHEXT, the Windows default list applies; a .cmd shim is found.
  assert.equal(
    searchPath('kyverno-ls', windows(['C:\\tools\\kyverno-ls.CMD'], { PATH: 'C:\\tools' })),
    'C:\\tools\\kyverno-ls.CMD',
  );
  assert.deepEqual(expandSetting('~\\bin\\kyverno-ls.exe', undefined, { platform: 'win32', home: 'C:\\Users\\ada' }), {
    path: 'C:\\Users\\ada\\bin\\kyverno-ls.exe',
  });
  assert.deepEqual(expandSetting('${workspaceFolder}\\kyverno-ls.exe', 'D:\\src\\p', { platform: 'win32', home: 'C:\\Users\\ada' }), {
    path: 'D:\\src\\p\\kyverno-ls.exe',
  });
});
