// Bundles the extension (out/extension.js) and, with --tests, every test (out-test/*.test.js)
// with esbuild, and copies the policy schemas from the repository's /schemas.
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const repo = path.resolve(here, '..', '..');

export function copySchemas() {
  const from = path.join(repo, 'schemas');
  const to = path.join(here, 'schemas');
  // The policies' schemas, for the YAML extension; the configuration file's is not one.
  const files = fs
    .readdirSync(from)
    .filter((f) => f.endsWith('.json') && f !== 'kyverno-ls-config.json')
    .sort();
  if (files.length === 0) {
    throw new Error(`no schemas in ${from}`);
  }
  fs.rmSync(to, { recursive: true, force: true });
  fs.mkdirSync(to);
  for (const f of files) {
    fs.copyFileSync(path.join(from, f), path.join(to, f));
  }
  return files;
}

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  logLevel: 'warning',
  // Any warning (an unresolved import, a duplicate key...) fails the build.
  logOverride: {},
};

export async function build({ tests = false } = {}) {
  copySchemas();
  const result = await esbuild.build({
    ...common,
    entryPoints: [path.join(here, 'src', 'extension.ts')],
    outfile: path.join(here, 'out', 'extension.js'),
    external: ['vscode'],
    minify: true,
    sourcemap: false,
  });
  const warnings = [...result.warnings];
  if (tests) {
    const dir = path.join(here, 'test');
    const entries = fs.readdirSync(dir).filter((f) => f.endsWith('.test.ts')).map((f) => path.join(dir, f));
    fs.rmSync(path.join(here, 'out-test'), { recursive: true, force: true });
    const t = await esbuild.build({
      ...common,
      entryPoints: entries,
      outdir: path.join(here, 'out-test'),
      sourcemap: 'inline',
      // vscode-languageclient needs a `vscode` module to compute its capabilities outside VS Code.
      alias: { vscode: path.join(here, 'test', 'support', 'fakeVscode.ts') },
    });
    warnings.push(...t.warnings);
  }
  if (warnings.length > 0) {
    throw new Error(`esbuild reported ${warnings.length} warning(s)`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await build({ tests: process.argv.includes('--tests') });
}
