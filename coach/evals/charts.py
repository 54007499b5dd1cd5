"""Dependency-free SVG bar charts for eval reports."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

COLOURS = ("#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948")


def bar_chart(title: str, groups: Mapping[str, Mapping[str, float | None]],
              series: Sequence[str], *, top: float = 1.0) -> str:
    """Horizontal grouped bars: one group per row label, one bar per series, 0..top."""
    row_h, bar_h, label_w, plot_w = 18 * max(1, len(series)) + 12, 16, 230, 420
    height = 50 + row_h * len(groups) + 24
    width = label_w + plot_w + 80
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="10" y="20" font-size="15" font-weight="bold">{escape(title)}</text>']
    for i, name in enumerate(series):
        x = label_w + i * 120
        out.append(f'<rect x="{x}" y="30" width="10" height="10" '
                   f'fill="{COLOURS[i % len(COLOURS)]}"/>')
        out.append(f'<text x="{x + 14}" y="39">{escape(name)}</text>')
    y = 50
    for label, values in groups.items():
        short = label if len(label) <= 34 else "…" + label[-33:]
        out.append(f'<text x="10" y="{y + row_h / 2 + 4:.0f}">{escape(short)}</text>')
        for i, name in enumerate(series):
            value = values.get(name)
            by = y + 6 + i * 18
            if value is None or (isinstance(value, float) and math.isnan(value)):
                out.append(f'<text x="{label_w}" y="{by + 12}" fill="#888">n/a</text>')
                continue
            w = max(0.0, min(1.0, value / top)) * plot_w
            out.append(f'<rect x="{label_w}" y="{by}" width="{w:.1f}" height="{bar_h}" '
                       f'fill="{COLOURS[i % len(COLOURS)]}"/>')
            out.append(f'<text x="{label_w + w + 4:.1f}" y="{by + 12}">{value:.3f}</text>')
        y += row_h
    out.append(f'<line x1="{label_w}" y1="48" x2="{label_w}" y2="{y}" stroke="#333"/>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
