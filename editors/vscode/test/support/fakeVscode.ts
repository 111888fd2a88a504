// A `vscode` module in which every property exists and every call does nothing, just enough
// for vscode-languageclient to build a client and compute the capabilities it would send.
// Only the protocol test uses it, through esbuild's alias.

function stub(): unknown {
  const fn = function () {
    return stub();
  };
  return new Proxy(fn, {
    get(_t, p) {
      if (p === 'version') {
        return '1.91.0';
      }
      if (p === 'then' || p === 'toJSON') {
        return undefined;
      }
      if (p === Symbol.toPrimitive) {
        return () => 0;
      }
      if (p === Symbol.iterator) {
        return function* () {};
      }
      if (p === 'prototype') {
        return Object.prototype;
      }
      return stub();
    },
    construct: () => stub() as object,
    apply: () => stub(),
  });
}

module.exports = stub();
