"""A sheet as a file: export (YAML or JSON download), import (upload or paste; merge or
mirror) and edit as text (the sheet's YAML in a text area, saved as a mirror). Imports and
edits go through the same preview and apply (``plan_view``) and are journaled as
``import``."""

from __future__ import annotations

from flask import Blueprint, Response, request, url_for
from flask.typing import ResponseReturnValue

from app.changes import ChangeError, FormatError, Plan, Sheet, load, plan, read_tree, to_json
from app.changes import to_yaml as yaml_of
from app.cloudbees import PropertyPath
from app.htmx import render
from app.journal import Source
from app.services import cd
from app.web import plan_view
from app.web.nodes import Node, as_sheet, breadcrumbs, node_url, pass_node

bp = Blueprint("transfer", __name__)
bp.url_value_preprocessor(pass_node)
MEDIA = {"yaml": "application/yaml", "json": "application/json"}
MODES = ("merge", "mirror")


@bp.get("/export/<node:path>")
def export(node: Node) -> ResponseReturnValue:
    """The sheet and everything under it as a download (``format=yaml`` or ``json``)."""
    kind = "json" if request.args.get("format") == "json" else "yaml"
    tree = read_tree(cd().properties, node.path)
    text = yaml_of(tree) if kind == "yaml" else to_json(tree)
    response = Response(text, mimetype=MEDIA[kind])
    response.headers.set("Content-Disposition", "attachment", filename=f"{node.path.name}.{kind}")
    return response


@bp.get("/import/<node:path>")
def import_form(node: Node) -> ResponseReturnValue:
    """The import form: a file to upload or text to paste, and merge or mirror."""
    return form_page(node.path, "", "merge")


@bp.get("/text/<node:path>")
def text_form(node: Node) -> ResponseReturnValue:
    """The sheet as its YAML in a text area; saving shows the preview."""
    try:
        text = yaml_of(read_tree(cd().properties, node.path))
    except ChangeError as err:
        return form_page(node.path, "", "mirror", as_text=True, error=err.message, status=422)
    return form_page(node.path, text, "mirror", as_text=True)


def form_page(
    path: PropertyPath,
    text: str,
    mode: str,
    *,
    as_text: bool = False,
    error: str = "",
    status: int = 200,
) -> Response:
    """The import form (or the edit-as-text form) with the text kept and any error."""
    return render(
        "changes/import.html",
        path=path,
        text=text,
        mode=mode,
        as_text=as_text,
        error=error,
        crumbs=breadcrumbs(path),
        status=status,
    )


def sent_text() -> str:
    """The uploaded file's text when a file was chosen, else the pasted text."""
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        try:
            return str(upload.read().decode("utf-8"))
        except UnicodeDecodeError:
            raise FormatError("the file is not UTF-8 text") from None
    return request.form.get("text", "")


@bp.post("/import/<node:path>")
def import_preview(node: Node) -> ResponseReturnValue:
    """The preview of an import (a file or pasted text) or of a sheet edited as text."""
    as_text = request.form.get("as_text") == "1"
    mode = "mirror" if as_text or request.form.get("mode") == "mirror" else "merge"
    text = ""
    try:
        text = sent_text()
        desired = load(text)
        changes = planned(node.path, desired, mode)
    except ChangeError as err:  # malformed (line and column), or too large
        return form_page(node.path, text, mode, as_text=as_text, error=err.message, status=422)
    return preview_page(node.path, desired, mode, changes)


def planned(path: PropertyPath, desired: Sheet, mode: str) -> Plan:
    """The plan from what the sheet holds now to ``desired``."""
    return plan(read_tree(cd().properties, path), desired, mirror=mode == "mirror")


def preview_page(
    path: PropertyPath,
    desired: Sheet,
    mode: str,
    changes: Plan,
    *,
    error: str = "",
    status: int = 200,
) -> Response:
    """The preview of an import; the apply form carries the desired tree and the fingerprint."""
    preview = plan_view.Preview(
        heading=f"Import ({mode})",
        root=path,
        carry={"desired": [to_json(desired)], "mode": [mode]},
        apply_url=url_for("transfer.apply_import", path=as_sheet(path)),
        back_url=node_url(path, True),
    )
    return plan_view.preview_page(preview, changes, error=error, status=status)


@bp.post("/import-apply/<node:path>")
def apply_import(node: Node) -> ResponseReturnValue:
    """Apply the previewed import if it is still the same plan; else show the new one."""
    path = node.path
    mode = "mirror" if request.form.get("mode") == "mirror" else "merge"
    try:
        desired = load(request.form.get("desired", ""))
        changes = planned(path, desired, mode)
    except ChangeError as err:
        return form_page(path, "", mode, error=err.message, status=422)
    if plan_view.unconfirmed(changes):
        return preview_page(path, desired, mode, changes, error=plan_view.UNCONFIRMED, status=422)
    ending = plan_view.Ending("Import", node_url(path, True), "Back to the sheet")
    basis = request.form.get("basis", "")
    done = plan_view.apply_and_report(changes, basis, path, Source.IMPORT, ending)
    if done is None:
        return preview_page(path, desired, mode, changes, error=plan_view.STALE, status=409)
    return done
