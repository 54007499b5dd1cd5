"""The knowledge base: topic notes and their question banks."""
