#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Validate one JSON object against a JSON Schema (draft 2020-12).

Usage: validate.py SCHEMA [FILE|-]

Reads FILE, or standard input when FILE is "-" or absent.  Prints "ok" and
exits 0 when the object validates; prints one "PATH: MESSAGE" line per error
and exits 1 when it does not; exits 2 when the schema or the input cannot be
read or is not JSON (the message goes to standard error).

Needs python3-jsonschema (Debian 12: run it with /usr/bin/python3).
"""

import json
import sys

try:
    import jsonschema
except ImportError:  # pragma: no cover - environment problem
    sys.stderr.write("validate.py: python3-jsonschema is not installed "
                     "(run with /usr/bin/python3 on Debian)\n")
    sys.exit(2)


def json_path(path):
    """Render a jsonschema error path as $.a.b[0].c (JSONPath style)."""
    out = "$"
    for part in path:
        if isinstance(part, int):
            out += "[%d]" % part
        else:
            out += "." + str(part)
    return out


def load_schema(path):
    """Load and check a schema; raises OSError/ValueError/SchemaError."""
    with open(path, "rb") as f:
        schema = json.loads(f.read().decode("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def validator_for(schema):
    return jsonschema.Draft202012Validator(schema)


def leaf_errors(error):
    """The most specific errors under one error (descend anyOf/oneOf)."""
    if not error.context:
        return [error]
    out = []
    for sub in error.context:
        out.extend(leaf_errors(sub))
    return out


def errors(validator, instance):
    """Sorted list of (path, message) for every error, most specific."""
    found = []
    for err in validator.iter_errors(instance):
        for leaf in leaf_errors(err):
            found.append((json_path(leaf.absolute_path), leaf.message))
    return sorted(set(found))


def main(argv):
    if len(argv) not in (2, 3):
        sys.stderr.write("usage: validate.py SCHEMA [FILE|-]\n")
        return 2
    try:
        schema = load_schema(argv[1])
    except (OSError, ValueError) as e:
        sys.stderr.write("validate.py: cannot read schema %s: %s\n"
                         % (argv[1], e))
        return 2
    except jsonschema.exceptions.SchemaError as e:
        sys.stderr.write("validate.py: invalid schema %s: %s\n"
                         % (argv[1], e.message))
        return 2
    name = argv[2] if len(argv) == 3 else "-"
    try:
        if name == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(name, "rb") as f:
                data = f.read()
        instance = json.loads(data.decode("utf-8"))
    except (OSError, ValueError) as e:
        sys.stderr.write("validate.py: cannot read %s: %s\n"
                         % ("standard input" if name == "-" else name, e))
        return 2
    found = errors(validator_for(schema), instance)
    if not found:
        print("ok")
        return 0
    for path, message in found:
        print("%s: %s" % (path, message))
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
