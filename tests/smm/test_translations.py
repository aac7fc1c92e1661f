"""The Dutch catalogue: complete, faithful to its placeholders, compiled, covering the source; and
pages really come out in Dutch (or English).

Extraction itself (`make messages`) needs GNU gettext, which fresh CI machines lack, so the
coverage test rebuilds the msgids without it: Django's own `templatize` (pure Python) for
templates and the `ast` module for Python code. A failure there means: run `make messages`,
translate the new entries in locale/nl/LC_MESSAGES/django.po, run
`manage.py compile_translations` and commit both files.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.urls import reverse
from django.utils.translation.template import templatize

from smm import services
from smm.models import Membership

BASE_DIR = Path(settings.BASE_DIR)
PO_PATH = BASE_DIR / "locale" / "nl" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
HOW_TO_FIX = (
    "Run `make messages` (needs GNU gettext), translate the new entries in "
    "locale/nl/LC_MESSAGES/django.po, then `manage.py compile_translations`; commit .po and .mo."
)

# Translation calls whose arguments cannot be rebuilt statically (`_(variable)`,
# `{% translate variable %}`). Each is a string extraction misses too, so keep this near zero.
MAX_DYNAMIC_CALLS = 3

Key = tuple[str | None, str]  # (msgctxt, msgid)


@pytest.fixture(scope="module")
def po() -> polib.POFile:
    assert PO_PATH.exists(), f"{PO_PATH} is missing. {HOW_TO_FIX}"
    return polib.pofile(str(PO_PATH))


def _active(po: polib.POFile) -> list[polib.POEntry]:
    """The live entries (obsolete `#~` ones are kept by msgmerge as translation memory only)."""
    return [e for e in po if not e.obsolete]


def _msgstrs(entry: polib.POEntry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def _label(entry: polib.POEntry) -> str:
    return f"{entry.msgctxt + ' | ' if entry.msgctxt else ''}{entry.msgid!r}"


# (a) Complete -----------------------------------------------------------------------------------


def test_catalogue_header_is_dutch_and_not_fuzzy(po: polib.POFile) -> None:
    assert not po.metadata_is_fuzzy, "Remove '#, fuzzy' from the header entry."
    assert po.metadata.get("Language") == "nl"
    assert po.metadata.get("Plural-Forms", "").startswith("nplurals=2; plural=(n != 1)")


def test_catalogue_has_no_untranslated_entries(po: polib.POFile) -> None:
    untranslated = [_label(e) for e in _active(po) if not all(s.strip() for s in _msgstrs(e))]
    assert not untranslated, f"{len(untranslated)} untranslated: {untranslated[:20]}"


def test_catalogue_has_no_fuzzy_entries(po: polib.POFile) -> None:
    fuzzy = [_label(e) for e in _active(po) if "fuzzy" in e.flags]
    assert not fuzzy, (
        f"{len(fuzzy)} fuzzy (msgmerge guessed these; check, fix and drop the flag): {fuzzy[:20]}"
    )


# (b) Placeholders -------------------------------------------------------------------------------

# %(name)s / %s / %d / %.1f ... and the escaped %%.
PERCENT_RE = re.compile(r"%(?:\((?P<name>[^)]*)\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?[sdifeEgGrxXoc%]")
BRACE_RE = re.compile(r"\{\w*\}")
TAG_RE = re.compile(r"</?[a-zA-Z][\w-]*")


def _placeholders(text: str) -> tuple[Counter[str], list[str]]:
    """(named placeholders and %% with their counts, positional placeholders in order)."""
    named: Counter[str] = Counter()
    positional: list[str] = []
    for match in PERCENT_RE.finditer(text):
        if match["name"] is not None or match[0] == "%%":
            named[match[0]] += 1
        else:
            positional.append(match[0])
    return named, positional


def _stray_percent(text: str) -> bool:
    """A % that is not part of a placeholder makes `msgstr % values` raise at runtime."""
    return "%" in PERCENT_RE.sub("", text)


def test_translations_keep_the_placeholders_of_their_msgid(po: polib.POFile) -> None:
    problems = []
    for entry in _active(po):
        is_format = "python-format" in entry.flags
        msgid_named, msgid_positional = _placeholders(entry.msgid)
        plural_named, plural_positional = _placeholders(entry.msgid_plural or entry.msgid)
        for i, msgstr in enumerate(_msgstrs(entry)):
            named, positional = _placeholders(msgstr)
            if entry.msgid_plural and i < len(entry.msgstr_plural) - 1:
                # A singular form may leave out the count ("één bericht"), never add one.
                allowed = set(msgid_named) | set(plural_named)
                ok = set(named) <= allowed and len(positional) <= len(plural_positional)
            elif entry.msgid_plural:
                ok = set(named) == set(plural_named) and positional == plural_positional
            else:
                # Named placeholders may move and repeat; positional ones must stay in order.
                ok = set(named) == set(msgid_named) and positional == msgid_positional
            if not ok:
                problems.append(f"{_label(entry)} -> {msgstr!r}: placeholders differ")
            if is_format and _stray_percent(msgstr):
                problems.append(f"{_label(entry)} -> {msgstr!r}: lone %, write %% for a percent")
            source = entry.msgid_plural if entry.msgid_plural and i else entry.msgid
            if Counter(BRACE_RE.findall(msgstr)) != Counter(BRACE_RE.findall(source)):
                problems.append(f"{_label(entry)} -> {msgstr!r}: {{placeholders}} differ")
            if Counter(TAG_RE.findall(msgstr)) != Counter(TAG_RE.findall(source)):
                problems.append(f"{_label(entry)} -> {msgstr!r}: HTML tags differ")
    assert not problems, "\n".join(problems)


def test_template_translations_add_no_raw_quotes_or_markup(po: polib.POFile) -> None:
    """{% blocktranslate %} output is not escaped and lands in HTML attributes and inline JS
    (e.g. confirm('...')): a translation must not bring in ASCII quotes, <, > or & of its own.
    Use the typographic apostrophe and quotes (U+2019, U+201C, U+201D) in Dutch text instead."""
    risky = "'\"<>&"
    problems = []
    for entry in _active(po):
        if not any(path.endswith((".html", ".txt")) for path, _line in entry.occurrences):
            continue
        source = entry.msgid + (entry.msgid_plural or "")
        for msgstr in _msgstrs(entry):
            added = [c for c in risky if msgstr.count(c) > source.count(c)]
            if added:
                problems.append(f"{_label(entry)} -> {msgstr!r} adds {''.join(added)}")
    assert not problems, "\n".join(problems)


# (c) Compiled -----------------------------------------------------------------------------------


def _as_dict(entries: Iterator[polib.POEntry] | list[polib.POEntry]) -> dict[Key, object]:
    result: dict[Key, object] = {}
    for e in entries:
        if not e.msgid:  # the header
            continue
        value = (e.msgid_plural, tuple(_msgstrs(e))) if e.msgid_plural else e.msgstr
        result[(e.msgctxt or None, e.msgid)] = value
    return result


def test_committed_mo_matches_the_po(po: polib.POFile) -> None:
    assert MO_PATH.exists(), f"{MO_PATH} is missing: run `manage.py compile_translations`."
    mo = polib.mofile(str(MO_PATH))
    expected = _as_dict([e for e in _active(po) if e.translated()])
    compiled = _as_dict(list(mo))
    stale = sorted(
        f"{key[1]!r}: .po {expected.get(key)!r} / .mo {compiled.get(key)!r}"
        for key in expected.keys() | compiled.keys()
        if expected.get(key) != compiled.get(key)
    )
    assert not stale, (
        f"The .mo is out of date ({len(stale)} entries differ); run "
        f"`manage.py compile_translations` and commit it:\n" + "\n".join(stale[:20])
    )
    assert mo.metadata.get("Plural-Forms") == po.metadata.get("Plural-Forms")


# (d) Covering the source ------------------------------------------------------------------------

# The keywords makemessages gives xgettext for Python (its defaults plus Django's), with the
# argument positions of context, singular and plural.
PY_KEYWORDS: dict[str, tuple[int | None, int, int | None]] = {
    "_": (None, 0, None),
    "gettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}
TRANSLATION_MODULE = "django.utils.translation"
SKIP_DIRS = {"__pycache__", "node_modules", "static", "staticfiles", ".venv", "var"}

# templatize() turns every translation tag into a gettext call with repr()'d string arguments.
_STR = r"""u?(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")"""
TEMPLATIZED_CALL_RE = re.compile(
    rf"(?<![\w.])(?P<func>npgettext|pgettext|ngettext|gettext|_)\(\s*"
    rf"(?P<args>{_STR}(?:\s*,\s*{_STR})*)\s*(?:,\s*count\s*)?\)"
)
DYNAMIC_TEMPLATE_TAG_RE = re.compile(r"""\{%\s*trans(?:late)?\s+(?!["'])""")


def _source_roots() -> list[Path]:
    """Project template folders plus every app that lives in this repository."""
    roots = [Path(d) for engine in settings.TEMPLATES for d in engine.get("DIRS", [])]
    for config in apps.get_app_configs():
        path = Path(config.path).resolve()
        if path.is_relative_to(BASE_DIR) and not path.is_relative_to(BASE_DIR / ".venv"):
            roots.append(path)
    return roots


def _source_files(suffixes: tuple[str, ...]) -> list[Path]:
    files: set[Path] = set()
    for root in _source_roots():
        for path in root.rglob("*"):
            parts = path.relative_to(root).parts
            hidden = any(p in SKIP_DIRS or p.startswith(".") for p in parts[:-1])
            if path.suffix in suffixes and path.is_file() and not hidden:
                files.add(path)
    return sorted(files)


def _template_msgids(path: Path, dynamic: list[str]) -> Iterator[tuple[Key, str | None]]:
    source = path.read_text(encoding="utf-8")
    dynamic.extend(
        f"{path}:{source.count(chr(10), 0, match.start()) + 1}"
        for match in DYNAMIC_TEMPLATE_TAG_RE.finditer(source)
    )
    for match in TEMPLATIZED_CALL_RE.finditer(templatize(source, origin=str(path))):
        args = ast.literal_eval(f"({match['args']},)")
        func = match["func"]
        if func == "npgettext":
            yield (args[0], args[1]), args[2]
        elif func == "pgettext":
            yield (args[0], args[1]), None
        elif func == "ngettext":
            yield (None, args[0]), args[1]
        else:
            yield (None, args[0]), None


def _call_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _python_msgids(path: Path, dynamic: list[str]) -> Iterator[tuple[Key, str | None]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or _call_name(node) not in PY_KEYWORDS:
            continue
        ctx_at, msgid_at, plural_at = PY_KEYWORDS[_call_name(node)]  # type: ignore[index]
        wanted = [i for i in (ctx_at, msgid_at, plural_at) if i is not None]
        values = []
        for i in wanted:
            arg = node.args[i] if i < len(node.args) else None
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                values.append(arg.value)
            else:
                values.append(None)
        if None in values:
            dynamic.append(f"{path}:{node.lineno}")
            continue
        found = dict(zip(wanted, values, strict=True))
        ctx = found[ctx_at] if ctx_at is not None else None
        plural = found[plural_at] if plural_at is not None else None
        yield (ctx, found[msgid_at]), plural


def _source_catalogue() -> tuple[dict[Key, tuple[str | None, str]], list[str]]:
    """Every statically known msgid of the source: {(msgctxt, msgid): (msgid_plural, where)},
    plus the places of translation calls that cannot be rebuilt."""
    found: dict[Key, tuple[str | None, str]] = {}
    dynamic: list[str] = []
    for path in _source_files((".html", ".txt")):
        for key, plural in _template_msgids(path, dynamic):
            found.setdefault(key, (plural, str(path.relative_to(BASE_DIR))))
    for path in _source_files((".py",)):
        for key, plural in _python_msgids(path, dynamic):
            found.setdefault(key, (plural, str(path.relative_to(BASE_DIR))))
    return found, dynamic


def test_the_source_scan_finds_the_known_strings() -> None:
    """Guards the scanner itself: one msgid of each kind it must see."""
    found, _dynamic = _source_catalogue()
    for msgid in (
        "Workspaces",  # {% translate %} in templates/base.html
        "Role of %(email)s",  # {% blocktranslate with %}
        "System",  # _("...") as a filter argument in a template
        "Someone",  # _("...") inside a {% blocktranslate with %}
        "Owner",  # gettext_lazy in models.py
        "Settings saved.",  # gettext in views.py
        "Measurement",  # another app (analytics)
    ):
        assert (None, msgid) in found, msgid


def test_catalogue_covers_every_string_of_the_source(po: polib.POFile) -> None:
    found, _dynamic = _source_catalogue()
    catalogue = {(e.msgctxt or None, e.msgid): e.msgid_plural or None for e in _active(po)}
    missing = sorted(
        f"{where}: {key[1]!r}" for key, (_plural, where) in found.items() if key not in catalogue
    )
    assert not missing, (
        f"{len(missing)} source strings are not in the catalogue. {HOW_TO_FIX}\n"
        + ("\n".join(missing[:30]))
    )
    wrong_plural = sorted(
        f"{where}: {key[1]!r}"
        for key, (plural, where) in found.items()
        if plural is not None and catalogue[key] != plural
    )
    assert not wrong_plural, f"Plural forms changed. {HOW_TO_FIX}\n" + "\n".join(wrong_plural)


def test_few_translation_calls_are_dynamic() -> None:
    _found, dynamic = _source_catalogue()
    assert len(dynamic) <= MAX_DYNAMIC_CALLS, (
        "Translation calls on a variable are not extracted; mark the strings where they are "
        "written (gettext_lazy / gettext_noop) instead:\n" + "\n".join(dynamic)
    )


def test_translation_functions_keep_names_xgettext_knows() -> None:
    """`from django.utils.translation import gettext_lazy as gl` hides every gl("...") from
    extraction: only the keyword names (or `_`) may be used."""
    odd = []
    for path in _source_files((".py",)):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        odd.extend(
            f"{path}:{node.lineno}: {alias.name} as {alias.asname}"
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == TRANSLATION_MODULE
            for alias in node.names
            if alias.name in PY_KEYWORDS and (alias.asname or alias.name) not in PY_KEYWORDS
        )
    assert not odd, "\n".join(odd)


# (e) Pages in Dutch and English -----------------------------------------------------------------


def _page(client, user, language: str, url: str, **headers: str) -> str:
    user.language = language
    user.save(update_fields=["language"])
    client.force_login(user)
    response = client.get(url, **headers)
    assert response.status_code == 200
    return response.content.decode()


def test_workspace_list_in_dutch_for_a_dutch_user(client, alice, workspace) -> None:
    # The account's language wins over the browser's.
    html = _page(client, alice, "nl", reverse("smm:workspace_list"), HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="nl"' in html
    for text in ("Werkruimtes", "Nieuwe werkruimte", "Werkruimte aanmaken", "Eigenaar"):
        assert text in html, text
    for text in ("New workspace", "Create workspace", "Log out"):
        assert text not in html, text
    assert "Uitloggen" in html


def test_workspace_list_in_english_for_an_english_user(client, alice, workspace) -> None:
    html = _page(client, alice, "en", reverse("smm:workspace_list"), HTTP_ACCEPT_LANGUAGE="nl")
    assert '<html lang="en"' in html
    for text in ("Workspaces", "New workspace", "Create workspace", "Owner", "Log out"):
        assert text in html, text
    assert "Werkruimtes" not in html


def test_member_list_in_dutch(client, alice, bob, workspace) -> None:
    html = _page(client, alice, "nl", reverse("smm:member_list", args=[workspace.slug]))
    for text in ("Wat mag elke rol?", "Collega uitnodigen", "Redacteur", "Bijdrager", "Lezer"):
        assert text in html, text
    assert "Invite a colleague" not in html


def test_member_list_in_english(client, alice, bob, workspace) -> None:
    html = _page(client, alice, "en", reverse("smm:member_list", args=[workspace.slug]))
    for text in ("What can each role do?", "Invite a colleague", "Editor", "Contributor"):
        assert text in html, text
    assert "Collega uitnodigen" not in html


@pytest.mark.parametrize(
    "accept,expected,absent",
    [
        ("nl-NL,nl;q=0.9,en;q=0.5", "Direct naar de inhoud", "Skip to content"),
        ("en-GB,en;q=0.9", "Skip to content", "Direct naar de inhoud"),
    ],
)
def test_login_page_follows_the_browser_language(client, db, accept, expected, absent) -> None:
    response = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE=accept)
    assert response.status_code == 200
    html = response.content.decode()
    assert expected in html
    assert absent not in html
    assert f'<html lang="{accept[:2]}"' in html


# The mail goes after the commit: these tests commit for real, as a request does.
@pytest.mark.django_db(transaction=True)
def test_invitation_email_is_in_the_workspace_language(alice, workspace, mailoutbox) -> None:
    workspace.language = "nl"
    workspace.save(update_fields=["language"])
    services.invitation_create(
        workspace=workspace,
        email="nieuw@example.com",
        role="editor",
        by=Membership.objects.get(workspace=workspace, user=alice),
    )
    (mail,) = mailoutbox
    assert "Je bent uitgenodigd voor Tulip Coffee op Ripple" in mail.subject
    assert "als Redacteur mee te werken in de werkruimte “Tulip Coffee”" in mail.body
    assert "Had je deze uitnodiging niet verwacht?" in mail.body
