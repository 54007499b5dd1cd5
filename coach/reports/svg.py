"""Charts as inline SVG strings: no scripts, no fonts or images from anywhere."""

from __future__ import annotations

from html import escape

LEVEL_COLOUR = {
    "no credit": "#b42318",
    "weak": "#d9480f",
    "partial": "#b7791f",
    "good": "#2f6fb0",
    "strong": "#2b8a3e",
}
MUTED = "#98a2b3"


def colour(level: str | None) -> str:
    return LEVEL_COLOUR.get(level or "", MUTED)


def _open(width: int, height: int, title: str, css_class: str) -> str:
    return (f'<svg class="{css_class}" role="img" '
            f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'aria-label="{escape(title)}"><title>{escape(title)}</title>')


def question_bars(items: list[tuple[str, float | None, str | None]]) -> str:
    """Vertical bars, one per question: (label, score or None when not graded, level)."""
    n = max(len(items), 1)
    bar, gap, left, top, plot_h = 34, 14, 34, 12, 150
    width = left + n * (bar + gap) + gap
    height = top + plot_h + 40
    parts = [_open(width, height, "Score per question (0 to 5)", "chart questions-chart")]
    for tick in range(6):
        y = top + plot_h - tick * plot_h / 5
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width}" y2="{y:.1f}" '
                     'class="grid"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" '
                     f'class="tick">{tick}</text>')
    for i, (label, score, level) in enumerate(items):
        x = left + gap + i * (bar + gap)
        cx = x + bar / 2
        if score is None:
            parts.append(f'<rect x="{x}" y="{top + plot_h - 6}" width="{bar}" height="6" '
                         f'fill="{MUTED}"><title>{escape(label)}: not graded</title></rect>')
            parts.append(f'<text x="{cx}" y="{top + plot_h - 10}" text-anchor="middle" '
                         'class="value">–</text>')
        else:
            h = max(score / 5 * plot_h, 2)
            parts.append(f'<rect x="{x}" y="{top + plot_h - h:.1f}" width="{bar}" '
                         f'height="{h:.1f}" rx="3" fill="{colour(level)}"><title>'
                         f'{escape(label)}: {score:.1f}/5</title></rect>')
            parts.append(f'<text x="{cx}" y="{top + plot_h - h - 4:.1f}" text-anchor="middle" '
                         f'class="value">{score:.1f}</text>')
        parts.append(f'<text x="{cx}" y="{top + plot_h + 18}" text-anchor="middle" '
                     f'class="label">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def topic_bars(items: list[tuple[str, float, str]]) -> str:
    """Horizontal bars, one per topic: (topic, mean score, level)."""
    row, label_w, plot_w, top = 24, 230, 300, 6
    height = top + max(len(items), 1) * row + 20
    width = label_w + plot_w + 50
    parts = [_open(width, height, "Mean score per topic (0 to 5)", "chart topics-chart")]
    for tick in range(6):
        x = label_w + tick * plot_w / 5
        parts.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" '
                     f'y2="{height - 18}" class="grid"/>')
        parts.append(f'<text x="{x:.1f}" y="{height - 4}" text-anchor="middle" '
                     f'class="tick">{tick}</text>')
    for i, (topic, score, level) in enumerate(items):
        y = top + i * row
        w = max(score / 5 * plot_w, 2)
        name = topic if len(topic) <= 32 else topic[:31] + "…"
        parts.append(f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end" '
                     f'class="label">{escape(name)}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row - 8}" '
                     f'rx="3" fill="{colour(level)}"><title>{escape(topic)}: {score:.1f}/5'
                     '</title></rect>')
        parts.append(f'<text x="{label_w + w + 6:.1f}" y="{y + 16}" class="value">'
                     f'{score:.1f}</text>')
    parts.append("</svg>")
    return "".join(parts)


def coverage_strip(counts: tuple[int, int, int]) -> str:
    """A thin stacked bar of key points: covered, partly covered, missed."""
    total = sum(counts) or 1
    width, height = 300, 14
    parts = [_open(width, height, f"Key points: {counts[0]} covered, {counts[1]} partly, "
                                  f"{counts[2]} missed", "strip")]
    x = 0.0
    for n, fill in zip(counts, ("#2b8a3e", "#b7791f", "#b42318"), strict=True):
        w = n / total * width
        if w:
            parts.append(f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="{height}" '
                         f'fill="{fill}"/>')
        x += w
    parts.append("</svg>")
    return "".join(parts)
