"""No module but content.services.state writes the status of a post or a post target.

The project's Python files (every app, the kernel, scripts; not migrations, not tests) are read
as syntax trees, and every way of writing a status this codebase uses is looked for:

- `status=<a post or target status>` passed to any call but a query's (`filter`, `exclude`,
  `get`, `Q`...): a helper that writes it for the caller;
- `status=` in a write: `.update(...)`, `.create(...)`, `.get_or_create(...)`,
  `.update_or_create(...)` (also inside `defaults=` and `**{...}`), or a `Post(...)` /
  `PostTarget(...)` constructor; unless its value is plainly another model's status
  (`Channel.Status.ACTIVE`); and `Post...update(**fields)`, whose fields cannot be seen;
- `x.status = ...` where the value is a post or target status (`Post.Status.X`,
  `PostTarget.Status.X`, or an alias such as `S = PostTarget.Status`), or `x` is named like a
  post or a target (post, target, copy, t);
- `setattr(x, "status", ...)`, and `save(update_fields=[..."status"...])` on a post or target.

What it cannot see: a status written through raw SQL or a name it cannot follow (a variable
holding the field name). The first tests below show what it flags and what it lets pass.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OWNER = "content/services/state.py"
# Folders that are not the product's code. bench/ generates rows for benchmarks, as the test
# factories do for tests: it writes them as fixtures, not as a use case.
SKIPPED_DIRS = {".venv", ".git", "node_modules", "tests", "migrations", "bench", "var", "static"}
MODELS = {"Post", "PostTarget"}
WRITE_METHODS = {"update", "create", "get_or_create", "update_or_create"}
# Calls where `status=` selects rows instead of writing them.
READS = {"filter", "exclude", "get", "Q", "get_object_or_404", "for_workspace"}
POSTISH = re.compile(r"(^|_)(post|posts|target|targets|copy|t)$")


def _status_aliases(tree: ast.AST, models: set[str]) -> set[str]:
    """Names bound to `Post.Status` / `PostTarget.Status` (`S = PostTarget.Status`)."""
    aliases = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and _is_model_status(node.value, models, set()):
            aliases |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return aliases


def _model_names(tree: ast.AST) -> set[str]:
    """Post and PostTarget, and whatever they are imported as."""
    names = set(MODELS)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names |= {a.asname for a in node.names if a.name in MODELS and a.asname}
    return names


def _is_model_status(node: ast.AST, models: set[str], aliases: set[str]) -> bool:
    """`Post.Status` / `PostTarget.Status` (or an alias of it)."""
    if isinstance(node, ast.Name):
        return node.id in aliases
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "Status"
        and isinstance(node.value, ast.Name)
        and node.value.id in models
    )


def _names_post_status(node: ast.AST, models: set[str], aliases: set[str]) -> bool:
    """The expression mentions a post or target status (`S.QUEUED`, `Post.Status.DRAFT`)."""
    return any(_is_model_status(sub, models, aliases) for sub in ast.walk(node))


def _other_models_status(node: ast.AST, models: set[str], aliases: set[str]) -> bool:
    """`Channel.Status.ACTIVE`: plainly the status of another model."""
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "Status"
        and not _is_model_status(node.value, models, aliases)
    )


def _receiver_name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _callee(node: ast.Call) -> str:
    return _receiver_name(node.func)


def violations(source: str, path: str = "<snippet>") -> list[str]:
    """Where `source` writes a post or target status, as "path:line: what"."""
    tree = ast.parse(source)
    models = _model_names(tree)
    aliases = _status_aliases(tree, models)
    found: list[str] = []

    def flag(node: ast.AST, what: str) -> None:
        found.append(f"{path}:{getattr(node, 'lineno', 0)}: {what}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            callee = _callee(node)
            is_write = (
                isinstance(node.func, ast.Attribute) and node.func.attr in WRITE_METHODS
            ) or callee in models
            if not is_write and callee not in READS:
                # A helper that passes the status on (`_set(pk, expected, status=S.FAILED)`).
                for keyword in node.keywords:
                    if keyword.arg == "status" and _names_post_status(
                        keyword.value, models, aliases
                    ):
                        flag(node, f"{callee}(status=...)")
            if is_write:
                for keyword in node.keywords:
                    if keyword.arg == "status" and not _other_models_status(
                        keyword.value, models, aliases
                    ):
                        flag(node, f"{callee}(status=...)")
                    elif keyword.arg is None and not isinstance(keyword.value, ast.Dict):
                        # `PostTarget.objects.filter(...).update(**fields)`: fields unseen.
                        if any(
                            isinstance(sub, ast.Name) and sub.id in models
                            for sub in ast.walk(node.func)
                        ):
                            flag(node, f"{callee}(**...) on a post or target")
                    elif keyword.arg in (None, "defaults") and isinstance(keyword.value, ast.Dict):
                        keys = [k.value for k in keyword.value.keys if isinstance(k, ast.Constant)]
                        if "status" in keys:
                            flag(node, f"{callee}(... 'status' ...)")
            if callee == "setattr" and any(
                isinstance(a, ast.Constant) and a.value == "status" for a in node.args[1:2]
            ):
                flag(node, "setattr(..., 'status', ...)")
            if (
                isinstance(node.func, ast.Attribute)
                and node.func.attr == "save"
                and POSTISH.search(_receiver_name(node.func.value))
            ):
                for keyword in node.keywords:
                    if keyword.arg == "update_fields" and any(
                        isinstance(sub, ast.Constant) and sub.value == "status"
                        for sub in ast.walk(keyword.value)
                    ):
                        flag(node, "save(update_fields=[... 'status' ...])")
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for sub in ast.walk(target):
                    if not (isinstance(sub, ast.Attribute) and sub.attr == "status"):
                        continue
                    value = node.value
                    if (value is not None and _names_post_status(value, models, aliases)) or (
                        POSTISH.search(_receiver_name(sub.value))
                        and not (value is not None and _other_models_status(value, models, aliases))
                    ):
                        flag(node, f"{_receiver_name(sub.value)}.status = ...")
    return found


def product_files() -> list[Path]:
    files = []
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if any(part in SKIPPED_DIRS or part.startswith(".") for part in parts[:-1]):
            continue
        files.append(path)
    return sorted(files)


# The scanner itself ----------------------------------------------------------------------------

FLAGGED = [
    "S = PostTarget.Status\nPostTarget.objects.filter(pk=1).update(status=S.QUEUED)",
    "Post.objects.filter(pk=1).update(status='published')",
    "qs.update(status=new)",
    "post.status = Post.Status.SCHEDULED",
    "S = PostTarget.Status\ntarget.status = S.DRAFT",
    "row.status = PostTarget.Status.FAILED",
    "copy.status = new_status",
    "PostTarget(post=p, channel=c, status=PostTarget.Status.SCHEDULED)",
    "Post.objects.create(workspace=w, status=Post.Status.SCHEDULED)",
    "from content.models import Post as P\nP(workspace=w, status=s)",
    "Post.objects.get_or_create(pk=1, defaults={'status': 'draft'})",
    "Post.objects.filter(pk=1).update(**{'status': 'draft'})",
    "setattr(post, 'status', 'draft')",
    "PostTarget.objects.filter(pk=pk, status__in=expected).update(**fields)",
    "S = PostTarget.Status\n_set(target.pk, (S.PUBLISHING,), status=S.SCHEDULED)",
    "post.save(update_fields=['status', 'updated_at'])",
]
ALLOWED = [
    "S = PostTarget.Status\nPostTarget.objects.filter(status=S.QUEUED).update(queued_at=now)",
    "PostTarget.objects.filter(pk__in=ids, status__in=states).exists()",
    "S = PostTarget.Status\nqs.filter(status=S.QUEUED).exclude(status=S.DRAFT)",
    "Count('posts', filter=Q(posts__status=status))",
    "channel.status = Channel.Status.ACTIVE",
    "Channel.objects.filter(pk=1).update(status=Channel.Status.NEEDS_RECONNECT)",
    "self.status = status",
    "render(request, 'x.html', context, status=status)",
    "if post.status == Post.Status.PUBLISHED:\n    pass",
    "Post.objects.create(workspace=w, text='draft by default')",
    "channel.save(update_fields=['status', 'last_error'])",
    "LinkClickDaily.objects.filter(link=link, day=day).update(**bump)",
]


@pytest.mark.parametrize("source", FLAGGED)
def test_the_scanner_flags_a_status_write(source: str) -> None:
    assert violations(source), source


@pytest.mark.parametrize("source", ALLOWED)
def test_the_scanner_lets_other_code_pass(source: str) -> None:
    assert violations(source) == []


def test_the_scanner_reads_the_whole_product_and_finds_the_owner_writing() -> None:
    files = {str(p.relative_to(ROOT)) for p in product_files()}
    for expected in (
        OWNER,
        "content/services/planning.py",
        "content/services/publishing/settle.py",
        "channels_app/services.py",
        "smm/management/commands/demo_setup.py",
    ):
        assert expected in files
    assert not any(f.startswith(("tests/", ".venv/")) or "/migrations/" in f for f in files)
    # The owner writes statuses, and the scanner sees it do so.
    assert violations((ROOT / OWNER).read_text(), OWNER)


# The tree --------------------------------------------------------------------------------------


def test_only_the_state_module_writes_a_post_or_target_status() -> None:
    found = []
    for path in product_files():
        relative = str(path.relative_to(ROOT))
        if relative == OWNER:
            continue
        found += violations(path.read_text(encoding="utf-8"), relative)
    assert found == [], "status written outside content.services.state:\n" + "\n".join(found)
