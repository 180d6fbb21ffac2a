"""The Reflex app: pages and the HTTP routes mounted next to them."""

import reflex as rx

from data360_chat.streams.runner import process_services
from data360_chat.ui.pages.account import account_page
from data360_chat.ui.pages.chat import chat_page
from data360_chat.ui.pages.sign_in import sign_in_page
from data360_chat.ui.pages.sign_up import sign_up_page
from data360_chat.ui.state.account import AccountState
from data360_chat.ui.state.auth import AuthFormState, AuthState
from data360_chat.ui.state.chat import ChatState
from data360_chat.web.app import build_web_app
from data360_chat.web.security_headers import security_headers

app = rx.App(api_transformer=[build_web_app(), security_headers])
app.register_lifespan_task(process_services)
app.add_page(chat_page, route="/", title="Data360 Chat", on_load=[AuthState.require_sign_in, ChatState.load])
app.add_page(sign_in_page, route="/sign-in", title="Sign in · Data360 Chat", on_load=AuthFormState.load)
app.add_page(sign_up_page, route="/sign-up", title="Create an account · Data360 Chat", on_load=AuthFormState.load)
app.add_page(account_page, route="/account", title="Your account · Data360 Chat", on_load=AccountState.load)
