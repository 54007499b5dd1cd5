"""The interview: planning questions, follow-ups, the session state machine, spaced review."""
