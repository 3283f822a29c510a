"""Copy or move a property or a whole sheet to another path (another project, another
environment), through the same preview and apply as every multi-value change
(``plan_view``). A move is the copy, then the delete of the source, and the delete runs
only if every operation of the copy applied (or already held what it should)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, request, url_for
from flask.typing import ResponseReturnValue

from app.changes import ApplyReport, ChangeError, Node, Plan, Sheet, Status, plan, read_tree
from app.changes.background import Step
from app.changes.tree import node_of
from app.cloudbees import NotFound, PropertyPath, ValidationError
from app.htmx import render
from app.journal import Source
from app.services import cd
from app.web import plan_view
from app.web.nodes import Node as UrlNode
from app.web.nodes import breadcrumbs, node_url, pass_node

bp = Blueprint("moving", __name__)
bp.url_value_preprocessor(pass_node)
DONE = (Status.APPLIED, Status.ALREADY)
KEPT = "The source was kept: not every copy operation applied, so nothing was deleted."


class Refused(Exception):
    """What a copy or move cannot do, in words for the page."""


def node_at(path: PropertyPath) -> Node | None:
    """The property or sheet (with all under it) at ``path``, read raw; ``None``: absent."""
    try:
        prop = None if path.is_owner else cd().properties.get(path)
    except NotFound:
        return None
    if prop is not None and not prop.is_sheet:
        return node_of(prop)
    tree = read_tree(cd().properties, path)
    return Sheet(tree.entries, prop.description if prop else "")


@dataclass(frozen=True)
class Move:
    """A copy of ``source`` to ``destination`` (and, for a move, the delete of the source),
    planned against what both places hold now."""

    source: PropertyPath
    destination: PropertyPath
    move: bool
    sheet: bool
    copy_plan: Plan
    delete_plan: Plan

    @classmethod
    def plan(cls, source: PropertyPath, raw: str, move: bool) -> Move:
        """The copy (and delete) planned against both places now (``Refused`` when it cannot be)."""
        destination = destination_of(source, raw)
        if move and source.is_owner:
            raise Refused("The sheet of a project (or of /server) cannot be moved; copy it.")
        try:
            node = node_at(source)
            if node is None:
                raise Refused(f"There is nothing at {source} any more.")
            there = node_at(destination)
            have = Sheet({destination.name: there} if there is not None else {})
            copy = plan(have, Sheet({destination.name: node}), mirror=True)
            gone = plan(Sheet({source.name: node}), Sheet(), mirror=True) if move else Plan()
        except ChangeError as err:
            raise Refused(err.message) from None
        return cls(source, destination, move, isinstance(node, Sheet), copy, gone)

    @property
    def basis(self) -> str:
        """The fingerprint of both plans, as the preview form carries it."""
        return plan_view.fingerprint(self.copy_plan) + ":" + plan_view.fingerprint(self.delete_plan)

    @property
    def whole(self) -> Plan:
        """Both plans as one list, for the preview."""
        return Plan(self.copy_plan.operations + self.delete_plan.operations)


def destination_of(source: PropertyPath, raw: str) -> PropertyPath:
    """The path typed as the destination, checked: a property path, not the source itself
    nor inside it."""
    try:
        destination = PropertyPath.parse(raw.strip())
    except ValidationError as err:
        raise Refused(f"The destination: {err.message}") from None
    if destination.is_owner:
        raise Refused("The destination needs a name below its project (or /server).")
    if destination.segments[: len(source.segments)] == source.segments:
        raise Refused("The destination cannot be the source itself or inside it.")
    return destination


@bp.get("/copy/<node:path>")
def form(node: UrlNode) -> ResponseReturnValue:
    """Where to copy or move the property or sheet."""
    return form_page(node.path, str(node.path), "copy")


def form_page(
    path: PropertyPath, destination: str, mode: str, *, error: str = "", status: int = 200
) -> Response:
    """The copy-or-move form with the destination typed and any error."""
    return render(
        "changes/copy.html",
        path=path,
        destination=destination,
        mode=mode,
        error=error,
        crumbs=breadcrumbs(path),
        status=status,
    )


@bp.post("/copy/<node:path>")
def preview(node: UrlNode) -> ResponseReturnValue:
    """What the copy or move would change, with the form that applies it."""
    planned = posted_plan(node.path)
    if isinstance(planned, Response):
        return planned
    return preview_page(planned)


def posted_plan(path: PropertyPath) -> Move | Response:
    """The copy or move the posted form asks for, or the form again (422) saying why it is
    refused."""
    raw, move = request.form.get("destination", ""), request.form.get("mode") == "move"
    try:
        return Move.plan(path, raw, move)
    except Refused as err:
        return form_page(path, raw, "move" if move else "copy", error=str(err), status=422)


def preview_page(planned: Move, *, error: str = "", status: int = 200) -> Response:
    """The preview of a copy or move (both plans in one list)."""
    verb = "Move" if planned.move else "Copy"
    preview = plan_view.Preview(
        heading=f"{verb} {planned.source} to {planned.destination}",
        root=planned.destination.parent,
        carry={
            "destination": [str(planned.destination)],
            "mode": ["move" if planned.move else "copy"],
        },
        apply_url=url_for("moving.apply_move", path=planned.source),
        back_url=node_url(planned.source, planned.sheet),
    )
    return plan_view.preview_page(
        preview, planned.whole, basis=planned.basis, error=error, status=status
    )


@bp.post("/copy-apply/<node:path>")
def apply_move(node: UrlNode) -> ResponseReturnValue:
    """Apply the previewed copy (then, for a move, the delete) if still the same plan."""
    planned = posted_plan(node.path)
    if isinstance(planned, Response):
        return planned
    if plan_view.unconfirmed(planned.whole):
        return preview_page(planned, error=plan_view.UNCONFIRMED, status=422)
    if planned.basis != request.form.get("basis", "") and len(planned.whole):
        return preview_page(planned, error=plan_view.STALE, status=409)
    if plan_view.in_background(planned.whole):
        return in_background(planned)
    return report(planned, copied_then_deleted(planned))


def in_background(planned: Move) -> Response:
    """Start the copy and (for a move) the delete as one background run, under one change
    set; its delete step runs only when every copy operation applied."""
    steps: tuple[Step, ...] = (Step(planned.copy_plan, planned.destination.parent),)
    if planned.move:
        steps += (Step(planned.delete_plan, planned.source.parent),)
    ending = plan_view.Ending(
        "Move" if planned.move else "Copy",
        node_url(planned.destination, planned.sheet),
        "Open the copy",
    )
    return plan_view.start_run(steps, Source.UI, ending, gate_note=KEPT)


def copied_then_deleted(planned: Move) -> tuple[ApplyReport, ApplyReport | None]:
    """The copy's report and, when every copy operation applied, the delete's."""
    copy = plan_view.apply_plan(planned.copy_plan, planned.destination.parent, Source.UI)
    if not planned.move or any(r.status not in DONE for r in copy.results):
        return copy, None
    source = planned.source.parent
    return copy, plan_view.apply_plan(planned.delete_plan, source, Source.UI, copy.change_set)


def report(planned: Move, reports: tuple[ApplyReport, ApplyReport | None]) -> Response:
    """One report of the copy and (for a move) the delete, or why the source was kept."""
    copy, delete = reports
    later = delete or ApplyReport((), "")
    both = ApplyReport(
        copy.results + later.results,
        copy.change_set or later.change_set,
        copy.not_recorded + later.not_recorded,
    )
    kept = planned.move and delete is None
    return plan_view.report_page(
        "Move" if planned.move else "Copy",
        planned.destination.parent,
        both,
        node_url(planned.destination, planned.sheet),
        "Open the copy",
        note=KEPT if kept else "",
    )
