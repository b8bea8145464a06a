"""One module per graph node. Each node is `async (state, runtime) -> update`; none routes."""
