"""The history across sessions: progress, preparation plans, export and import."""
