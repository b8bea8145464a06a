"""The bottom layer: shared value types (`types`), the user-facing error (`errors`) and file
helpers (`files`). Nothing here imports the rest of optagent."""
