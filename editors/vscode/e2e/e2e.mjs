// End-to-end test of the packaged extension inside real VS Code: code-server serves the
// workbench, Debian's headless Chromium renders it and playwright-core drives it, so what is
// checked is what a user sees (squiggle, code lens, Problems panel, hover, inlay hints), not
// what the client sends.
//
// Run it through run.sh, which installs the pinned Node 24, code-server and playwright-core.
// Environment:
//   CODE_SERVER               code-server launcher (run.sh sets it)
//   KYVERNO_VSIX              the .vsix to install (run.sh finds the platform one in ../dist)
//   KYVERNO_E2E_SCREENSHOT    where the screenshot goes (default docs/images/vscode-problems.png);
//                             the mutation diff's goes next to it (vscode-mutation.png)
//   KYVERNO_E2E_OUT           logs and failure screenshots (default e2e/out)
//   KYVERNO_E2E_TIMEOUT       overall hang guard in seconds (default 300)
//   KYVERNO_E2E_KEEP=1        keep the temporary user data, extensions and workspace
//   CHROMIUM                  browser binary (default /usr/bin/chromium)

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../../..');
const POLICY = 'drop-all-capabilities.yaml';
const OUT = path.resolve(process.env.KYVERNO_E2E_OUT || path.join(HERE, 'out'));
const SCREENSHOT = path.resolve(
  process.env.KYVERNO_E2E_SCREENSHOT || path.join(REPO, 'docs/images/vscode-problems.png'),
);
const MUTATION_SCREENSHOT = path.join(path.dirname(SCREENSHOT), 'vscode-mutation.png');
const MUTATE_POLICY = 'add-team-label.yaml';
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const CODE_SERVER = process.env.CODE_SERVER;
const VSIX = process.env.KYVERNO_VSIX;
const TOTAL_TIMEOUT_MS = Number(process.env.KYVERNO_E2E_TIMEOUT || 300) * 1000;
// Each wait in the workbench gets this long; the first load of the workbench and the first
// analysis are the slowest steps on a busy two-core machine.
const STEP_TIMEOUT_MS = 60_000;

const EXPECTED_MESSAGES = [
  'Pod hello-world would be reported (Audit): Containers must drop `ALL` capabilities.',
  'Pod privileged would be reported (Audit): Containers must drop `ALL` capabilities.',
];

fs.mkdirSync(OUT, { recursive: true });
// Only this run's logs and failure screenshots stay in OUT.
for (const name of fs.readdirSync(OUT)) {
  if (/^failure-.*\.png$|\.(log|json|html|txt)$|^vscode-logs$/.test(name)) {
    fs.rmSync(path.join(OUT, name), { recursive: true, force: true });
  }
}
const logFile = fs.createWriteStream(path.join(OUT, 'e2e.log'), { flags: 'w' });
function log(...parts) {
  const line = `[${new Date().toISOString()}] ${parts.join(' ')}`;
  console.log(line);
  logFile.write(line + '\n');
}

// Process groups we started; run.sh also reads pids.txt so that it can end them if this
// process is itself killed before its own cleanup runs.
const groups = [];
const pidsFile = path.join(OUT, 'pids.txt');
fs.writeFileSync(pidsFile, '');
function track(child, name) {
  groups.push({ child, name });
  fs.appendFileSync(pidsFile, `${child.pid}\n`);
}

let tmp;
let browser;
let page;
let cleaningUp;

async function cleanup() {
  if (cleaningUp) return cleaningUp;
  cleaningUp = (async () => {
    if (browser) await browser.close().catch(() => {});
    for (const { child, name } of groups) await endGroup(child, name);
    // VS Code's own logs (extension host, the extension's output channels) explain most
    // failures; copy them before the temporary directory goes.
    const logs = tmp && path.join(tmp, 'user-data', 'logs');
    if ((hung || results.failed > 0) && logs && fs.existsSync(logs)) {
      fs.cpSync(logs, path.join(OUT, 'vscode-logs'), { recursive: true });
      log(`VS Code logs copied to ${path.join(OUT, 'vscode-logs')}`);
    }
    // The groups are gone: run.sh must not signal these ids, which may be reused by now.
    fs.writeFileSync(pidsFile, '');
    if (tmp && process.env.KYVERNO_E2E_KEEP !== '1') {
      fs.rmSync(tmp, { recursive: true, force: true });
    } else if (tmp) {
      log(`kept ${tmp}`);
    }
  })();
  return cleaningUp;
}

// Ends a detached child's whole process group: code-server's extension host and the
// language server it starts, or Chromium's renderers, would otherwise outlive the test.
async function endGroup(child, name) {
  const alive = () => {
    try {
      process.kill(-child.pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {}
  const deadline = Date.now() + 5000;
  while (alive() && Date.now() < deadline) await delay(100);
  if (alive()) {
    log(`${name} ignored SIGTERM; killing its process group`);
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {}
  }
}

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

let hung = false;
let broken = false;

// Ends the run early (hang guard or signal): what is left of the checks is not run, and the
// summary line still comes out.
async function abort(reason) {
  log(reason);
  hung = true;
  broken = true;
  await failureScreenshot('aborted');
  await cleanup();
  // The check in progress may have failed meanwhile, when cleanup closed the browser.
  console.log(`${results.passed} passed, ${Math.max(results.failed, 1)} failed`);
  process.exit(1);
}

const hangGuard = setTimeout(
  () => abort(`hang guard: the test did not finish in ${TOTAL_TIMEOUT_MS / 1000} s`),
  TOTAL_TIMEOUT_MS,
);

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => abort(`${signal}: cleaning up`));
}

const results = { passed: 0, failed: 0 };

// Runs one named check. Later checks need the workbench state the earlier ones reach, so
// after a failure the rest are reported as failed without running.
async function check(name, fn) {
  if (broken) {
    results.failed += 1;
    log(`FAIL ${name} (not run: an earlier check failed)`);
    return;
  }
  try {
    await fn();
    results.passed += 1;
    log(`PASS ${name}`);
  } catch (err) {
    results.failed += 1;
    broken = true;
    log(`FAIL ${name}: ${err && err.stack ? err.stack : err}`);
    await failureScreenshot(name);
  }
}

async function failureScreenshot(name) {
  if (!page) return;
  const file = path.join(OUT, `failure-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.png`);
  try {
    await page.screenshot({ path: file, timeout: 10_000 });
    log(`failure screenshot: ${file}`);
  } catch (err) {
    log(`no failure screenshot: ${err.message}`);
  }
}

function assertEqual(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}:\n  expected ${e}\n  actual   ${a}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err.message;
    }
    await delay(250);
  }
  throw new Error(`${url} did not answer in ${timeoutMs / 1000} s (${last})`);
}

// The settings keep the workbench to the editor and the panel: no welcome page, trust
// prompt, chat side bar, minimap, tips or update checks. The hover opens below the line so
// that it does not cover the squiggled rule name above it in the screenshot.
const USER_SETTINGS = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'chat.disableAIFeatures': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'editor.minimap.enabled': false,
  // A steady cursor makes the screenshot the same from run to run.
  'editor.cursorBlinking': 'solid',
  'editor.stickyScroll.enabled': false,
  'editor.occurrencesHighlight': 'off',
  'editor.selectionHighlight': false,
  'editor.hover.above': false,
  'window.commandCenter': false,
};

async function startCodeServer(userData, extensions, workspace) {
  const port = await freePort();
  const configFile = path.join(tmp, 'code-server.yaml');
  fs.writeFileSync(configFile, 'auth: none\ncert: false\n');
  const env = {
    ...process.env,
    // code-server writes its own config and logs under the XDG directories otherwise.
    XDG_CONFIG_HOME: path.join(tmp, 'xdg-config'),
    XDG_DATA_HOME: path.join(tmp, 'xdg-data'),
    XDG_CACHE_HOME: path.join(tmp, 'xdg-cache'),
  };
  const out = fs.openSync(path.join(OUT, 'code-server.log'), 'w');
  const child = spawn(
    CODE_SERVER,
    [
      '--config', configFile,
      '--bind-addr', `127.0.0.1:${port}`,
      '--auth', 'none',
      '--user-data-dir', userData,
      '--extensions-dir', extensions,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--ignore-last-opened',
      workspace,
    ],
    { env, detached: true, stdio: ['ignore', out, out] },
  );
  track(child, 'code-server');
  child.on('exit', (code, signal) => log(`code-server exited (${code ?? signal})`));
  await waitForHttp(`http://127.0.0.1:${port}/healthz`, STEP_TIMEOUT_MS);
  log(`code-server listening on 127.0.0.1:${port}`);
  return port;
}

async function startChromium(profile) {
  const child = spawn(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      '--force-device-scale-factor=1',
      '--window-size=1400,900',
      `--user-data-dir=${profile}`,
      '--remote-debugging-address=127.0.0.1',
      '--remote-debugging-port=0',
      'about:blank',
    ],
    {
      // Chromium keeps crash report settings under XDG_CONFIG_HOME whatever the profile.
      env: {
        ...process.env,
        XDG_CONFIG_HOME: path.join(tmp, 'xdg-config'),
        XDG_CACHE_HOME: path.join(tmp, 'xdg-cache'),
      },
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  track(child, 'chromium');
  const errLog = fs.createWriteStream(path.join(OUT, 'chromium.log'));
  const endpoint = await new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(
      () => reject(new Error('Chromium did not print its DevTools address in 30 s')),
      30_000,
    );
    child.stderr.on('data', (chunk) => {
      errLog.write(chunk);
      buffered += chunk.toString();
      const match = buffered.match(/DevTools listening on (ws:\/\/\S+)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Chromium exited (${code}) before it was ready; see chromium.log`));
    });
  });
  // Keep draining stderr so that Chromium never blocks on a full pipe.
  child.stderr.on('data', (chunk) => errLog.write(chunk));
  return chromium.connectOverCDP(endpoint, { timeout: 30_000 });
}

const RULE_LINE = '    - name: require-drop-all';

// Polls read() until ok(value) holds or the step timeout passes, and returns the last value
// either way, so that the caller's assertion reports what was on screen.
async function until(read, ok, timeoutMs = STEP_TIMEOUT_MS) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await delay(200);
  }
}

// The Problems panel's tree rows: the file, each marker with its severity, message, source,
// code and position, and each marker's related information.
function readProblems() {
  return page.$$eval('.markers-panel .monaco-list-row', (rows) =>
    rows.map((row) => {
      const text = (selector) => {
        const node = row.querySelector(selector);
        return node ? node.textContent : null;
      };
      if (row.querySelector('.marker-message-line')) {
        const icon = row.querySelector('.marker-icon');
        return {
          kind: 'marker',
          severity: icon ? [...icon.classList].filter((c) => c !== 'marker-icon').join(' ') : null,
          message: text('.marker-message'),
          source: text('.marker-source'),
          code: text('.marker-code'),
          position: text('.marker-line'),
        };
      }
      if (row.querySelector('.related-info-resource')) {
        return {
          kind: 'related',
          file: text('.related-info-resource'),
          position: text('.marker-line'),
          message: text('.marker-description'),
        };
      }
      return { kind: 'file', label: row.getAttribute('aria-label') };
    }),
  );
}

// The editor's rendered lines, split into the document's own text and the inlay hints that
// Monaco injects as extra spans (classed dyn-rule-*); gap is the space between the text's
// end and the first non-empty hint.
function renderedLines() {
  return page.$$eval('.monaco-editor .view-lines .view-line', (nodes) =>
    nodes.map((node) => {
      const spans = [...node.querySelectorAll(':scope > span > span')];
      const injected = (span) => [...span.classList].some((c) => c.startsWith('dyn-rule-'));
      const own = spans.filter((span) => !injected(span));
      const hints = spans.filter((span) => injected(span) && span.textContent !== '');
      let gap = null;
      if (own.length > 0 && hints.length > 0) {
        gap = hints[0].getBoundingClientRect().left - own[own.length - 1].getBoundingClientRect().right;
      }
      return {
        source: own.map((span) => span.textContent).join('').replace(/\u00a0/g, ' '),
        hints: hints.map((span) => span.textContent.replace(/\u00a0/g, ' ')),
        gap,
      };
    }),
  );
}

// Moves the cursor with Go to Line (Ctrl+G), which scrolls the line into view, and waits
// until the status bar shows the new position.
async function goTo(line, column) {
  await page.keyboard.press('Control+G');
  // Go to Line opens quick input prefilled with ':'; typing before that would be lost.
  await page.waitForFunction(
    () => {
      const input = document.querySelector('.quick-input-widget input');
      return input && input.value === ':' && document.activeElement === input;
    },
    null,
    { timeout: STEP_TIMEOUT_MS },
  );
  await page.keyboard.type(`${line}:${column}`);
  await page.keyboard.press('Enter');
  await page
    .locator('.statusbar-item', { hasText: `Ln ${line}, Col ${column}` })
    .waitFor({ timeout: STEP_TIMEOUT_MS });
}

// One synchronous look at the editor (so that no layout change, such as the code lens view
// zone appearing, falls between two reads): the rule name's line as plain text with its
// on-screen box (Monaco renders spaces as non-breaking spaces), the information squiggles and the
// code lenses.
function editorSnapshot() {
  return page.evaluate((ruleLine) => {
    const box = (node) => {
      const b = node.getBoundingClientRect();
      return { top: b.top, left: b.left, width: b.width, height: b.height };
    };
    let rule = null;
    for (const node of document.querySelectorAll('.monaco-editor .view-lines .view-line')) {
      const text = node.textContent.replace(/\u00a0/g, ' ');
      if (text === ruleLine) {
        // The line's element is as wide as the editor; its first span is as wide as the text.
        const span = node.firstElementChild || node;
        rule = { text, ...box(span), height: box(node).height };
      }
    }
    return {
      rule,
      squiggles: [...document.querySelectorAll('.monaco-editor .view-overlays .squiggly-info')].map(box),
      lenses: [...document.querySelectorAll('.monaco-editor .codelens-decoration')].map((n) => ({
        text: n.textContent,
        top: box(n).top,
      })),
    };
  }, RULE_LINE);
}

// Opens a workspace file with Quick Open (Ctrl+P) and waits for its tab.
async function quickOpen(name) {
  await page.keyboard.press('Control+P');
  const quickInput = page.locator('.quick-input-widget');
  await page.waitForFunction(
    () => document.activeElement === document.querySelector('.quick-input-widget input'),
    null,
    { timeout: STEP_TIMEOUT_MS },
  );
  await page.keyboard.type(name);
  await quickInput
    .locator(`.monaco-list-row[aria-label*="${name}"]`)
    .first()
    .waitFor({ timeout: STEP_TIMEOUT_MS });
  await page.keyboard.press('Enter');
  await page.locator(`.tabs-container .tab.active[aria-label*="${name}"]`).waitFor({ timeout: STEP_TIMEOUT_MS });
}

async function main() {
  if (!CODE_SERVER) throw new Error('CODE_SERVER is not set; run the test through run.sh');
  if (!VSIX || !fs.existsSync(VSIX)) throw new Error(`no .vsix at ${VSIX}`);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kyverno-vscode-e2e-'));
  const userData = path.join(tmp, 'user-data');
  const extensions = path.join(tmp, 'extensions');
  const workspace = path.join(tmp, 'workspace');
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.mkdirSync(path.join(workspace, 'examples'), { recursive: true });
  fs.writeFileSync(
    path.join(userData, 'User', 'settings.json'),
    JSON.stringify(USER_SETTINGS, null, 2),
  );
  for (const file of [POLICY, MUTATE_POLICY]) {
    fs.copyFileSync(path.join(REPO, 'examples', file), path.join(workspace, 'examples', file));
  }
  log(`vsix ${VSIX}`);
  log(`temporary directory ${tmp}`);

  await check('the .vsix installs into code-server', async () => {
    const res = spawnSync(
      CODE_SERVER,
      ['--user-data-dir', userData, '--extensions-dir', extensions, '--install-extension', VSIX],
      {
        encoding: 'utf8',
        timeout: 120_000,
        env: {
          ...process.env,
          XDG_CONFIG_HOME: path.join(tmp, 'xdg-config'),
          XDG_DATA_HOME: path.join(tmp, 'xdg-data'),
        },
      },
    );
    fs.writeFileSync(path.join(OUT, 'install-extension.log'), `${res.stdout}\n${res.stderr}`);
    if (res.status !== 0) {
      throw new Error(`--install-extension exited ${res.status ?? res.signal}: ${res.stderr}`);
    }
    const installed = fs.readdirSync(extensions).filter((d) => d.startsWith('kyverno-ls.kyverno-ls-'));
    if (installed.length !== 1) throw new Error(`extensions dir holds ${fs.readdirSync(extensions)}`);
    const server = path.join(extensions, installed[0], 'server', 'kyverno-ls');
    fs.accessSync(server, fs.constants.X_OK);
  });

  await check('the workbench opens the policy', async () => {
    const port = await startCodeServer(userData, extensions, workspace);
    browser = await startChromium(path.join(tmp, 'chromium-profile'));
    const context = browser.contexts()[0];
    page = await context.newPage();
    await page.setViewportSize({ width: 1400, height: 900 });
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`, {
      timeout: STEP_TIMEOUT_MS,
    });
    await page.locator('.monaco-workbench .part.statusbar').waitFor({ timeout: STEP_TIMEOUT_MS });
    // The explorer shows the folder once the remote file system answers; only then can quick
    // open find the file.
    await page
      .locator('.explorer-folders-view .monaco-list-row[aria-label="examples"]')
      .waitFor({ timeout: STEP_TIMEOUT_MS });
    await quickOpen(POLICY);
    await page
      .locator('.monaco-editor .view-line', { hasText: 'require-drop-all' })
      .waitFor({ timeout: STEP_TIMEOUT_MS });
  });

  await check('an information squiggle underlines the rule name require-drop-all (line 21)', async () => {
    // Columns 13-29 (1-based) are the 16 characters of the rule name. Both diagnostics have
    // that range, so every squiggle in the editor must sit exactly there.
    const expectedBox = (rule) => {
      const charWidth = rule.width / rule.text.length;
      return { top: rule.top, left: rule.left + 12 * charWidth, width: 16 * charWidth };
    };
    const misplaced = ({ rule, squiggles }) => {
      const expected = expectedBox(rule);
      return squiggles.filter(
        (s) =>
          Math.abs(s.top - expected.top) > 1 ||
          Math.abs(s.left - expected.left) > 1.5 ||
          Math.abs(s.width - expected.width) > 1.5,
      );
    };
    // Polled until it holds: the code lens appearing above the line moves it down.
    const snap = await until(
      editorSnapshot,
      (v) => v.rule && v.squiggles.length > 0 && misplaced(v).length === 0,
    );
    if (!snap.rule) throw new Error(`line 21 (${RULE_LINE.trim()}) is not rendered`);
    if (snap.squiggles.length === 0) throw new Error('no information squiggle in the editor');
    const off = misplaced(snap);
    if (off.length > 0) {
      throw new Error(
        `squiggles at ${JSON.stringify(off)}, expected only ${JSON.stringify(expectedBox(snap.rule))}`,
      );
    }
  });

  await check('the code lens above the rule counts the built-in sample results', async () => {
    const expected = ['\u2713 3 pass \u00b7 \u2717 2 fail \u00b7 \u2298 0 skip (built-in samples)'];
    const texts = (v) => v.lenses.map((l) => l.text);
    // The lens sits in the view zone right above the rule's line; Monaco places the widget
    // there a moment after it first renders it, so the position is polled for as well.
    const aboveRule = (v) => {
      const gap = v.rule.top - v.lenses[0].top;
      return gap > 0 && gap <= 2 * v.rule.height;
    };
    const snap = await until(
      editorSnapshot,
      (v) => v.rule && JSON.stringify(texts(v)) === JSON.stringify(expected) && aboveRule(v),
    );
    assertEqual(texts(snap), expected, 'code lenses in the editor');
    if (!snap.rule) throw new Error(`line 21 (${RULE_LINE.trim()}) is not rendered`);
    if (!aboveRule(snap)) {
      throw new Error(`code lens at y=${snap.lenses[0].top}, not right above line 21 at y=${snap.rule.top}`);
    }
  });

  await check('the Problems panel lists the two rule-fails notes at line 21', async () => {
    await page.keyboard.press('Control+Shift+M');
    await page.locator('.markers-panel').waitFor({ timeout: STEP_TIMEOUT_MS });
    const marker = (message) => ({
      kind: 'marker',
      severity: 'info',
      message,
      source: 'kyverno-ls',
      code: 'rule-fails',
      position: '[Ln 21, Col 13]',
    });
    const related = {
      kind: 'related',
      file: POLICY,
      position: '[Ln 36, Col 13]',
      message: 'the part of the rule that failed',
    };
    const expected = [
      { kind: 'file', label: `2 problems in file ${POLICY} of folder examples` },
      marker(EXPECTED_MESSAGES[0]),
      related,
      marker(EXPECTED_MESSAGES[1]),
      related,
    ];
    const rows = await until(readProblems, (v) => JSON.stringify(v) === JSON.stringify(expected));
    fs.writeFileSync(path.join(OUT, 'problems.json'), JSON.stringify(rows, null, 2));
    assertEqual(rows, expected, 'Problems panel rows');
  });

  await check('hovering the precondition key shows its value for the sample', async () => {
    // Go to line 29, inside `request`, and ask for the hover from the keyboard
    // (editor.action.showHover) so that no mouse position has to be computed.
    await goTo(29, 25);
    await page.keyboard.press('Control+K');
    await page.keyboard.press('Control+I');
    const hover = page.locator('.monaco-editor .monaco-hover:not(.hidden) .hover-contents');
    await hover.first().waitFor({ timeout: STEP_TIMEOUT_MS });
    const read = () =>
      hover.evaluateAll((nodes) =>
        nodes.map((n) => ({
          text: n.innerText,
          // Inline code (the sample's name) and the fenced ```json block, which the
          // hover renders with the editor's tokenizer.
          inlineCode: [...n.querySelectorAll('p code')].map((c) => c.textContent),
          codeBlocks: [...n.querySelectorAll('[data-code]')].map((c) => c.textContent),
        })),
      );
    const expected = [
      {
        text: 'Pod hello-world (built-in sample)\n\n"CREATE"',
        inlineCode: ['Pod hello-world'],
        codeBlocks: ['"CREATE"'],
      },
    ];
    const contents = await until(read, (v) => JSON.stringify(v) === JSON.stringify(expected));
    fs.writeFileSync(path.join(OUT, 'hover.html'), await hover.first().innerHTML());
    assertEqual(contents, expected, 'hover contents');
  });

  await check(`the screenshot is saved to ${path.relative(REPO, SCREENSHOT)}`, async () => {
    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    // The editor's scrollbar fades out (a CSS transition) a moment after the jump to line 29;
    // waiting for the end of the fade keeps the screenshot the same from run to run.
    await page.waitForFunction(
      () => {
        const bars = document.querySelectorAll(
          '.monaco-editor .monaco-scrollable-element.editor-scrollable > .scrollbar.vertical',
        );
        return bars.length > 0 && [...bars].every((bar) => getComputedStyle(bar).opacity === '0');
      },
      null,
      { timeout: STEP_TIMEOUT_MS },
    );
    await page.screenshot({ path: SCREENSHOT, timeout: 30_000 });
    const png = fs.readFileSync(SCREENSHOT);
    // PNG signature and the IHDR width and height: the whole 1400x900 page.
    assertEqual(png.subarray(1, 4).toString(), 'PNG', 'screenshot format');
    assertEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [1400, 900], 'screenshot size');
  });

  await check('inlay hints give the templates\' values for the sample', async () => {
    const source = fs.readFileSync(path.join(workspace, 'examples', POLICY), 'utf8').split('\n');
    // Line 29 (the precondition key) is on screen after the hover; line 41 (the foreach
    // condition's value) is revealed first.
    const expectHints = async (lineNumber, hints) => {
      await goTo(lineNumber, 1);
      const read = async () => {
        const rendered = await renderedLines();
        const line = rendered.find((l) => l.source === source[lineNumber - 1]);
        return line ? { hints: line.hints, gap: line.gap } : { hints: null, gap: null };
      };
      const got = await until(read, (v) => JSON.stringify(v.hints) === JSON.stringify(hints));
      assertEqual(got.hints, hints, `inlay hints on line ${lineNumber}`);
      // paddingLeft: the hint keeps a space's distance from the template's closing quote.
      if (!(got.gap > 0)) throw new Error(`no padding before the hint on line ${lineNumber} (gap ${got.gap})`);
    };
    await expectHints(29, ['= "CREATE"']);
    await expectHints(41, ['= []']);
  });

  await check('the mutate rule\'s lens opens the mutated Pod against the original', async () => {
    await quickOpen(MUTATE_POLICY);
    const lensTitle = '\u270e mutates 1 of 2 samples';
    const lens = page.locator('.monaco-editor .codelens-decoration a', { hasText: lensTitle });
    await lens.first().waitFor({ timeout: STEP_TIMEOUT_MS });
    await lens.first().click();
    const tab = page.locator('.tabs-container .tab.active', { hasText: 'Pod unlabelled: before' });
    await tab.waitFor({ timeout: STEP_TIMEOUT_MS });
    // The modified side has the label the rule adds; the original side has no labels.
    const side = (which) =>
      page.$$eval(`.monaco-diff-editor .editor.${which} .view-line`, (nodes) =>
        nodes.map((n) => n.textContent.replace(/\u00a0/g, ' ')).filter((l) => l.trim() !== ''),
      );
    const modified = await until(() => side('modified'), (v) => v.includes('    team: platform'));
    if (!modified.includes('    team: platform')) {
      throw new Error(`the mutated side shows ${JSON.stringify(modified)}`);
    }
    const original = await side('original');
    if (original.some((l) => l.includes('team'))) {
      throw new Error(`the original side shows ${JSON.stringify(original)}`);
    }
    await page.screenshot({ path: MUTATION_SCREENSHOT, timeout: 30_000 });
    const png = fs.readFileSync(MUTATION_SCREENSHOT);
    assertEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [1400, 900], 'mutation screenshot size');
  });
}

let exitCode = 1;
try {
  await main();
  exitCode = results.failed === 0 && results.passed > 0 ? 0 : 1;
} catch (err) {
  results.failed += 1;
  log(`setup failed: ${err && err.stack ? err.stack : err}`);
  await failureScreenshot('setup');
} finally {
  clearTimeout(hangGuard);
  await cleanup();
}
console.log(`${results.passed} passed, ${results.failed} failed`);
logFile.end();
process.exit(exitCode);
