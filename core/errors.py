"""The one exception type a user can meet: its message is a single line saying what to do."""


class OptagentError(Exception):
    """An error caused by input or environment, reported to the user as one clear line."""
