"""The Reflex app: pages and the HTTP routes mounted next to them."""

import reflex as rx

from data360_chat.ui.pages.chat import chat_page

app = rx.App()
app.add_page(chat_page, route="/", title="Data360 Chat")
