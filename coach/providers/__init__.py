"""Chat models behind one small interface, and the LLM roles built on it.

`base.ChatProvider` is the interface (complete, stream, structured output); LangChain stays
inside `openai_compat`, llama-cpp-python inside `local`. The roles — interviewer, judge and
report writer — only see `ChatProvider`, so the scripted `FakeProvider` drives them in tests.
Nothing here is imported by `coach` at start-up.
"""

from __future__ import annotations
