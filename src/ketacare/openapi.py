"""Write or check the committed OpenAPI schema (docs/openapi.json).

`python -m ketacare.openapi --check` fails when the API changed without the schema being
committed, so API changes are always reviewed as a diff.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def current_schema() -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ketacare.settings")
    import django

    django.setup()
    from ketacare.api import api

    return json.dumps(api.get_openapi_schema(path_prefix="/api/"), indent=2, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    schema = current_schema()
    if "--write" in argv:
        SCHEMA_PATH.parent.mkdir(parents=True, exist_ok=True)
        SCHEMA_PATH.write_text(schema)
        return 0
    if not SCHEMA_PATH.exists() or SCHEMA_PATH.read_text() != schema:
        sys.stderr.write("docs/openapi.json is out of date: run `make openapi` and commit it.\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
