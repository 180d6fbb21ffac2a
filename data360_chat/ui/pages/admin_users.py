"""Accounts: search and pages, the actions on each, the confirmation before disabling or deleting, the audit log."""

from __future__ import annotations

import reflex as rx

from data360_chat.admin.service import AccountItem, AuditItem
from data360_chat.ui.components.admin_frame import admin_page, notices, panel
from data360_chat.ui.components.confirm_dialog import confirm_dialog
from data360_chat.ui.state.admin_users import AdminUsersState

WIDE_ONLY = rx.breakpoints(initial="none", md="table-cell")


def _action(label: str, action: str, account: AccountItem, **props: object) -> rx.Component:
    return rx.button(
        label,
        size="1",
        variant="soft",
        on_click=AdminUsersState.act(account.id, action),
        aria_label=label + " " + account.email,
        **props,
    )


def account_row(account: AccountItem) -> rx.Component:
    """One account: who, role and state, dates, chats, and what can be done to it."""
    return rx.table.row(
        rx.table.cell(
            rx.vstack(
                rx.text(account.email, weight="medium", style={"overflowWrap": "anywhere"}),
                rx.text(account.name, size="1", color_scheme="gray"),
                spacing="0",
            )
        ),
        rx.table.cell(
            rx.hstack(
                rx.cond(account.admin, rx.badge("admin", color_scheme="indigo")),
                rx.cond(account.active, rx.fragment(), rx.badge("disabled", color_scheme="red")),
                rx.cond(account.you, rx.badge("you", color_scheme="gray")),
                spacing="1",
            )
        ),
        rx.table.cell(account.created, display=WIDE_ONLY),
        rx.table.cell(account.last_login, display=WIDE_ONLY),
        rx.table.cell(account.chats, display=WIDE_ONLY),
        rx.table.cell(
            rx.hstack(
                rx.cond(
                    account.admin,
                    _action("Remove admin", "revoke_admin", account, color_scheme="gray"),
                    _action("Make admin", "grant_admin", account),
                ),
                rx.cond(
                    account.active,
                    _action("Disable", "disable", account, color_scheme="amber"),
                    _action("Enable", "enable", account, color_scheme="grass"),
                ),
                _action("Delete", "delete", account, color_scheme="red"),
                spacing="2",
                wrap="wrap",
            )
        ),
        class_name="d360-account-row",
        data_email=account.email,
    )


def audit_row(entry: AuditItem) -> rx.Component:
    """Who did what to whom, and when."""
    return rx.table.row(
        rx.table.cell(entry.at),
        rx.table.cell(entry.actor),
        rx.table.cell(entry.action),
        rx.table.cell(entry.target),
        rx.table.cell(entry.detail, display=WIDE_ONLY),
        class_name="d360-audit-row",
    )


def account_change_dialog() -> rx.Component:
    """Ask before disabling or deleting an account."""
    return confirm_dialog(
        title="Are you sure?",
        description=AdminUsersState.pending_text,
        action="Confirm",
        is_open=AdminUsersState.pending_text != "",
        on_confirm=AdminUsersState.confirm,
        on_cancel=AdminUsersState.cancel,
    )


def pager() -> rx.Component:
    """Previous and next page of accounts."""
    return rx.hstack(
        rx.text(
            AdminUsersState.total,
            " accounts · page ",
            AdminUsersState.page,
            " of ",
            AdminUsersState.pages,
            size="2",
            color_scheme="gray",
        ),
        rx.spacer(),
        rx.button(
            "Previous",
            size="1",
            variant="soft",
            disabled=AdminUsersState.page <= 1,
            on_click=AdminUsersState.go_to_page(AdminUsersState.page - 1),
        ),
        rx.button(
            "Next",
            size="1",
            variant="soft",
            disabled=AdminUsersState.page >= AdminUsersState.pages,
            on_click=AdminUsersState.go_to_page(AdminUsersState.page + 1),
        ),
        align="center",
        width="100%",
    )


def admin_users_page() -> rx.Component:
    """Accounts and the audit log."""
    return admin_page(
        AdminUsersState.allowed,
        "Users",
        rx.heading("Users", size="7", as_="h1"),
        notices(AdminUsersState.error, AdminUsersState.notice),
        panel(
            "Accounts",
            rx.input(
                rx.input.slot(rx.icon("search", size=14)),
                placeholder="Search by email or name",
                aria_label="Search accounts",
                type="search",
                default_value=AdminUsersState.query,
                on_change=AdminUsersState.search.debounce(300),
                width="100%",
                max_width="28rem",
            ),
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("Account"),
                        rx.table.column_header_cell("Role"),
                        rx.table.column_header_cell("Created", display=WIDE_ONLY),
                        rx.table.column_header_cell("Last sign-in", display=WIDE_ONLY),
                        rx.table.column_header_cell("Chats", display=WIDE_ONLY),
                        rx.table.column_header_cell("Actions"),
                    )
                ),
                rx.table.body(rx.foreach(AdminUsersState.accounts, account_row)),
                width="100%",
                id="admin-accounts",
            ),
            pager(),
        ),
        panel(
            "Audit log",
            rx.cond(
                AdminUsersState.audit.length() > 0,
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell("When"),
                            rx.table.column_header_cell("Who"),
                            rx.table.column_header_cell("What"),
                            rx.table.column_header_cell("Whom"),
                            rx.table.column_header_cell("Detail", display=WIDE_ONLY),
                        )
                    ),
                    rx.table.body(rx.foreach(AdminUsersState.audit, audit_row)),
                    size="1",
                    width="100%",
                    id="admin-audit",
                ),
                rx.text("No admin actions yet.", size="2", color_scheme="gray"),
            ),
        ),
        account_change_dialog(),
    )
