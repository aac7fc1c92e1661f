"""Checks our Graph API requests and recorded responses against Meta's published node specs.

The specs are facebook/facebook-business-sdk-codegen `api_specs/specs/*.json` (kept beside the
project in ../shared/specs/meta-graph, read through `spec_path`): per node a list of `fields` and
of `apis` (edges: method, endpoint, return type, params). They are not request/response schemas,
so what we can assert is membership: every field we ask for with `fields=` exists on the node (or
is one of its edges, which Graph lets you expand), every parameter we send to an edge is one of
that edge's parameters, and every key of a recorded success response is a known field or edge.

Nodes without a spec file (User for /me/accounts and /me/permissions, UnifiedThread and Message
for conversations, IG containers) cannot be checked; callers check what those calls return
against the node they return when there is one.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.channels_app.adapters.specfiles import spec_path

# Paging and projection parameters every Graph edge takes (Graph API "Using the Graph API":
# field expansion, cursor-based paging); not repeated per edge in the codegen specs.
GENERIC_PARAMS = frozenset({"fields", "limit", "after", "before"})
# Multipart file parts: `source` is documented for /photos and /videos (Graph reference,
# "Upload a photo"); the codegen lists file parameters for videos only.
FILE_PARAMS = frozenset({"source"})
# Keys Graph answers on creation (POST) instead of the node: {"id"}, {"id", "post_id"} for
# photos, {"success": true} for updates, {"recipient_id", "message_id"} for Send API messages.
CREATION_KEYS = frozenset({"id", "post_id", "success", "recipient_id", "message_id"})
# Codegen endpoint names that differ from the path segment.
ENDPOINT_ALIASES = {("IGUserForIGOnlyAPI", "POST", "media_publish"): "mediapublish"}
# Return types named in the Instagram-login specs, mapped onto the spec file describing them.
RETURN_ALIASES = {
    "IGUserForIGOnlyAPI": {"Media": "IGMediaForIGOnlyAPI", "IGGraphMedia": "IGMediaForIGOnlyAPI"},
    "IGMediaForIGOnlyAPI": {
        "Comment": "IGComment",
        "IGGraphComment": "IGComment",
        "Media": "IGMediaForIGOnlyAPI",
    },
}


@dataclass(frozen=True)
class Edge:
    method: str
    endpoint: str  # "" for the node itself
    returns: str
    params: frozenset[str]


@dataclass(frozen=True)
class Node:
    name: str
    fields: frozenset[str]
    edges: Mapping[tuple[str, str], Edge]

    def edge(self, method: str, endpoint: str) -> Edge:
        endpoint = ENDPOINT_ALIASES.get((self.name, method, endpoint), endpoint)
        found = self.edges.get((method, endpoint))
        assert found is not None, f"{self.name} has no {method} edge {endpoint!r} in Meta's spec"
        return found

    def get_edges(self) -> set[str]:
        return {e for (m, e) in self.edges if m == "GET" and e}


def has_node(name: str) -> bool:
    return (spec_path("meta-graph") / f"{name}.json").exists()


@functools.cache
def node(name: str) -> Node:
    """The spec of one node (loaded once per session); skips/fails when the specs are absent."""
    raw = json.loads((spec_path("meta-graph") / f"{name}.json").read_text(encoding="utf-8"))
    edges: dict[tuple[str, str], Edge] = {}
    for api in raw.get("apis", []):
        endpoint = api.get("endpoint") or ""
        if not endpoint and not str(api.get("name", "#")).startswith("#"):
            endpoint = str(api.get("name"))
        method = str(api.get("method", "GET")).upper()
        returns = str(api.get("return") or "")
        returns = RETURN_ALIASES.get(name, {}).get(returns, returns)
        params = frozenset(str(p["name"]) for p in api.get("params", []))
        edges[(method, endpoint)] = Edge(method, endpoint, returns, params)
    fields = frozenset(str(f["name"]) for f in raw.get("fields", []))
    return Node(name=name, fields=fields, edges=edges)


# --- fields= ---------------------------------------------------------------------------------


def _split_top(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "({":
            depth += 1
        elif ch in ")}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def parse_fields(text: str) -> list[tuple[str, str]]:
    """`a,b.limit(0).summary(true),c{d,e}` -> [("a", ""), ("b", ""), ("c", "d,e")]."""
    out = []
    for token in _split_top(text):
        match = re.match(r"[A-Za-z0-9_]+", token)
        assert match, f"unparseable field {token!r}"
        sub = ""
        if "{" in token:
            sub = token[token.index("{") + 1 : token.rindex("}")]
        out.append((match.group(0), sub))
    return out


def check_fields(node_name: str, fields: str) -> None:
    """Every requested field exists on the node (as a field or an expandable edge); nested
    `{...}` selections are checked against the edge's return node where Meta publishes it."""
    spec = node(node_name)
    for name, sub in parse_fields(fields):
        assert name in spec.fields or name in spec.get_edges(), (
            f"{node_name} has no field or edge {name!r} in Meta's spec"
        )
        if sub and name in spec.get_edges():
            returns = spec.edge("GET", name).returns
            if has_node(returns):
                check_fields(returns, sub)


# --- requests --------------------------------------------------------------------------------


def request_params(request: Any) -> dict[str, str]:
    """The parameters of a recorded `requests.PreparedRequest`: query, form, JSON or multipart
    part names (file parts map to "<file>")."""
    params = dict(parse_qsl(urlsplit(request.url).query, keep_blank_values=True))
    body = request.body
    if body is None:
        return params
    if isinstance(body, str):
        body = body.encode()
    ctype = request.headers.get("Content-Type", "")
    if ctype.startswith("application/json"):
        params.update({k: json.dumps(v) for k, v in json.loads(body).items()})
    elif ctype.startswith("multipart/form-data"):
        for m in re.finditer(rb'name="([^"]+)"(; filename="[^"]*")?', body):
            params[m.group(1).decode()] = "<file>" if m.group(2) else ""
    else:
        params.update(dict(parse_qsl(body.decode(), keep_blank_values=True)))
    return params


def check_request(request: Any, node_name: str, edge: str = "") -> None:
    """The recorded request's method and parameters are known to `node_name`'s `edge`
    ("" = the node itself), and its `fields=` exist on what the edge returns."""
    method = request.method.upper()
    spec = node(node_name)
    api = spec.edge(method, edge)
    for key in request_params(request):
        name = re.sub(r"\[\d+\]$", "", key)
        if name in FILE_PARAMS:
            continue
        assert name in api.params or name in GENERIC_PARAMS, (
            f"{method} {node_name}/{edge or '(node)'} has no parameter {name!r} in Meta's spec"
        )
    fields = request_params(request).get("fields")
    if fields:
        target = node_name if not edge else api.returns
        if has_node(target):
            check_fields(target, fields)


def check_fields_request(request: Any, node_name: str) -> None:
    """For calls on nodes Meta publishes no spec for (e.g. /me/accounts returning Pages):
    the `fields=` we ask for exist on the node the call returns."""
    fields = request_params(request).get("fields")
    assert fields, "no fields= in the request"
    check_fields(node_name, fields)


# --- responses -------------------------------------------------------------------------------


def check_object(node_name: str, obj: Mapping[str, Any], *, extra: Iterable[str] = ()) -> None:
    """Every key of a recorded object is a field or edge of the node (or in `extra`)."""
    spec = node(node_name)
    known = spec.fields | spec.get_edges() | set(extra)
    unknown = sorted(set(obj) - known)
    assert not unknown, f"{node_name} has no field(s) {unknown} in Meta's spec"


def check_response(node_name: str, body: Mapping[str, Any], *, extra: Iterable[str] = ()) -> None:
    """A recorded success body: a list (`data` + `paging`) of `node_name` objects, or one."""
    if isinstance(body.get("data"), list) and set(body) <= {"data", "paging", "summary"}:
        for item in body["data"]:
            check_object(node_name, item, extra=extra)
    else:
        check_object(node_name, body, extra=extra)


def check_created(body: Mapping[str, Any]) -> None:
    """A recorded creation answer has only the keys Graph documents for creations."""
    unknown = sorted(set(body) - CREATION_KEYS)
    assert not unknown, f"creation answer has unknown key(s) {unknown}"
