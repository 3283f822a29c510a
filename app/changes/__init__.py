"""Plan / preview / apply over property trees (no Flask import): the one engine under
every multi-value change (compare and copy, import, edit as text, copy and move).

::

    from app.changes import apply, load, plan, read_tree, to_yaml, Target

    current = read_tree(cd.properties, sheet_path)         # one call with recurse=1
    desired = load(uploaded_text)                          # FormatError: line and column
    changes = plan(current, desired, mirror=False)         # a merge; frozen data, no calls
    report = apply(changes, Target(cd.properties, sheet_path, save_lock, journal, actor))
    report.applied, report.already, report.conflicts, report.failed

Modules: ``tree`` (the ``Sheet`` / ``Value`` values), ``reading`` (tree reads, bounded by
``PROPDESK_MAX_RESPONSE_BYTES``), ``planning`` (operations and ``simulate``),
``applying`` (locks, checks, writes, the journal), ``export_format`` (YAML and JSON,
version 1; ``yaml_events`` reads YAML in one pass over the parser's events, ``yaml_writer``
writes plain entries itself), ``inverse`` (the undo of a journaled change set), ``errors``,
``gc_pause`` (no collector pauses while a large tree is built), ``background`` (large
applies in a worker's thread, their status in the database: ``app.journal.runs``) and
``run_report`` (a run's report as stored).
"""

from app.changes.applying import ApplyReport, Result, Status, Target, apply
from app.changes.errors import (
    ChangeError,
    FormatError,
    PlanTooLarge,
    TreeTooLarge,
    UnsupportedVersion,
)
from app.changes.export_format import load, to_json, to_yaml
from app.changes.planning import MAX_OPERATIONS, Action, Operation, Plan, State, plan, simulate
from app.changes.reading import read_tree
from app.changes.tree import Node, Sheet, Value

__all__ = [
    "MAX_OPERATIONS",
    "Action",
    "ApplyReport",
    "ChangeError",
    "FormatError",
    "Node",
    "Operation",
    "Plan",
    "PlanTooLarge",
    "Result",
    "Sheet",
    "State",
    "Status",
    "Target",
    "TreeTooLarge",
    "UnsupportedVersion",
    "Value",
    "apply",
    "load",
    "plan",
    "read_tree",
    "simulate",
    "to_json",
    "to_yaml",
]
