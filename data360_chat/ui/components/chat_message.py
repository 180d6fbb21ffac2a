"""A message of the conversation: the question, or the answer with its tool steps, charts, sources and actions."""

from __future__ import annotations

import reflex as rx
from plotly.graph_objects import Figure

from data360_chat.chats.views import ChartView, MessageView, NumberView, ToolView
from data360_chat.ui.components.data_table import data_table
from data360_chat.ui.components.lazy_mount import lazy
from data360_chat.ui.components.safe_markdown import markdown
from data360_chat.ui.components.source_chip import source_chip
from data360_chat.ui.state.chat import ChatState
from data360_chat.ui.state.chat_actions import ChatActions


def tool_row(tool: ToolView) -> rx.Component:
    """A compact, expandable row: spinner or outcome, name, short arguments, duration, error."""
    status_icon = rx.match(
        tool.status,
        ("running", rx.spinner(size="1", aria_label="Running")),
        ("ok", rx.icon("check", size=14, color=rx.color("green", 10), aria_label="Done")),
        rx.icon("circle-alert", size=14, color=rx.color("red", 10), aria_label="Failed"),
    )
    return rx.el.details(
        rx.el.summary(
            rx.hstack(
                status_icon,
                rx.code(tool.name, variant="ghost", size="1", weight="medium"),
                rx.text(tool.args, size="1", color_scheme="gray", class_name="d360-ellipsis"),
                rx.spacer(),
                rx.text(tool.duration, size="1", color_scheme="gray", white_space="nowrap"),
                align="center",
                spacing="2",
                width="100%",
                min_width="0",
            ),
            class_name="d360-tool-summary",
        ),
        rx.box(
            rx.el.pre(tool.details, class_name="d360-pre"),
            rx.cond(tool.error, rx.text(tool.error, size="1", color_scheme="red")),
            padding_left="1.5em",
        ),
        class_name="d360-tool",
        data_status=tool.status,
    )


def tool_steps(tools: rx.Var[list[ToolView]]) -> rx.Component:
    """The answer's tool steps, one row each."""
    return rx.cond(
        tools.length() > 0,
        rx.vstack(rx.foreach(tools, tool_row), spacing="0", width="100%", class_name="d360-tools"),
    )


def chart_table(chart: ChartView) -> rx.Component:
    """The chart's data as a table (the first rows; the CSV has all)."""
    return rx.el.details(
        rx.el.summary(rx.hstack(rx.icon("table", size=14), rx.text("Data table", size="1"), align="center")),
        lazy(table_of(chart), "0px"),  # built when the table is first opened
        class_name="d360-chart-table",
    )


def table_of(chart: ChartView) -> rx.Component:
    """The first rows of the chart's data."""
    return rx.box(
        data_table(chart.columns, chart.rows),
        rx.cond(
            chart.more_rows > 0,
            rx.text(f"… and {chart.more_rows} more rows in the CSV.", size="1", color_scheme="gray"),
        ),
        max_height="320px",
        overflow="auto",
        margin_top="0.5em",
    )


def about_data(chart: ChartView) -> rx.Component:
    """Unit and definition of the indicator, on hover or click."""
    return rx.popover.root(
        rx.popover.trigger(
            rx.button(rx.icon("info", size=14), "About", size="1", variant="ghost", aria_label="About this data")
        ),
        rx.popover.content(
            rx.vstack(
                rx.text(chart.source_name, weight="bold", size="2"),
                rx.cond(chart.unit, rx.text("Unit: ", chart.unit, size="2")),
                rx.cond(chart.definition, rx.text(chart.definition, size="2")),
                spacing="2",
            ),
            max_width="420px",
        ),
    )


def chart_card(chart: ChartView) -> rx.Component:
    """An interactive Plotly chart with its summary, data table, CSV download and source."""
    return rx.card(
        rx.vstack(
            rx.box(
                lazy(
                    rx.plotly.basic(
                        data=chart.figure.to(Figure),
                        config={"displaylogo": False, "responsive": True},
                        use_resize_handler=True,
                        width="100%",
                        height="380px",
                    ),
                    "380px",
                ),
                role="img",
                aria_label=chart.summary,
                width="100%",
                class_name="d360-chart",
            ),
            rx.text(chart.summary, size="1", color_scheme="gray", class_name="d360-chart-summary"),
            rx.hstack(
                rx.cond(
                    chart.csv_url,
                    rx.link(
                        rx.hstack(rx.icon("download", size=14), "Download CSV", align="center", spacing="1"),
                        href=chart.csv_url,
                        size="1",
                        download=True,
                        reload_document=True,  # a file from the server, not a page of the app
                    ),
                ),
                rx.cond(
                    chart.source_url,
                    rx.link(
                        rx.hstack(rx.icon("external-link", size=14), "Source", align="center", spacing="1"),
                        href=chart.source_url,
                        is_external=True,
                        size="1",
                        title=chart.source_name,
                    ),
                ),
                about_data(chart),
                spacing="4",
                align="center",
                wrap="wrap",
            ),
            chart_table(chart),
            spacing="2",
            width="100%",
        ),
        width="100%",
        class_name="d360-chart-card",
    )


def rating_button(message: MessageView, rating: int, icon: str, label: str) -> rx.Component:
    """Thumbs up or down: stores the rating at once, then offers a comment."""
    chosen = message.rating == rating
    return rx.popover.root(
        rx.popover.trigger(
            rx.icon_button(
                rx.icon(icon, size=14),
                size="1",
                variant=rx.cond(chosen, "soft", "ghost"),
                color_scheme=rx.cond(chosen, "indigo", "gray"),
                aria_label=label,
                aria_pressed=rx.cond(chosen, "true", "false"),
                on_click=[ChatActions.rate(message.id, rating), rx.toast("Thanks for the feedback.")],
            )
        ),
        rx.popover.content(
            rx.form(
                rx.vstack(
                    rx.text("Tell us more (optional)", size="2", weight="medium"),
                    rx.text_area(name="comment", aria_label="Comment on this answer", max_length=2000, rows="3"),
                    rx.el.input(type="hidden", name="message_id", value=message.id.to_string()),
                    rx.el.input(type="hidden", name="rating", value=str(rating)),
                    rx.popover.close(rx.button("Send comment", type="submit", size="1")),
                    spacing="2",
                ),
                on_submit=[ChatActions.comment, rx.toast("Thanks, your comment is saved.")],
                reset_on_submit=True,
            ),
            width="300px",
        ),
    )


def answer_meta(message: MessageView) -> rx.Component:
    """Model, tokens, latency and time per tool, in small print; the offline model is labelled."""
    return rx.hstack(
        rx.cond(message.offline, rx.badge("Offline model", color_scheme="amber", variant="soft", size="1")),
        rx.text(message.meta, size="1", color_scheme="gray"),
        spacing="2",
        align="center",
        wrap="wrap",
    )


def answer_actions(message: MessageView) -> rx.Component:
    """Copy, thumbs up and down."""
    return rx.hstack(
        rx.icon_button(
            rx.icon("copy", size=14),
            size="1",
            variant="ghost",
            color_scheme="gray",
            aria_label="Copy answer",
            on_click=[rx.set_clipboard(message.content), rx.toast("Answer copied.")],
        ),
        rating_button(message, 1, "thumbs-up", "Good answer"),
        rating_button(message, -1, "thumbs-down", "Bad answer"),
        spacing="3",
        align="center",
    )


def answer_body(
    content: rx.Component,
    tools: rx.Var[list[ToolView]],
    charts: rx.Var[list[ChartView]],
) -> list[rx.Component]:
    """Tool steps, text and charts: the part shared by finished answers and the one being written."""
    return [
        tool_steps(tools),
        content,
        rx.foreach(charts, chart_card),
    ]


def failure_callout(text: rx.Var | str, *actions: rx.Component) -> rx.Component:
    """Why an answer failed, announced to screen readers, with any actions after it."""
    return rx.callout.root(
        rx.callout.icon(rx.icon("triangle-alert")),
        rx.callout.text(text),
        *actions,
        color_scheme="red",
        role="alert",
        size="1",
    )


def cut_short_callout(message: MessageView) -> rx.Component:
    """Why the answer is unfinished (cut off, too long, filtered); on the chat's last answer, Continue and
    Regenerate."""
    return rx.callout.root(
        rx.callout.icon(rx.icon("scissors")),
        rx.flex(
            rx.text(
                rx.badge(message.ending, color_scheme="orange", variant="solid", size="1", class_name="d360-ending"),
                " ",
                message.ending_detail,
                size="2",
            ),
            rx.cond(
                message.id == ChatState.last_answer_id,
                rx.hstack(
                    rx.button(
                        rx.icon("play", size=14),
                        "Continue",
                        size="1",
                        on_click=ChatActions.continue_answer,
                        aria_label="Continue this answer",
                    ),
                    rx.button(
                        rx.icon("refresh-cw", size=14),
                        "Regenerate",
                        size="1",
                        variant="soft",
                        color_scheme="gray",
                        on_click=ChatActions.regenerate,
                        aria_label="Regenerate this answer",
                    ),
                    spacing="2",
                ),
            ),
            direction="column",
            gap="2",
        ),
        color_scheme="orange",
        role="status",
        size="1",
        class_name="d360-cut-short",
    )


def number_row(number: NumberView) -> rx.Component:
    """One number and where it was found: a series, country and year; how it was computed; or that it was not."""
    icon = rx.match(
        number.kind,
        ("data", rx.icon("check", size=13, color=rx.color("green", 10), aria_label="Found in the data")),
        ("derived", rx.icon("calculator", size=13, color=rx.color("indigo", 10), aria_label="Computed from the data")),
        rx.icon("flag", size=13, color=rx.color("amber", 10), aria_label="Not found in the data"),
    )
    return rx.el.li(
        rx.el.span(icon, class_name="d360-number-icon"),
        rx.el.span(number.text, class_name="d360-number"),
        rx.el.span(
            rx.cond(
                number.kind == "derived",
                rx.badge("derived", color_scheme="indigo", variant="soft", size="1", class_name="d360-derived"),
            ),
            number.where,
            class_name="d360-number-where",
        ),
        class_name="d360-number-row",
        data_kind=number.kind,
    )


def numbers_checked(message: MessageView) -> rx.Component:
    """A closed disclosure under the answer: each number and the series, country and year it was found in."""
    return rx.cond(
        message.numbers.length() > 0,
        rx.el.details(
            rx.el.summary(
                rx.hstack(
                    rx.icon("list-checks", size=14),
                    rx.text(message.numbers_summary, size="1"),
                    rx.icon("chevron-down", size=14, class_name="d360-chevron"),
                    align="center",
                    spacing="1",
                )
            ),
            rx.el.ul(rx.foreach(message.numbers, number_row), class_name="d360-numbers"),
            class_name="d360-numbers-checked",
        ),
    )


def answer(message: MessageView) -> rx.Component:
    """A finished (or stopped, cut short, or failed) answer."""
    return rx.vstack(
        *answer_body(markdown(message.content), message.tools, message.charts),
        rx.cond(
            message.status == "error",
            failure_callout(
                rx.cond(message.error, message.error, "The answer could not be completed."),
                rx.button("Retry", size="1", variant="soft", on_click=ChatActions.regenerate, aria_label="Retry"),
            ),
        ),
        rx.cond(message.status == "cancelled", rx.text("Stopped.", size="1", color_scheme="gray")),
        rx.cond(message.ending, cut_short_callout(message)),
        rx.cond(
            message.ungrounded,
            rx.callout.root(
                rx.callout.icon(rx.icon("flag")),
                rx.callout.text(message.ungrounded),
                color_scheme="amber",
                size="1",
                class_name="d360-ungrounded",
            ),
        ),
        numbers_checked(message),
        rx.cond(
            message.sources.length() > 0,
            rx.hstack(rx.foreach(message.sources, source_chip), wrap="wrap", spacing="2"),
        ),
        rx.hstack(
            answer_meta(message), rx.spacer(), answer_actions(message), width="100%", align="center", wrap="wrap"
        ),
        spacing="3",
        width="100%",
        align="start",
        class_name="d360-answer",
        data_message_id=message.id,
    )


def question(message: MessageView) -> rx.Component:
    """The user's question, in a bubble on the right."""
    return rx.flex(
        rx.box(
            rx.text(message.content, white_space="pre-wrap", size="3"),
            class_name="d360-question",
        ),
        justify="end",
        width="100%",
        data_message_id=message.id,
    )


def message_item(message: MessageView) -> rx.Component:
    """A question or an answer."""
    return rx.cond(message.role == "user", question(message), answer(message))
