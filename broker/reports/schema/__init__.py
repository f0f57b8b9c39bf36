"""JSON Schemas (draft 2020-12) of the three report documents, published beside them."""
from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).parent


def load(series: str) -> dict:
    return json.loads((HERE / f"{series}.schema.json").read_text(encoding="utf-8"))
