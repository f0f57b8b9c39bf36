"""Where the verifier reads a published series: a running Parity (``HttpSource``) or a folder
it downloaded (``FolderSource``). Both give the same lists and bytes."""
from __future__ import annotations

import json
import urllib.parse
import urllib.request
from pathlib import Path


class SourceError(Exception):
    pass


class HttpSource:
    """A running Parity: /api/v1/reports, /api/v1/rounds, /.well-known/jwks.json."""

    def __init__(self, base: str, opener=None):
        self.base = base.rstrip("/") + "/"
        self._get = opener or self._urlopen

    @staticmethod
    def _urlopen(url: str) -> bytes:
        try:
            with urllib.request.urlopen(url, timeout=60) as r:
                return r.read()
        except OSError as e:
            raise SourceError(f"cannot fetch {url}: {e}") from None

    def bytes(self, link: str) -> bytes:
        return self._get(urllib.parse.urljoin(self.base, link))

    def _pages(self, path: str, **params) -> list[dict]:
        items, cursor = [], None
        while True:
            q = {"limit": 200, **params, **({"cursor": cursor} if cursor else {})}
            page = json.loads(self.bytes(f"{path}?{urllib.parse.urlencode(q)}"))
            items += page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return items

    def reports(self) -> list[dict]:
        return self._pages("api/v1/reports")

    def rounds(self) -> list[dict]:
        return self._pages("api/v1/rounds")

    def jwks(self) -> dict:
        return json.loads(self.bytes(".well-known/jwks.json"))

    def orgs(self) -> list[dict]:
        return self._pages("api/v1/orgs", kind="developer")


class FolderSource:
    """A downloaded series: jwks.json, reports.json, rounds.json and the files they link."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def bytes(self, link: str) -> bytes:
        path = (self.folder / link).resolve()
        if self.folder.resolve() not in path.parents:
            raise SourceError(f"link {link!r} points outside {self.folder}")
        try:
            return path.read_bytes()
        except OSError as e:
            raise SourceError(f"cannot read {path}: {e}") from None

    def _index(self, name: str) -> list[dict]:
        return json.loads(self.bytes(name))["items"]

    def reports(self) -> list[dict]:
        return self._index("reports.json")

    def rounds(self) -> list[dict]:
        return self._index("rounds.json")

    def jwks(self) -> dict:
        return json.loads(self.bytes("jwks.json"))

    def orgs(self) -> list[dict] | None:
        """The public developer directory, or None in a folder downloaded before it was saved."""
        if not (self.folder / "orgs.json").exists():
            return None
        return self._index("orgs.json")


def source_for(where: str):
    if where.startswith(("http://", "https://")):
        return HttpSource(where)
    return FolderSource(where)


def engine_missing(e: ImportError) -> str:
    """What both commands say when the engine extra is not installed."""
    return (f"ERROR: replaying the rounds needs the engine ({e.name} is missing): "
            "pip install 'parity[engine]', or pass --no-replay")
