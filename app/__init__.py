"""Front doors: the `optagent` CLI, the web and terminal chats, and `serve`."""
