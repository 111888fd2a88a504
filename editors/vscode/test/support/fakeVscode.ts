// A `vscode` module in which every property exists and every call does nothing, for code that
// needs VS Code outside it: vscode-languageclient computing its capabilities, and the
// extension's activation. A test replaces members by their dotted path (`window.showErrorMessage`)
// through `overrides`. The tests reach it through esbuild's alias.

const overrides: Record<string, unknown> = {};

function stub(at: string): unknown {
  const fn = function () {
    return stub(`${at}()`);
  };
  return new Proxy(fn, {
    get(_t, p) {
      if (typeof p === 'symbol') {
        if (p === Symbol.toPrimitive) {
          return () => 0;
        }
        if (p === Symbol.iterator) {
          return function* () {};
        }
        return undefined;
      }
      const full = at === '' ? p : `${at}.${p}`;
      if (Object.prototype.hasOwnProperty.call(overrides, full)) {
        return overrides[full];
      }
      if (p === 'version') {
        return '1.91.0';
      }
      if (p === 'then' || p === 'toJSON') {
        return undefined;
      }
      if (p === 'prototype') {
        return Object.prototype;
      }
      return stub(full);
    },
    construct: () => stub(`new ${at}`) as object,
    apply: () => stub(`${at}()`),
  });
}

// `__esModule` makes tsc's importStar (vscode-languageclient) use the module as is; esbuild's
// `import * as vscode` copies own properties, so the namespaces are listed.
const NAMESPACES = ['commands', 'env', 'extensions', 'languages', 'window', 'workspace', 'Uri', 'ProgressLocation', 'version'];

const root = stub('') as Record<string | symbol, unknown>;
/** The module; `overrides` is reachable as `__overrides` for the tests. */
module.exports = new Proxy(
  {},
  {
    get: (_t, p) => (p === '__overrides' ? overrides : p === '__esModule' ? true : root[p]),
    ownKeys: () => NAMESPACES,
    getOwnPropertyDescriptor: (_t, p) =>
      typeof p === 'string' && NAMESPACES.includes(p)
        ? { configurable: true, enumerable: true, value: root[p] }
        : undefined,
  },
);
