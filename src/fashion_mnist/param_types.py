"""Pydantic types the pipelines' parameter models share."""

from __future__ import annotations

from typing import Annotated, TypeVar

from pydantic import AfterValidator

T = TypeVar("T")


def _distinct(values: list) -> list:
    if len(set(values)) != len(values):
        raise ValueError(f"each value may appear once, found {values}")
    return values


# A list in which each value appears once (a repeated batch size or
# architecture would be timed or trained twice and counted as two).
Distinct = Annotated[list[T], AfterValidator(_distinct)]
