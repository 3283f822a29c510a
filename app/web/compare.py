"""Compare two sheets (``/compare?left=<path>&right=<path>``): both trees, recursively, as
rows with their status; copy selected rows left -> right or right -> left through a
preview (``plan_view``) and an apply with a report."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from app.changes import ChangeError, Plan, Sheet, plan, read_tree
from app.cloudbees import NotFound, PropertyPath, ValidationError
from app.htmx import render
from app.journal import Source
from app.services import cd
from app.web import plan_view
from app.web.compare_rows import Row, Status, compare, copied, parse_keys

bp = Blueprint("compare", __name__)
DIRECTIONS = ("left-to-right", "right-to-left")
NO_ROWS = "Select at least one row to copy (or choose “all differences”)."


class Refused(Exception):
    """What the compare pages cannot do, in words for the page."""


def path_of(raw: str, side: str) -> PropertyPath:
    """The path typed for one side (``Refused`` when it is not one)."""
    try:
        return PropertyPath.parse(raw)
    except ValidationError as err:
        raise Refused(f"The {side} path: {err.message}") from None


def tree(path: PropertyPath) -> Sheet:
    """The sheet at ``path`` and all under it (``Refused`` when missing or too large)."""
    try:
        return read_tree(cd().properties, path)
    except NotFound:
        raise Refused(f"There is no sheet at {path}.") from None
    except ChangeError as err:
        raise Refused(err.message) from None


@dataclass(frozen=True)
class Pair:
    """The two sheets being compared, read now."""

    left: PropertyPath
    right: PropertyPath
    left_tree: Sheet
    right_tree: Sheet

    @classmethod
    def read(cls, form: MultiDict[str, str]) -> Pair:
        """Both sides of a form or query, read now."""
        left = path_of(form.get("left", ""), "left")
        right = path_of(form.get("right", ""), "right")
        return cls(left, right, tree(left), tree(right))

    def rows(self) -> list[Row]:
        """Every entry of both trees as a row."""
        return list(compare(self.left_tree, self.right_tree))

    def copy(self, direction: str, keys: list[tuple[str, ...]]) -> tuple[PropertyPath, Plan]:
        """The destination and the plan that copies the rows ``keys`` across."""
        forward = direction == "left-to-right"
        src, dst = (
            (self.left_tree, self.right_tree) if forward else (self.right_tree, self.left_tree)
        )
        root = self.right if forward else self.left
        try:
            return root, plan(dst, copied(src, dst, keys), mirror=True)
        except ChangeError as err:
            raise Refused(err.message) from None


@bp.get("/compare")
def show() -> ResponseReturnValue:
    """The two trees as rows (``diff=1``: only those that differ)."""
    if not request.args.get("left") or not request.args.get("right"):
        return page(None, status=200)
    try:
        pair = Pair.read(request.args)
    except Refused as err:
        return page(None, error=str(err), status=422)
    return page(pair)


def page(pair: Pair | None, *, error: str = "", status: int = 200) -> Response:
    """The compare page: the paths form and, for a pair, its rows."""
    only_diff = request.values.get("diff") == "1"
    rows = pair.rows() if pair else []
    shown = [r for r in rows if r.status is not Status.SAME] if only_diff else rows
    return render(
        "changes/compare.html",
        left=request.values.get("left", ""),
        right=request.values.get("right", ""),
        pair=pair,
        rows=shown,
        total=len(rows),
        differing=sum(1 for r in rows if r.status is not Status.SAME),
        only_diff=only_diff,
        error=error,
        status=status,
    )


def selection(pair: Pair) -> list[tuple[str, ...]]:
    """The rows the form chose: every differing row (``all=1``) or the ticked ones."""
    if request.form.get("all") == "1":
        return [r.names for r in pair.rows() if r.status is not Status.SAME]
    return parse_keys(request.form.getlist("row"))


@bp.post("/compare/preview")
def preview() -> ResponseReturnValue:
    """What copying the chosen rows would change, with the form that applies it."""
    direction = request.form.get("direction", "")
    try:
        if direction not in DIRECTIONS:
            raise Refused("Choose a direction: left → right or right → left.")
        pair = Pair.read(request.form)
        keys = selection(pair)
        if not keys:
            return page(pair, error=NO_ROWS, status=422)
        root, changes = pair.copy(direction, keys)
    except Refused as err:
        return page(None, error=str(err), status=422)
    return preview_page(pair, direction, keys, root, changes)


def preview_page(
    pair: Pair,
    direction: str,
    keys: list[tuple[str, ...]],
    root: PropertyPath,
    changes: Plan,
    *,
    error: str = "",
    status: int = 200,
) -> Response:
    """The preview of a copy; the apply form carries the rows and the plan's fingerprint."""
    carry = {"left": [str(pair.left)], "right": [str(pair.right)], "direction": [direction]}
    carry["row"] = [Row(k, None, None, Status.SAME).key for k in keys]
    arrow = "left → right" if direction == "left-to-right" else "right → left"
    preview = plan_view.Preview(
        heading=f"Copy {len(keys)} row{'s' if len(keys) != 1 else ''} {arrow}",
        root=root,
        carry=carry,
        apply_url=url_for("compare.apply_copy"),
        back_url=url_for("compare.show", left=str(pair.left), right=str(pair.right)),
    )
    return plan_view.preview_page(preview, changes, error=error, status=status)


@bp.post("/compare/apply")
def apply_copy() -> ResponseReturnValue:
    """Apply the previewed copy if it is still the same plan; else show the new one."""
    direction = request.form.get("direction", "")
    try:
        if direction not in DIRECTIONS:
            raise Refused("Choose a direction: left → right or right → left.")
        pair = Pair.read(request.form)
        keys = parse_keys(request.form.getlist("row"))
        root, changes = pair.copy(direction, keys)
    except Refused as err:
        return page(None, error=str(err), status=422)
    if plan_view.unconfirmed(changes):
        return preview_page(
            pair, direction, keys, root, changes, error=plan_view.UNCONFIRMED, status=422
        )
    back = url_for("compare.show", left=str(pair.left), right=str(pair.right))
    ending = plan_view.Ending("Copy", back, "Back to the comparison")
    basis = request.form.get("basis", "")
    done = plan_view.apply_and_report(changes, basis, root, Source.UI, ending)
    if done is None:
        return preview_page(pair, direction, keys, root, changes, error=plan_view.STALE, status=409)
    return done
