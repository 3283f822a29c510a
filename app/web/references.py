"""``$[...]`` references as links, and "where used" on a property's page.

An absolute reference links straight to its property's page. A relative one links to
``/ref/<referring property>?to=<reference>``, which finds the property by the server's rule
(``app.cloudbees.references``) when followed, so a page with many references costs no
reads. "Where used" is one value search for the property's absolute path or its name
inside ``$[...]``; a relative hit counts only where the rule leads it here.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, request, url_for
from flask.typing import ResponseReturnValue

from app.cloudbees import PropertyPath, ValidationError
from app.cloudbees.errors import CloudBeesError
from app.cloudbees.references import candidates, missing_references, pieces, resolve
from app.cloudbees.search import SearchHit, SortBy, ValuesNotSearchable, contains, hits_of, under
from app.htmx import is_htmx, redirect_to, render
from app.services import cd
from app.web.edit_form import EditForm, FormLike
from app.web.nodes import Node, node_url, pass_node

bp = Blueprint("references", __name__)
bp.url_value_preprocessor(pass_node)
MAX_USES = 50  # referring properties listed
MAX_CHECKS = 20  # reads spent confirming relative references


@bp.app_template_global("linked_pieces")
def linked_pieces(referrer: PropertyPath, value: str | None) -> list[tuple[str, str | None]]:
    """``value`` as (text, link) pieces: each reference that can name a property gets the
    URL it leads to; other text ``None``."""
    out: list[tuple[str, str | None]] = []
    for piece in pieces(value or ""):
        link = None
        if piece.ref is not None:
            try:
                places = candidates(referrer, piece.ref)
            except ValidationError:
                places = ()
            if len(places) == 1 and piece.ref.startswith("/"):
                link = node_url(places[0], False)
            elif places:
                link = url_for("references.follow", path=referrer, to=piece.ref)
        out.append((piece.text, link))
    return out


@bp.get("/ref/<node:path>")
def follow(node: Node) -> ResponseReturnValue:
    """Follow the reference ``to`` found in the value of the property at ``node``."""
    ref = request.args.get("to", "")
    target = resolve(cd().properties, node.path, ref) if ref else None
    if target is None:
        message = f"$[{ref}] names no property with a value, seen from {node.path}."
        back = (str(node.path), node_url(node.path, False))
        return render(
            "errors/error.html", status=404, title="Not found", message=message, back=back
        )
    return redirect_to(node_url(target, False))


@dataclass(frozen=True)
class Use:
    """A property whose value references the one shown, and how (``$[...]`` as written)."""

    hit: SearchHit
    written: str


def referring(path: PropertyPath) -> list[Use]:
    """The properties whose values reference ``path`` (absolute, or relative from a sheet
    at or below its own, where the rule leads here): one search, bounded reads."""
    absolute, relative = f"$[{path}]", f"$[{path.name}]"
    either = {
        "operator": "or",
        "filter": [
            contains("value", absolute),
            {"operator": "and", "filter": [contains("value", relative), under(str(path.parent))]},
        ],
    }
    data = cd().search.find([either], sort=SortBy.NAME, first=0, count=MAX_USES)
    uses: list[Use] = []
    checks = MAX_CHECKS
    leads: dict[PropertyPath, PropertyPath | None] = {}  # per sheet: hits there resolve alike
    for hit in hits_of(data):
        value = hit.prop.value or ""
        if absolute in value:
            uses.append(Use(hit, absolute))
        elif hit.path is not None and (hit.path.parent in leads or checks > 0):
            if hit.path.parent not in leads:
                checks -= 1
                leads[hit.path.parent] = resolve(cd().properties, hit.path, path.name)
            if leads[hit.path.parent] == path:
                uses.append(Use(hit, relative))
    return uses


@bp.get("/where-used/<node:path>")
def where_used(node: Node) -> ResponseReturnValue:
    """The "Where used" section of a property's page (htmx loads it after the page)."""
    if not is_htmx():
        return redirect_to(node_url(node.path, False))
    try:
        uses, refused = referring(node.path), False
    except ValuesNotSearchable:
        uses, refused = [], True
    return render("search/_where_used.html", path=node.path, uses=uses, refused=refused)


def missing_before_save(form: EditForm, posted: FormLike) -> tuple[str, ...]:
    """The absolute references a save's new value holds that name no property, to warn
    about before writing: checked only when the value changed and will be expanded, and
    the user did not confirm (``refs_ok=1``); at most ``MAX_CHECKED`` reads. A failed read
    checks nothing (the save itself then meets the server and says what it makes of it)."""
    if posted.get("refs_ok") == "1" or not form.value_touched or not form.expandable:
        return ()
    try:
        return missing_references(cd().properties, form.value)
    except CloudBeesError:
        return ()
