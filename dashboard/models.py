"""The dashboard has no models of its own: batch jobs are the engine's (engine.models.BatchJob)."""
