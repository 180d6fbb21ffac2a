"""A person's chats as the UI and the API use them: views of conversations and the actions on them."""
