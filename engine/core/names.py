"""Names shared by the validator and the engine.

One pattern and one length for a definition's name (docs/net-format.md, "Ids and names"): it is
the key in the API's URLs, the file name of an export and what a composite task names. The
patterns are matched whole (`fullmatch`): Python's `$` also matches before a final newline, so
"name\\n" would otherwise pass and then break every URL that carries it."""

import re

PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
# Definition names, task/condition ids and signal/query names: at most this many characters
# (the database columns holding them are longer; net.schema.json says the same).
NAME_MAX_LENGTH = 100


def is_plain_name(value: str) -> bool:
    """A composite task's `workflow` that looks like a definition name is that name;
    anything else is a CEL expression computing the name."""
    return PLAIN_NAME.fullmatch(value) is not None


def is_definition_name(value: object) -> bool:
    """Whether `value` may name a definition: the plain-name pattern, at most NAME_MAX_LENGTH."""
    return isinstance(value, str) and len(value) <= NAME_MAX_LENGTH and is_plain_name(value)
