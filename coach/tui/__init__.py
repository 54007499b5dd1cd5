"""The Textual interface: one client of the coach core (imported only when the TUI runs)."""
