"""Retrieval over the knowledge notes: chunking, a persistent Chroma index, search."""
