"""SQLite storage: sessions, turns, review state, drafts; numbered append-only migrations."""
