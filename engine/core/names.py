"""Names shared by the validator and the engine."""

import re

PLAIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def is_plain_name(value: str) -> bool:
    """A composite task's `workflow` that looks like a definition name is that name;
    anything else is a CEL expression computing the name."""
    return bool(PLAIN_NAME.match(value))
