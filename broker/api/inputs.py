"""The broker's request-body base: StrictInput, plus no NUL character in any text (PostgreSQL
refuses it in a text column; it is never meaningful in these fields)."""
from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from broker.api.schemas import StrictInput

Id = Annotated[int, Field(ge=1, le=2**31 - 1)]


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_has_nul(v) for v in value)
    return False


class BrokerInput(StrictInput):
    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data):
        if _has_nul(data):
            raise ValueError("text may not contain the NUL character")
        return data
