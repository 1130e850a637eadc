"""The README's spec reference names every field of every spec model, so it cannot drift."""

from __future__ import annotations

import re

from pydantic import BaseModel

from aidc.spec import models
from tests.conftest import REPO


def spec_models() -> list[type[BaseModel]]:
    return [
        obj
        for obj in vars(models).values()
        if isinstance(obj, type)
        and issubclass(obj, BaseModel)
        and obj.__module__ == models.__name__
        and not obj.__name__.startswith("_")
    ]


def test_every_field_is_documented() -> None:
    readme = (REPO / "README.md").read_text()
    section = readme.split("## The cluster spec", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`([a-z_][a-z0-9_]*)", section)) | set(
        re.findall(r"\.([a-z_][a-z0-9_]*)", section)
    )
    missing = sorted(
        f"{model.__name__}.{name}"
        for model in spec_models()
        for name in model.model_fields
        if name not in documented
    )
    assert missing == []
