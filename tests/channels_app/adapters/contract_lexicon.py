"""A small AT Protocol lexicon validator for the Bluesky adapter's tests.

Lexicons are not JSON Schema, so this walks them directly: `ref` ("#def", "nsid#def", "nsid"),
`union` (by `$type`), `object`, `array`, `string` (maxLength in UTF-8 bytes, maxGraphemes, enum,
const and the formats below), `integer`, `boolean`, `blob`, `cid-link`, `bytes`, `unknown`, and
the `params` / `input` / `output` of queries and procedures.

`strict=True` (what we *send*: records, params, input bodies) also refuses properties the lexicon
does not define, so a misspelt field fails. Recorded *responses* are checked with `strict=False`,
because servers may add fields (lexicons evolve by addition).

The lexicons are read from the shared specs through `spec_path`, never copied into the project.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from typing import Any

import regex

from tests.channels_app.adapters.specfiles import spec_path

_FORMATS: dict[str, re.Pattern[str]] = {
    "datetime": re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"),
    "did": re.compile(r"^did:[a-z]+:[a-zA-Z0-9._:%-]*[a-zA-Z0-9._-]$"),
    "handle": re.compile(
        r"^([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$"
    ),
    "at-uri": re.compile(
        r"^at://[a-zA-Z0-9._:%-]+(/[a-zA-Z0-9.-]+(/[a-zA-Z0-9._~:@!$&')(*+,;=-]+)?)?$"
    ),
    "nsid": re.compile(
        r"^[a-zA-Z]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)+$"
    ),
    "cid": re.compile(r"^[a-zA-Z0-9+=]{8,256}$"),
    "uri": re.compile(r"^[a-z][a-z0-9+.-]*:\S+$"),
    "language": re.compile(r"^([a-zA-Z]{2,3}|i|x)(-[a-zA-Z0-9]{1,8})*$"),
    "record-key": re.compile(r"^[a-zA-Z0-9_~.:-]{1,512}$"),
    "tid": re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$"),
}


class LexiconError(AssertionError):
    """The value does not match the lexicon; `problems` lists every mismatch with its path."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@functools.cache
def lexicons() -> dict[str, dict[str, Any]]:
    """Every lexicon document in the shared specs, by NSID (loaded once per test session)."""
    root = spec_path("bluesky-lexicons")
    docs: dict[str, dict[str, Any]] = {}
    for path in root.rglob("*.json"):
        doc = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(doc, dict) and "id" in doc:
            docs[doc["id"]] = doc
    return docs


def _resolve(ref: str, context: str) -> tuple[dict[str, Any], str]:
    """The definition a ref names, and the NSID it lives in (the new context for "#x" refs)."""
    nsid, _, name = ref.partition("#")
    nsid = nsid or context
    name = name or "main"
    doc = lexicons().get(nsid)
    if doc is None or name not in doc["defs"]:
        raise LexiconError([f"unknown lexicon ref {ref!r} (from {context})"])
    schema = doc["defs"][name]
    if schema.get("type") == "record":
        schema = schema["record"]
    return schema, nsid


def _full_type(type_name: str) -> str:
    return type_name if "#" in type_name else f"{type_name}#main"


class _Checker:
    def __init__(self, *, strict: bool) -> None:
        self.strict = strict
        self.problems: list[str] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append(f"{path or '$'}: {message}")

    def check(self, schema: Mapping[str, Any], value: Any, path: str, context: str) -> None:
        kind = schema.get("type")
        handler = getattr(self, f"_check_{str(kind).replace('-', '_')}", None)
        if handler is None:
            self.fail(path, f"cannot check lexicon type {kind!r}")
            return
        handler(schema, value, path, context)

    def _check_ref(self, schema: Mapping[str, Any], value: Any, path: str, context: str) -> None:
        target, nsid = _resolve(schema["ref"], context)
        self.check(target, value, path, nsid)

    def _check_union(self, schema: Mapping[str, Any], value: Any, path: str, context: str) -> None:
        if not isinstance(value, dict) or not isinstance(value.get("$type"), str):
            self.fail(path, "a union member must be an object with a $type")
            return
        wanted = _full_type(value["$type"])
        allowed = {
            _full_type(ref if not ref.startswith("#") else f"{context}{ref}")
            for ref in schema.get("refs", [])
        }
        if wanted not in allowed:
            if schema.get("closed") or self.strict:
                self.fail(path, f"$type {value['$type']!r} is not one of {sorted(allowed)}")
                return
            nsid = wanted.partition("#")[0]
            if nsid not in lexicons():
                return  # an open union may carry types we do not know
        target, nsid = _resolve(wanted, context)
        self.check(target, value, path, nsid)

    def _check_object(self, schema: Mapping[str, Any], value: Any, path: str, context: str) -> None:
        if not isinstance(value, dict):
            self.fail(path, f"expected an object, got {type(value).__name__}")
            return
        props: Mapping[str, Any] = schema.get("properties", {})
        nullable = set(schema.get("nullable", []))
        for name in schema.get("required", []):
            if name not in value:
                self.fail(f"{path}.{name}", "is required")
        for name, item in value.items():
            if name == "$type":
                continue
            if name not in props:
                if self.strict:
                    self.fail(f"{path}.{name}", "is not defined by the lexicon")
                continue
            if item is None:
                if name not in nullable:
                    self.fail(f"{path}.{name}", "may not be null")
                continue
            self.check(props[name], item, f"{path}.{name}", context)

    def _check_array(self, schema: Mapping[str, Any], value: Any, path: str, context: str) -> None:
        if not isinstance(value, list):
            self.fail(path, f"expected an array, got {type(value).__name__}")
            return
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            self.fail(path, f"has {len(value)} items, at most {schema['maxLength']} allowed")
        if "minLength" in schema and len(value) < schema["minLength"]:
            self.fail(path, f"has {len(value)} items, at least {schema['minLength']} required")
        for index, item in enumerate(value):
            self.check(schema["items"], item, f"{path}[{index}]", context)

    def _check_string(self, schema: Mapping[str, Any], value: Any, path: str, context: str) -> None:
        if not isinstance(value, str):
            self.fail(path, f"expected a string, got {type(value).__name__}")
            return
        size = len(value.encode("utf-8"))
        if "maxLength" in schema and size > schema["maxLength"]:
            self.fail(path, f"is {size} UTF-8 bytes, at most {schema['maxLength']}")
        if "minLength" in schema and size < schema["minLength"]:
            self.fail(path, f"is {size} UTF-8 bytes, at least {schema['minLength']}")
        if "maxGraphemes" in schema or "minGraphemes" in schema:
            graphemes = len(regex.findall(r"\X", value))
            if graphemes > schema.get("maxGraphemes", graphemes):
                self.fail(path, f"is {graphemes} graphemes, at most {schema['maxGraphemes']}")
            if graphemes < schema.get("minGraphemes", 0):
                self.fail(path, f"is {graphemes} graphemes, at least {schema['minGraphemes']}")
        if "enum" in schema and value not in schema["enum"]:
            self.fail(path, f"{value!r} is not one of {schema['enum']}")
        if "const" in schema and value != schema["const"]:
            self.fail(path, f"must be {schema['const']!r}")
        fmt = schema.get("format")
        if fmt == "at-identifier":
            if not (_FORMATS["did"].match(value) or _FORMATS["handle"].match(value)):
                self.fail(path, f"{value!r} is neither a DID nor a handle")
        elif fmt in _FORMATS and not _FORMATS[fmt].match(value):
            self.fail(path, f"{value!r} is not a valid {fmt}")

    def _check_integer(
        self, schema: Mapping[str, Any], value: Any, path: str, context: str
    ) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(path, f"expected an integer, got {type(value).__name__}")
            return
        if "minimum" in schema and value < schema["minimum"]:
            self.fail(path, f"{value} is below the minimum {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            self.fail(path, f"{value} is above the maximum {schema['maximum']}")
        if "enum" in schema and value not in schema["enum"]:
            self.fail(path, f"{value} is not one of {schema['enum']}")

    def _check_boolean(
        self, schema: Mapping[str, Any], value: Any, path: str, context: str
    ) -> None:
        if not isinstance(value, bool):
            self.fail(path, f"expected a boolean, got {type(value).__name__}")

    def _check_unknown(
        self, schema: Mapping[str, Any], value: Any, path: str, context: str
    ) -> None:
        if not isinstance(value, dict):
            self.fail(path, "an 'unknown' value must be an object")

    def _check_cid_link(
        self, schema: Mapping[str, Any], value: Any, path: str, context: str
    ) -> None:
        if not (isinstance(value, dict) and set(value) == {"$link"}):
            self.fail(path, 'a cid-link must be {"$link": cid}')
        elif not _FORMATS["cid"].match(str(value["$link"])):
            self.fail(path, f"{value['$link']!r} is not a CID")

    def _check_bytes(self, schema: Mapping[str, Any], value: Any, path: str, context: str) -> None:
        if not (isinstance(value, dict) and isinstance(value.get("$bytes"), str)):
            self.fail(path, 'bytes must be {"$bytes": base64}')

    def _check_blob(self, schema: Mapping[str, Any], value: Any, path: str, context: str) -> None:
        if not isinstance(value, dict) or value.get("$type") != "blob":
            self.fail(path, 'a blob must be an object with "$type": "blob"')
            return
        self._check_cid_link({}, value.get("ref"), f"{path}.ref", context)
        mime = value.get("mimeType")
        size = value.get("size")
        if not isinstance(mime, str):
            self.fail(f"{path}.mimeType", "is required")
        elif (accept := schema.get("accept")) and not any(
            pattern == "*/*"
            or pattern == mime
            or (pattern.endswith("/*") and mime.startswith(pattern[:-1]))
            for pattern in accept
        ):
            self.fail(f"{path}.mimeType", f"{mime!r} is not accepted ({accept})")
        if isinstance(size, bool) or not isinstance(size, int):
            self.fail(f"{path}.size", "must be an integer")
        elif "maxSize" in schema and size > schema["maxSize"]:
            self.fail(f"{path}.size", f"{size} bytes, at most {schema['maxSize']}")
        for extra in set(value) - {"$type", "ref", "mimeType", "size"}:
            self.fail(f"{path}.{extra}", "is not part of a blob")


def _main(nsid: str) -> dict[str, Any]:
    doc = lexicons().get(nsid)
    if doc is None:
        raise LexiconError([f"no lexicon {nsid!r}"])
    return doc["defs"]["main"]


def _raise(checker: _Checker) -> None:
    if checker.problems:
        raise LexiconError(checker.problems)


def validate_record(value: Mapping[str, Any], *, nsid: str | None = None) -> None:
    """Check a record we write (strict). `nsid` defaults to the record's own `$type`."""
    nsid = nsid or str(value.get("$type", ""))
    main = _main(nsid)
    if main.get("type") != "record":
        raise LexiconError([f"{nsid} is not a record type"])
    checker = _Checker(strict=True)
    if value.get("$type") != nsid:
        checker.fail("$.$type", f"must be {nsid!r}")
    checker.check(main["record"], dict(value), "$", nsid)
    _raise(checker)


def validate_params(nsid: str, params: Mapping[str, Any]) -> None:
    """Check query parameters as sent (values are strings or lists of strings), strictly."""
    main = _main(nsid)
    schema = main.get("parameters") or {"properties": {}}
    props: Mapping[str, Any] = schema.get("properties", {})
    checker = _Checker(strict=True)
    for name in schema.get("required", []):
        if name not in params:
            checker.fail(name, "is a required parameter")
    for name, raw in params.items():
        if name not in props:
            checker.fail(name, "is not a parameter of this method")
            continue
        prop = props[name]
        values = raw if isinstance(raw, list) else [raw]
        if prop["type"] == "array":
            checker.check(prop, [_coerce(prop["items"], v) for v in values], name, nsid)
        elif len(values) != 1:
            checker.fail(name, "is not an array parameter but was sent more than once")
        else:
            checker.check(prop, _coerce(prop, values[0]), name, nsid)
    _raise(checker)


def _coerce(schema: Mapping[str, Any], value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if schema.get("type") == "integer" and re.fullmatch(r"-?\d+", value):
        return int(value)
    if schema.get("type") == "boolean" and value in {"true", "false"}:
        return value == "true"
    return value


def validate_input(nsid: str, body: Any) -> None:
    """Check a procedure's JSON input body as we send it (strict)."""
    schema = (_main(nsid).get("input") or {}).get("schema")
    if schema is None:
        raise LexiconError([f"{nsid} takes no JSON input"])
    checker = _Checker(strict=True)
    checker.check(schema, body, "$", nsid)
    _raise(checker)


def validate_output(nsid: str, body: Any) -> None:
    """Check a recorded success response body (lenient about extra fields)."""
    schema = (_main(nsid).get("output") or {}).get("schema")
    if schema is None:
        raise LexiconError([f"{nsid} returns no JSON output"])
    checker = _Checker(strict=False)
    checker.check(schema, body, "$", nsid)
    _raise(checker)


def input_encoding(nsid: str) -> str:
    """The declared input encoding of a procedure ("application/json", "*/*", "video/mp4")."""
    return str((_main(nsid).get("input") or {}).get("encoding", ""))


def method_type(nsid: str) -> str:
    """'query' (GET) or 'procedure' (POST)."""
    return str(_main(nsid).get("type"))
