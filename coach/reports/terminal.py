"""Terminal charts with rich: mastery bars, score sparklines and a session-score chart."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import RenderableType

    from coach.history.progress import Progress

SPARK = "▁▂▃▄▅▆▇█"
LEVEL_STYLE = {"no credit": "red", "weak": "red", "partial": "yellow", "good": "blue",
               "strong": "green"}
TREND_MARK = {"improving": ("↑", "green"), "slipping": ("↓", "red"), "steady": ("→", "white"),
              "new": ("·", "dim")}


def sparkline(values: list[float], top: float = 5.0) -> str:
    """One block character per value, scaled 0..top."""
    out = []
    for v in values:
        i = round(max(0.0, min(v, top)) / top * (len(SPARK) - 1))
        out.append(SPARK[i])
    return "".join(out)


def bar(value: float, width: int = 20, top: float = 5.0) -> str:
    """A horizontal bar with eighth-block precision."""
    cells = max(0.0, min(value, top)) / top * width
    full = int(cells)
    rest = round((cells - full) * 8)
    partial = " ▏▎▍▌▋▊▉"[rest] if rest and full < width else ""
    return ("█" * full + partial).ljust(width)


def progress_table(progress: Progress) -> RenderableType:
    from rich.table import Table
    from rich.text import Text

    from coach.reports.safe_text import valid_unicode, visible

    table = Table(title="Mastery by topic (recent answers weigh more)", title_justify="left",
                  expand=False)
    table.add_column("Topic")
    table.add_column("Answers", justify="right")
    table.add_column("Mastery", no_wrap=True)
    table.add_column("", justify="right")
    table.add_column("Trend", no_wrap=True)
    table.add_column("Last 10", no_wrap=True)
    for tp in progress.topics:
        style = LEVEL_STYLE.get(tp.level, "white")
        mark, trend_style = TREND_MARK[tp.trend]
        trend = Text(f"{mark} {tp.trend}" + (f" {tp.change:+.1f}" if tp.trend != "new" else ""),
                     style=trend_style)
        # A topic name can come from an imported file: plain text, never markup or escapes.
        table.add_row(Text(visible(valid_unicode(tp.topic))), str(tp.attempts),
                      Text(bar(tp.mastery), style=style),
                      f"{tp.mastery:.1f}", trend, sparkline([s for _, s in tp.scores[-10:]]))
    return table


def session_chart(progress: Progress, height: int = 6, last: int = 30) -> RenderableType:
    """Session scores over time as columns, oldest on the left."""
    from rich.text import Text

    scores = [score for _, _, score in progress.sessions[-last:]]
    text = Text()
    text.append(f"Session scores, last {len(scores)} (0-5, oldest left)\n", style="bold")
    for row in range(height, 0, -1):
        level = row / height * 5
        text.append(f"{level:>4.1f} ┤", style="dim")
        for s in scores:
            if s >= level - 1e-9:
                text.append("██ ", style=_style(s))
            elif s > level - 5 / height:
                text.append("▄▄ ", style=_style(s))
            else:
                text.append("   ")
        text.append("\n")
    text.append("     └" + "───" * len(scores) + "\n", style="dim")
    return text


def _style(score: float) -> str:
    from coach.grading.models import level_for

    return LEVEL_STYLE.get(level_for(score), "white")
