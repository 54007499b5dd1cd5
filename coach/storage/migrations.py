"""Append-only, numbered migrations. Never edit one that has shipped; add the next."""

from __future__ import annotations

MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "m001_initial",
        """
        CREATE TABLE sessions (
            id TEXT PRIMARY KEY,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            status TEXT NOT NULL,
            role TEXT NOT NULL,
            mode TEXT NOT NULL,
            config TEXT NOT NULL,
            plan TEXT NOT NULL
        );
        CREATE TABLE turns (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            question_id TEXT NOT NULL,
            state TEXT NOT NULL,
            answer TEXT NOT NULL DEFAULT '',
            followups TEXT NOT NULL DEFAULT '[]',
            grade TEXT,
            hints_used INTEGER NOT NULL DEFAULT 0,
            skipped INTEGER NOT NULL DEFAULT 0,
            started_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE(session_id, position)
        );
        CREATE INDEX turns_question ON turns(question_id);
        CREATE TABLE review_state (
            question_id TEXT PRIMARY KEY,
            card TEXT NOT NULL,
            due TEXT NOT NULL,
            last_score REAL,
            reviews INTEGER NOT NULL DEFAULT 0,
            updated_at TEXT NOT NULL
        );
        """,
    ),
    (
        2,
        "m002_drafts_and_summary",
        """
        CREATE TABLE drafts (
            session_id TEXT NOT NULL,
            position INTEGER NOT NULL,
            text TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (session_id, position)
        );
        ALTER TABLE sessions ADD COLUMN summary TEXT;
        ALTER TABLE sessions ADD COLUMN finished_at TEXT;
        """,
    ),
    (
        3,
        "m003_turn_topics",
        """
        ALTER TABLE turns ADD COLUMN track TEXT NOT NULL DEFAULT '';
        ALTER TABLE turns ADD COLUMN topics TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE turns ADD COLUMN score REAL;
        CREATE INDEX turns_session ON turns(session_id, position);
        """,
    ),
    (
        4,
        "m004_turn_asked",
        # The exact wording the candidate saw for the question (the LLM's, when one phrased
        # it), so a resumed session shows it again without a new LLM call.
        """
        ALTER TABLE turns ADD COLUMN asked TEXT NOT NULL DEFAULT '';
        """,
    ),
]

LATEST = MIGRATIONS[-1][0]
