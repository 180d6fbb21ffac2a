"""Rows of text under a header: a chart's data, the first rows of an uploaded file."""

from __future__ import annotations

import reflex as rx


def data_table(columns: rx.Var[list[str]], rows: rx.Var[list[list[str]]]) -> rx.Component:
    """A compact table of `rows` under the `columns` header."""
    return rx.table.root(
        rx.table.header(rx.table.row(rx.foreach(columns, lambda name: rx.table.column_header_cell(name)))),
        rx.table.body(rx.foreach(rows, lambda row: rx.table.row(rx.foreach(row, lambda cell: rx.table.cell(cell))))),
        size="1",
        variant="surface",
    )
