#!/usr/bin/env python3
"""Evaluates CEL expressions with Google's cel-cpp (PyPI's cel-expr-python), each with one
JSON document bound as `object`.

Reads JSON lines {"expr": ..., "object": ...} on standard input and prints one line per input:
`true`, `false`, or `error: <message>` (a non-boolean result prints its type). Numbers of the
document are doubles, as `kyverno test` hands resources to CEL. Exit status 3 means
cel-expr-python is not installed.

tests/migrate.rs runs it to check migrated expressions against the oracle.
"""
import json
import sys


def literal(v):
    """A JSON value as a CEL literal."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(float(v))
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(literal(x) for x in v) + "]"
    return "{" + ", ".join(json.dumps(k) + ": " + literal(x) for k, x in v.items()) + "}"


def main():
    try:
        from cel_expr_python import cel
        from cel_expr_python.ext import ext_bindings, ext_optional, ext_strings
    except ImportError:
        sys.exit(3)
    env = cel.NewEnv(extensions=[
        ext_bindings.ExtBindings(),
        ext_optional.ExtOptional(),
        ext_strings.ExtStrings(version=2),
    ])
    for line in sys.stdin:
        case = json.loads(line)
        source = f"cel.bind(object, {literal(case['object'])}, {case['expr']})"
        try:
            result = env.compile(source, disable_check=True).eval()
        except Exception as e:  # a syntax error, or an error raised while evaluating
            print("error: " + str(e).splitlines()[0])
            continue
        kind = result.type().name()
        if kind == "BOOL":
            print("true" if result.value() else "false")
        elif kind == "ERROR":
            print("error: " + str(result).splitlines()[0])
        else:
            print("not a bool: " + kind)


if __name__ == "__main__":
    main()
