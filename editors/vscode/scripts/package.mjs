// npm run package: dist/kyverno-ls-<version>.vsix (universal, no binary: the server comes from
// kyverno.server.path or PATH) and, when a release binary is at hand, a platform-specific
// dist/kyverno-ls-<target>-<version>.vsix with the binary in server/.
//
// The binary: $KYVERNO_LS_BINARY, else ../../target/release/kyverno-ls. The target:
// $KYVERNO_LS_TARGET, else this machine's (e.g. linux-x64). Works offline: vsce runs with
// --no-dependencies because esbuild has bundled everything into out/extension.js.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from './build.mjs';
import { checkVsix } from './vsix.mjs';

const here = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const repo = path.resolve(here, '..', '..');
const require = createRequire(import.meta.url);
const vsce = path.join(path.dirname(require.resolve('@vscode/vsce/package.json')), 'vsce');
const manifest = JSON.parse(fs.readFileSync(path.join(here, 'package.json'), 'utf8'));
const dist = path.join(here, 'dist');
// What goes into a package, and nothing else: vsce runs in a staging copy of these, so that
// node_modules, tests and e2e/ (with its own code-server install) are never even walked.
const SHIPPED = ['package.json', 'README.md', 'LICENSE', '.vscodeignore', 'out/extension.js', 'schemas'];

function hostTarget() {
  const platform = { linux: 'linux', darwin: 'darwin', win32: 'win32' }[process.platform];
  const arch = { x64: 'x64', arm64: 'arm64', arm: 'armhf' }[process.arch];
  if (platform === undefined || arch === undefined) {
    throw new Error(`no VS Code target for ${process.platform}-${process.arch}; set KYVERNO_LS_TARGET`);
  }
  return `${platform}-${arch}`;
}

function runVsce(stage, out, target) {
  const args = [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--out', out];
  if (target !== undefined) {
    args.push('--target', target);
  }
  const r = spawnSync(process.execPath, args, { cwd: stage, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    throw new Error(`vsce package${target ? ` --target ${target}` : ''} failed (exit ${r.status})`);
  }
}

function makeStage() {
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'kyverno-ls-vsix-'));
  for (const f of SHIPPED) {
    fs.cpSync(path.join(here, f), path.join(stage, f), { recursive: true });
  }
  return stage;
}

/** The binary without its debug information where `strip` can do it; a plain copy otherwise. */
function stageBinary(binary, dest) {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const stripped =
    process.platform === 'linux' &&
    spawnSync('strip', ['--strip-debug', '-o', dest, binary], { stdio: 'ignore' }).status === 0;
  if (!stripped) {
    fs.copyFileSync(binary, dest);
  }
  fs.chmodSync(dest, 0o755);
}

await build();
// Only this run's packages are left in dist/, so CI can list them.
fs.rmSync(dist, { recursive: true, force: true });
fs.mkdirSync(dist, { recursive: true });
const made = [];
const stage = makeStage();
try {
  const universal = path.join(dist, `${manifest.name}-${manifest.version}.vsix`);
  runVsce(stage, universal);
  checkVsix(universal, { binary: undefined });
  made.push(universal);

  const fromEnv = process.env.KYVERNO_LS_BINARY;
  const binary = fromEnv || path.join(repo, 'target', 'release', process.platform === 'win32' ? 'kyverno-ls.exe' : 'kyverno-ls');
  if (fromEnv && !fs.existsSync(fromEnv)) {
    throw new Error(`KYVERNO_LS_BINARY=${fromEnv}: no such file`);
  }
  if (fs.existsSync(binary)) {
    const target = process.env.KYVERNO_LS_TARGET || hostTarget();
    const exe = target.startsWith('win32-') ? 'kyverno-ls.exe' : 'kyverno-ls';
    stageBinary(binary, path.join(stage, 'server', exe));
    const specific = path.join(dist, `${manifest.name}-${target}-${manifest.version}.vsix`);
    runVsce(stage, specific, target);
    checkVsix(specific, { binary: exe });
    made.push(specific);
  } else {
    console.log(`No release binary at ${binary}: only the universal package was built.`);
  }
} finally {
  fs.rmSync(stage, { recursive: true, force: true });
}

for (const f of made) {
  console.log(f);
}
