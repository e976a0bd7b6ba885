"""Validates an SPDX 3.0.1 JSON-LD file with spdx3-validate (JSON schema and
SHACL), offline: the schema, SHACL model and JSON-LD context that
spdx3-validate would download from spdx.org are served from the copies in
tests/fixtures/spdx3/ (from the spdx/spdx-spec repository's published
v3.0.1/rdf/ files), since CI reaches only package registries.

Usage: python validate_spdx3.py FILE.spdx3.json
"""

import email.message
import io
import pathlib
import sys
import urllib.error
import urllib.request
import urllib.response

FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "spdx3"
LOCAL = {
    "https://spdx.org/rdf/3.0.1/spdx-context.jsonld": FIXTURES / "spdx-context.jsonld",
    "https://spdx.org/rdf/3.0.1/spdx-model.ttl": FIXTURES / "spdx-model.ttl",
    "https://spdx.org/schema/3.0.1/spdx-json-schema.json": FIXTURES / "spdx-json-schema.json",
}


class Local(urllib.request.BaseHandler):
    """Answers the known spdx.org URLs from disk; refuses any other."""

    handler_order = 100  # before the network handlers

    def _open(self, req):
        url = req.full_url
        path = LOCAL.get(url)
        if path is None:
            raise urllib.error.URLError(f"offline validation: no local copy of {url}")
        headers = email.message.Message()
        headers["Content-Type"] = {
            ".ttl": "text/turtle",
            ".jsonld": "application/ld+json",
        }.get(path.suffix, "application/json")
        response = urllib.response.addinfourl(io.BytesIO(path.read_bytes()), headers, url, 200)
        response.msg = "OK"
        return response

    https_open = _open
    http_open = _open


urllib.request.install_opener(urllib.request.build_opener(Local()))

from spdx3_validate.main import main  # noqa: E402

sys.exit(main(["--quiet", "--spdx-version", "3.0.1", "--json", sys.argv[1]]))
