"""The emulator's state in one SQLite file: ``Store`` and the row type its queries return."""

from emulator.store.database import Store
from emulator.store.schema import Row, now_iso
from emulator.store.sheets import BulkValue

__all__ = ["BulkValue", "Row", "Store", "now_iso"]
