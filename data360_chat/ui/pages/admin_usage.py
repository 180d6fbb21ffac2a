"""The usage dashboards: figures over a date range, each with its CSV download, and the latest comments."""

from __future__ import annotations

import reflex as rx
from plotly.graph_objects import Figure

from data360_chat.admin.service import CommentItem, Kpi, ModelItem, ToolItem
from data360_chat.ui.components.admin_frame import admin_page, notices, panel
from data360_chat.ui.components.safe_markdown import markdown
from data360_chat.ui.state.admin_usage import AdminUsageState

CHART_HEIGHT = "320px"


def csv_link(name: str) -> rx.Component:
    """Download one dashboard's rows over the range shown."""
    return rx.link(
        rx.hstack(rx.icon("download", size=14), "CSV", align="center", spacing="1"),
        href=f"/admin/export/{name}.csv?" + AdminUsageState.csv_query,
        size="1",
        download=True,
        reload_document=True,
        aria_label=f"Download {name} as CSV",
        class_name="d360-admin-csv",
    )


def chart(name: str, height: str = CHART_HEIGHT) -> rx.Component:
    """One dashboard's interactive figure."""
    return rx.box(
        rx.plotly.basic(
            data=AdminUsageState.figures[name].to(Figure),
            config={"displaylogo": False, "responsive": True},
            use_resize_handler=True,
            width="100%",
            height=height,
        ),
        width="100%",
        class_name="d360-chart",
        id=f"admin-chart-{name}",
    )


def chart_panel(title: str, name: str, *extra: rx.Component, **props: object) -> rx.Component:
    """A titled card with a figure, its CSV download and anything shown under it."""
    return panel(title, chart(name), *extra, action=csv_link(name), **props)


def kpi_card(kpi: Kpi) -> rx.Component:
    """One figure over the whole range."""
    return rx.card(
        rx.vstack(
            rx.text(kpi.label, size="2", color_scheme="gray"),
            rx.text(kpi.value, size="6", weight="bold", class_name="d360-kpi-value"),
            rx.text(kpi.hint, size="1", color_scheme="gray"),
            spacing="1",
        ),
        width="100%",
        class_name="d360-kpi",
    )


def small_table(headers: list[str], rows: rx.Var, row: object, table_id: str) -> rx.Component:
    """A compact table under a figure."""
    return rx.table.root(
        rx.table.header(rx.table.row(*(rx.table.column_header_cell(h) for h in headers))),
        rx.table.body(rx.foreach(rows, row)),
        size="1",
        width="100%",
        id=table_id,
    )


def model_row(item: ModelItem) -> rx.Component:
    return rx.table.row(
        rx.table.cell(item.model), rx.table.cell(item.answers), rx.table.cell(item.tokens), rx.table.cell(item.cost)
    )


def tool_row(item: ToolItem) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.code(item.tool, size="1")),
        rx.table.cell(item.calls),
        rx.table.cell(item.failures),
        rx.table.cell(item.latency),
    )


def comment_row(item: CommentItem) -> rx.Component:
    """A comment with its rating, its author and a way to the answer."""
    return rx.hstack(
        rx.cond(
            item.up,
            rx.icon("thumbs-up", size=16, color=rx.color("grass", 10)),
            rx.icon("thumbs-down", size=16, color=rx.color("red", 10)),
        ),
        rx.vstack(
            rx.text(item.comment, size="2", style={"overflowWrap": "anywhere"}),
            rx.text(item.author, " · ", item.at, size="1", color_scheme="gray"),
            spacing="0",
            flex="1",
            min_width="0",
        ),
        rx.button(
            "View answer",
            size="1",
            variant="soft",
            on_click=AdminUsageState.open_review(item.message_id),
            class_name="d360-view-answer",
        ),
        align="center",
        width="100%",
        class_name="d360-comment",
    )


def range_form() -> rx.Component:
    """The dates the dashboards cover."""
    return rx.form(
        rx.hstack(
            rx.input(
                type="date",
                name="start",
                default_value=AdminUsageState.start,
                key=AdminUsageState.start,
                aria_label="From",
                size="2",
            ),
            rx.text("to", color_scheme="gray", size="2"),
            rx.input(
                type="date",
                name="end",
                default_value=AdminUsageState.end,
                key=AdminUsageState.end,
                aria_label="To",
                size="2",
            ),
            rx.button("Show", type="submit", size="2"),
            align="center",
            spacing="2",
        ),
        on_submit=AdminUsageState.apply_range,
        id="admin-range",
    )


def review_dialog() -> rx.Component:
    """The answer a comment is about, with its question."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Rated answer"),
            rx.dialog.description(AdminUsageState.review_about, size="1", color_scheme="gray"),
            rx.vstack(
                rx.box(AdminUsageState.review_question, class_name="d360-question"),
                rx.box(markdown(AdminUsageState.review_answer), class_name="d360-md", id="admin-review-answer"),
                rx.hstack(
                    rx.link(
                        "Download the chat (Markdown)",
                        href="/api/v1/chats/" + AdminUsageState.review_chat_id + "/export.md",
                        download=True,
                        reload_document=True,
                        size="2",
                    ),
                    rx.spacer(),
                    rx.button("Close", variant="soft", color_scheme="gray", on_click=AdminUsageState.close_review),
                    width="100%",
                    align="center",
                ),
                spacing="4",
                margin_top="1em",
            ),
            max_width="720px",
        ),
        open=AdminUsageState.review_open,
        on_open_change=lambda is_open: rx.cond(is_open, rx.noop(), AdminUsageState.close_review()),
    )


def admin_usage_page() -> rx.Component:
    """Usage of the app over a date range."""
    two = rx.breakpoints(initial="1", md="2")
    return admin_page(
        AdminUsageState.allowed,
        "Usage",
        rx.hstack(
            rx.heading("Usage", size="7", as_="h1"),
            rx.spacer(),
            range_form(),
            align="center",
            width="100%",
            wrap="wrap",
            spacing="3",
        ),
        notices(AdminUsageState.range_error, ""),
        rx.grid(
            rx.foreach(AdminUsageState.kpis, kpi_card),
            columns=rx.breakpoints(initial="2", sm="3", lg="6"),
            spacing="3",
            width="100%",
            id="admin-kpis",
        ),
        chart_panel("Questions and active users per day", "activity"),
        rx.grid(
            chart_panel("Time to first token and answer time", "timings"),
            chart_panel("Answers by status", "statuses"),
            chart_panel(
                "Tokens and estimated cost by model",
                "models",
                small_table(
                    ["Model", "Answers", "Tokens (prompt + completion)", "Cost"],
                    AdminUsageState.models,
                    model_row,
                    "admin-models",
                ),
            ),
            chart_panel(
                "Tool calls and failures",
                "tools",
                small_table(
                    ["Tool", "Calls", "Failed", "Latency p50 / p95"], AdminUsageState.tools, tool_row, "admin-tools"
                ),
            ),
            chart_panel(
                "Feedback",
                "feedback",
                rx.vstack(
                    rx.hstack(
                        rx.text("Latest comments", weight="bold", size="2"),
                        rx.spacer(),
                        csv_link("comments"),
                        width="100%",
                    ),
                    rx.foreach(AdminUsageState.comments, comment_row),
                    rx.cond(
                        AdminUsageState.comments.length() == 0,
                        rx.text("No comments in this range.", size="2", color_scheme="gray"),
                    ),
                    spacing="2",
                    width="100%",
                    id="admin-comments",
                ),
            ),
            chart_panel("Numbers found in the data", "grounding"),
            chart_panel("Most asked indicators", "indicators"),
            chart_panel("Most asked countries", "countries"),
            columns=two,
            spacing="4",
            width="100%",
        ),
        review_dialog(),
    )
