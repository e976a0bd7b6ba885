#!/usr/bin/env python3
"""Validates CycloneDX JSON files against the official 1.6 schema.

Uses cyclonedx-python-lib's bundled schema (`pip install
'cyclonedx-python-lib[json-validation]'`), the validator SBOM tools rely on.
Exit 0 when every file is valid, 1 otherwise (errors on stderr).
"""

import sys

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator


def main(paths: list[str]) -> int:
    if not paths:
        print("usage: validate_cyclonedx.py BOM.json...", file=sys.stderr)
        return 2
    validator = JsonStrictValidator(SchemaVersion.V1_6)
    failed = 0
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        error = validator.validate_str(text)
        if error is None:
            print(f"{path}: valid CycloneDX 1.6")
        else:
            failed += 1
            # The library's message embeds the whole schema; name the rule and the place.
            detail = getattr(error, "data", None)
            message = getattr(detail, "message", None) or str(error).splitlines()[0]
            where = "/".join(str(p) for p in getattr(detail, "absolute_path", []))
            print(f"{path}: INVALID at /{where}: {message}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
