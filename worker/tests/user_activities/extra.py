"""A module of activities outside any Django app, named by WORKFLOW_ACTIVITY_MODULES in tests."""

from definitions.registry import activity


@activity("user.greet", input_schema={"type": "object", "properties": {"name": {"type": "string"}}})
def greet(payload, ctx):
    """Greets by name."""
    return {"greeting": f"hello {payload.get('name', 'you')}"}
