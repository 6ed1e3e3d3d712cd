"""The pure workflow engine: net model, validation, enabling/firing rules, OR-join analysis.

Nothing in this package imports Django; it is tested in milliseconds without a database.
"""
