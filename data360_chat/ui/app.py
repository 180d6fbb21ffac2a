"""The Reflex app: pages and the HTTP routes mounted next to them."""

from collections.abc import Callable

import reflex as rx

from data360_chat import observability
from data360_chat.observability.asgi import observed
from data360_chat.settings import get_settings
from data360_chat.streams.runner import process_services
from data360_chat.ui.components.problem_banner import problem_banner
from data360_chat.ui.pages.account import account_page
from data360_chat.ui.pages.admin_usage import admin_usage_page
from data360_chat.ui.pages.admin_users import admin_users_page
from data360_chat.ui.pages.chat import chat_page
from data360_chat.ui.pages.sign_in import sign_in_page
from data360_chat.ui.pages.sign_up import sign_up_page
from data360_chat.ui.state.account import AccountState
from data360_chat.ui.state.admin_usage import AdminUsageState
from data360_chat.ui.state.admin_users import AdminUsersState
from data360_chat.ui.state.auth import AuthFormState, AuthState, SessionGuard
from data360_chat.ui.state.chat_actions import ChatActions
from data360_chat.ui.state.problem import backend_problem
from data360_chat.web.app import build_web_app
from data360_chat.web.security_headers import security_headers

PAGES = [
    (chat_page, "/", "Data360 Chat", [AuthState.require_sign_in, ChatActions.load]),
    (sign_in_page, "/sign-in", "Sign in · Data360 Chat", [AuthFormState.load]),
    (sign_up_page, "/sign-up", "Create an account · Data360 Chat", [AuthFormState.load]),
    (account_page, "/account", "Your account · Data360 Chat", [AccountState.load]),
    (admin_usage_page, "/admin", "Usage · Admin · Data360 Chat", [AdminUsageState.load]),
    (admin_users_page, "/admin/users", "Users · Admin · Data360 Chat", [AdminUsersState.load]),
]


def with_problems(page: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
    """The page with the banner that shows a problem the server met."""
    return lambda: rx.fragment(problem_banner(), page())


observability.setup(get_settings())
app = rx.App(api_transformer=[build_web_app(), security_headers, observed], backend_exception_handler=backend_problem)
app.register_lifespan_task(observability.lifespan)
app.register_lifespan_task(process_services)
app.add_middleware(SessionGuard(), index=0)  # before Reflex's own: no state leaves before the session is checked
for page, route, title, on_load in PAGES:
    app.add_page(with_problems(page), route=route, title=title, on_load=on_load)
