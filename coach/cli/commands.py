"""Imports every command module so each registers on the app."""

from __future__ import annotations
