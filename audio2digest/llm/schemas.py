"""The JSON shapes asked of the model, and a validator for exactly those shapes.

The schemas are sent as ``response_format`` (servers that support it constrain decoding to
them); the answer is validated here all the same, since servers differ in how strictly they
enforce them. Only the JSON-Schema subset used below is understood: object with
``properties``/``required``, string with ``maxLength``, array of strings with
``minItems``/``maxItems``.
"""

from __future__ import annotations

import json
from typing import Any

# Field lengths in characters, generous for Chinese (a seed digest's 概要 is 100-150 characters,
# its headlines 8-20) and for English (about 3x the characters for the same content).
TITLE_MAX = 80
SUMMARY_MAX = 400
POINT_MAX = 300
MAX_POINTS = 6

_S = {"type": "string"}


def _str(n: int) -> dict:
    return {"type": "string", "maxLength": n}


ITEM_FIELDS = ("title", "summary", "details", "what", "why", "impact", "advice")

ITEM_SCHEMA: dict = {
    "type": "object",
    "properties": {
        "title": _str(TITLE_MAX),
        "summary": _str(SUMMARY_MAX),
        "details": {"type": "array", "items": _str(POINT_MAX), "minItems": 1, "maxItems": MAX_POINTS},
        "what": _str(POINT_MAX),
        "why": _str(POINT_MAX),
        "impact": _str(POINT_MAX),
        "advice": _str(POINT_MAX),
    },
    "required": list(ITEM_FIELDS),
    "additionalProperties": False,
}

EPISODE_SCHEMA: dict = {
    "type": "object",
    "properties": {
        "summary": _str(SUMMARY_MAX),
        "trends": {"type": "array", "items": _str(POINT_MAX), "minItems": 0, "maxItems": MAX_POINTS},
    },
    "required": ["summary", "trends"],
    "additionalProperties": False,
}


class SchemaError(ValueError):
    """An answer is not JSON, or not of the asked shape."""


def _check(value: Any, schema: dict, where: str, problems: list[str]) -> None:
    kind = schema.get("type")
    if kind == "string":
        if not isinstance(value, str):
            problems.append(f"{where}: expected text, got {type(value).__name__}")
        elif "maxLength" in schema and len(value) > schema["maxLength"]:
            problems.append(f"{where}: {len(value)} characters, at most {schema['maxLength']}")
    elif kind == "array":
        if not isinstance(value, list):
            problems.append(f"{where}: expected a list, got {type(value).__name__}")
            return
        if len(value) < schema.get("minItems", 0):
            problems.append(f"{where}: {len(value)} entries, at least {schema['minItems']}")
        if len(value) > schema.get("maxItems", len(value)):
            problems.append(f"{where}: {len(value)} entries, at most {schema['maxItems']}")
        for i, v in enumerate(value):
            _check(v, schema.get("items", {}), f"{where}[{i}]", problems)
    elif kind == "object":
        if not isinstance(value, dict):
            problems.append(f"{where}: expected an object, got {type(value).__name__}")
            return
        for key in schema.get("required", ()):
            if key not in value:
                problems.append(f"{where}.{key}: missing")
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                _check(value[key], sub, f"{where}.{key}", problems)


def parse_answer(content: str, schema: dict) -> dict:
    """The answer as a dict of the schema's fields (unknown keys dropped, text stripped).

    Raises :class:`SchemaError` naming every problem. A JSON object wrapped in a Markdown
    code fence (some models add one despite the response format) is accepted."""
    text = (content or "").strip()
    if text.startswith("```"):
        text = text.strip("`")
        text = text[text.find("{") :] if "{" in text else text
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise SchemaError(f"not JSON ({exc})") from None
    problems: list[str] = []
    _check(data, schema, "answer", problems)
    if problems:
        raise SchemaError("; ".join(problems[:5]))
    out: dict = {}
    for key in schema.get("properties", {}):
        v = data.get(key)
        if isinstance(v, str):
            v = v.strip()
        elif isinstance(v, list):
            v = [s.strip() for s in v if isinstance(s, str) and s.strip()]
        out[key] = v
    return out
