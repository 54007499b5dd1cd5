"""coach: a terminal interview coach for machine-learning jobs.

Importing this package is cheap: torch, chromadb, sentence-transformers, LangChain and
Textual load only when a command first needs them.
"""

from __future__ import annotations

__version__ = "0.1.0"
