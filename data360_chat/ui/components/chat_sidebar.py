"""The sidebar of chats: new chat, search, the list newest first with "Load more", rename and delete dialogs.
On narrow screens (under 768 px) it becomes a drawer opened from the header."""

from __future__ import annotations

import reflex as rx

from data360_chat.chats.views import ChatItem
from data360_chat.ui.components.confirm_dialog import confirm_dialog
from data360_chat.ui.state.auth import AuthState
from data360_chat.ui.state.chat import ChatState
from data360_chat.ui.state.chat_actions import ChatActions
from data360_chat.ui.state.sidebar import SidebarState


def export_item(chat: ChatItem, extension: str, label: str) -> rx.Component:
    """A menu entry that downloads the whole chat from the server."""
    return rx.dropdown_menu.item(
        rx.icon("download", size=14),
        label,
        on_click=rx.download(url="/api/v1/chats/" + chat.id + f"/export.{extension}"),
    )


def chat_row(chat: ChatItem) -> rx.Component:
    """One chat: opens it; a menu renames, exports or deletes it."""
    current = ChatState.chat_id == chat.id
    return rx.hstack(
        rx.button(
            rx.text(chat.title, class_name="d360-ellipsis", size="2"),
            variant=rx.cond(current, "soft", "ghost"),
            color_scheme="gray",
            on_click=SidebarState.open_chat(chat.id),
            class_name="d360-chat-link",
            aria_current=rx.cond(current, "page", "false"),
            title=chat.title,
        ),
        rx.dropdown_menu.root(
            rx.dropdown_menu.trigger(
                rx.icon_button(
                    rx.icon("ellipsis", size=14),
                    variant="ghost",
                    color_scheme="gray",
                    size="1",
                    aria_label="Actions for " + chat.title,
                )
            ),
            rx.dropdown_menu.content(
                rx.dropdown_menu.item(
                    rx.icon("pencil", size=14), "Rename", on_click=SidebarState.start_rename(chat.id, chat.title)
                ),
                export_item(chat, "md", "Export as Markdown"),
                export_item(chat, "json", "Export as JSON"),
                rx.dropdown_menu.separator(),
                rx.dropdown_menu.item(
                    rx.icon("trash-2", size=14),
                    "Delete",
                    color="red",
                    on_click=SidebarState.start_delete(chat.id, chat.title),
                ),
            ),
        ),
        width="100%",
        spacing="1",
        align="center",
        class_name="d360-chat-row",
    )


def rename_dialog() -> rx.Component:
    """Rename the chosen chat."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Rename chat"),
            rx.form(
                rx.vstack(
                    rx.input(
                        name="title",
                        default_value=SidebarState.rename_text,
                        aria_label="Chat title",
                        max_length=200,
                        auto_focus=True,
                        width="100%",
                    ),
                    rx.hstack(
                        rx.button(
                            "Cancel",
                            type="button",
                            variant="soft",
                            color_scheme="gray",
                            on_click=SidebarState.cancel_rename,
                        ),
                        rx.button("Save", type="submit"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                ),
                on_submit=ChatActions.rename,
            ),
            max_width="420px",
        ),
        open=SidebarState.renaming_id != "",
        on_open_change=lambda is_open: rx.cond(is_open, rx.noop(), SidebarState.cancel_rename()),
    )


def delete_dialog() -> rx.Component:
    """Confirm before deleting a chat."""
    return confirm_dialog(
        title="Delete this chat?",
        description=rx.text('"', SidebarState.deleting_title, '" and everything in it will be deleted for good.'),
        action="Delete",
        is_open=SidebarState.deleting_id != "",
        on_confirm=ChatActions.delete,
        on_cancel=SidebarState.cancel_delete,
    )


def sidebar_content() -> rx.Component:
    """Everything in the sidebar."""
    return rx.vstack(
        rx.hstack(
            rx.icon("chart-line", size=20, color=rx.color("indigo", 10)),
            rx.heading("Data360 Chat", size="4"),
            align="center",
            spacing="2",
        ),
        rx.button(rx.icon("square-pen", size=16), "New chat", on_click=SidebarState.new_chat, width="100%"),
        rx.input(
            rx.input.slot(rx.icon("search", size=14)),
            placeholder="Search chats",
            aria_label="Search chats",
            type="search",
            default_value=SidebarState.query,
            on_change=SidebarState.search.debounce(300),
            width="100%",
        ),
        rx.box(
            rx.vstack(
                rx.foreach(SidebarState.chats, chat_row),
                rx.cond(
                    SidebarState.chats.length() == 0,
                    rx.text(
                        rx.cond(SidebarState.query, "No chats match.", "No chats yet."),
                        size="2",
                        color_scheme="gray",
                        padding_y="0.5em",
                    ),
                ),
                rx.cond(
                    SidebarState.has_more,
                    rx.button("Load more", variant="soft", size="1", on_click=SidebarState.load_more, width="100%"),
                ),
                spacing="1",
                width="100%",
            ),
            flex="1",
            min_height="0",
            overflow_y="auto",
            width="100%",
        ),
        rx.hstack(
            rx.link(
                rx.hstack(rx.icon("user", size=14), "Account", align="center", spacing="1"), href="/account", size="2"
            ),
            rx.cond(
                AuthState.is_admin,
                rx.link(
                    rx.hstack(rx.icon("shield", size=14), "Admin", align="center", spacing="1"),
                    href="/admin",
                    size="2",
                    id="admin-link",
                ),
            ),
            rx.spacer(),
            rx.color_mode.button(aria_label="Switch light or dark theme", size="1", variant="ghost"),
            width="100%",
            align="center",
        ),
        height="100%",
        spacing="3",
        padding="1em",
        width="100%",
        class_name="d360-sidebar",
    )


def sidebar() -> rx.Component:
    """The sidebar on wide screens."""
    return rx.box(
        rx.el.nav(sidebar_content(), aria_label="Chats", height="100%"),
        display=["none", "none", "block"],
        width="280px",
        min_width="280px",
        height="100dvh",
        border_right=f"1px solid {rx.color('gray', 5)}",
        background=rx.color("gray", 2),
        class_name="d360-sidebar-panel",
    )


def drawer() -> rx.Component:
    """The sidebar as a drawer on narrow screens, opened by the menu button."""
    return rx.drawer.root(
        rx.drawer.trigger(
            rx.icon_button(rx.icon("menu", size=18), variant="ghost", aria_label="Open chats", size="2"),
            display=["flex", "flex", "none"],
        ),
        rx.drawer.overlay(z_index="40"),
        rx.drawer.portal(
            rx.drawer.content(
                rx.el.nav(sidebar_content(), aria_label="Chats", height="100%"),
                top="0",
                left="0",
                height="100%",
                width="min(85vw, 300px)",
                background=rx.color("gray", 2),
                z_index="50",
                aria_label="Chats",
            ),
        ),
        direction="left",
        open=SidebarState.drawer_open,
        on_open_change=SidebarState.set_drawer_open,
    )


def dialogs() -> rx.Component:
    """The rename and delete dialogs (one of each for the page)."""
    return rx.fragment(rename_dialog(), delete_dialog())
