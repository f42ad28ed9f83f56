"""The log reader's list of sessions, filled a slice at a time so a big log never stalls the window.

A 40 MB log gives some 15,000 sessions. Adding them as they arrived and re-sorting the whole
list each time made the window stop answering for up to 0.8 s per batch, growing with the
list: every comparison of the sort is a virtual call into Python, and each call waits for the
reading thread to hand over the interpreter. So the row texts are made on the reading thread
(``session_row``), rows wait in a queue, and a zero-delay timer inserts at most
``_SLICE_ROWS`` per turn of the event loop, each in its place in time order (most land at the
end: a log is written in time order). Sorting by a column is offered when reading ends, and
done when asked: Qt's own switch would sort the whole list again at once.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem, QWidget

from wizard.logs import Session
from wizard.logs.model import Stamp
from wizard.logs.render import headline, outcome_label, service_label
from wizard.safe_text import visible
from wizard.ui.style import accent_colors

# Rows per turn of the event loop: about 10 ms of work on a slow machine.
_SLICE_ROWS = 150

COLUMNS = ("Time", "Service", "Client", "Outcome", "Login")


def table_time(stamp: Stamp) -> str:
    """One format for every row, sortable as text: "2020-12-01 21:31:53" (UTC).

    A syslog stamp has no year; it takes ISO 8601's year-omitted form "--12-01 21:31:53"
    rather than a second format, and sorts before the dated rows.
    """
    return stamp.when.strftime("%Y-%m-%d %H:%M:%S" if stamp.year_known else "--%m-%d %H:%M:%S")


@dataclass(frozen=True, slots=True)
class SessionRow:
    """What one row shows, made off the GUI thread; ``texts`` are already escaped."""

    session: Session
    texts: tuple[str, str, str, str, str]
    tooltip: str


def session_row(s: Session) -> SessionRow:
    """The row for a session; plain Python, so the reading thread can make it."""
    outcome = outcome_label(s)
    outcome = ("► " if s.report_match else "") + outcome[:1].upper() + outcome[1:]
    texts = (
        table_time(s.started),
        service_label(s),
        visible(s.client_ip),  # the log's words: shown escaped (safe_text)
        outcome,
        visible(s.user),
    )
    tooltip = visible(s.report_match) if s.report_match else headline(s)
    return SessionRow(s, texts, tooltip)


class SessionTable(QTreeWidget):
    """One row per session, in time order while reading; ``drained`` when the queue is empty."""

    drained = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setHeaderLabels(list(COLUMNS))
        for col, width in enumerate((150, 170, 130, 170)):
            self.setColumnWidth(col, width)
        self.setAccessibleName("Sessions")
        # Selected rows in the accent colour, whose text reads at AA (Fusion's light highlight
        # carries white text at 3.6:1).
        pal = self.palette()
        fill, text = accent_colors(pal)
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
            pal.setColor(group, QPalette.ColorRole.Highlight, fill)
            pal.setColor(group, QPalette.ColorRole.HighlightedText, text)
        self.setPalette(pal)
        self.sessions: list[Session] = []  # every session received, shown or still queued
        self._pending: deque[tuple[int, SessionRow]] = deque()
        self._keys: list[tuple[str, int]] = []  # the shown rows' (time, arrival), in row order
        self._pump = QTimer(self)
        self._pump.setInterval(0)
        self._pump.timeout.connect(self._insert_slice)
        self._sortable = False
        self.header().sortIndicatorChanged.connect(self._sort_as_asked)

    def start_over(self) -> None:
        """Empty the list and the queue; rows stay in time order until ``allow_sorting``."""
        self._pump.stop()
        self._pending.clear()
        self._keys.clear()
        self.sessions = []
        self._sortable = False
        self.header().setSectionsClickable(False)
        self.header().setSortIndicatorShown(False)
        self.clear()

    def add_rows(self, rows: Sequence[SessionRow]) -> None:
        """Queue rows; they appear over the next turns of the event loop."""
        for row in rows:
            self._pending.append((len(self.sessions), row))
            self.sessions.append(row.session)
        if self._pending and not self._pump.isActive():
            self._pump.start()

    def has_pending(self) -> bool:
        return bool(self._pending)

    def allow_sorting(self) -> None:
        """Let the person sort by any column; the rows are in time order already, and sorting
        33,000 rows again would hold the window for a fifth of a second."""
        header = self.header()
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)  # _sortable is still False
        header.setSortIndicatorShown(True)
        header.setSectionsClickable(True)
        self._sortable = True

    def is_sortable(self) -> bool:
        return self._sortable

    def _sort_as_asked(self, column: int, order: Qt.SortOrder) -> None:
        if self._sortable:
            self.sortItems(column, order)

    def session_at(self, item: QTreeWidgetItem) -> Session:
        return self.sessions[int(item.data(0, Qt.ItemDataRole.UserRole))]

    def _insert_slice(self) -> None:
        batch = [self._pending.popleft() for _ in range(min(_SLICE_ROWS, len(self._pending)))]
        batch.sort(key=lambda pair: (pair[1].texts[0], pair[0]))
        items = []
        for index, row in batch:
            item = QTreeWidgetItem(list(row.texts))
            item.setData(0, Qt.ItemDataRole.UserRole, index)
            item.setToolTip(0, row.tooltip)
            items.append(item)
        keys = [(row.texts[0], index) for index, row in batch]
        if not self._keys or keys[0] >= self._keys[-1]:
            self.addTopLevelItems(items)  # the usual case: one call for the whole slice
            self._keys.extend(keys)
        else:
            for key, item in zip(keys, items, strict=True):
                at = bisect.bisect_right(self._keys, key)
                self._keys.insert(at, key)
                self.insertTopLevelItem(at, item)
        first = self.topLevelItem(0)
        if self.currentItem() is None and first is not None:
            self.setCurrentItem(first)
        if not self._pending:
            self._pump.stop()
            self.drained.emit()
