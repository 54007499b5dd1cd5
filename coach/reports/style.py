"""The report's stylesheet, inlined into every HTML report (screen and print)."""

from __future__ import annotations

CSS = """
:root { --ink: #1d2939; --muted: #667085; --line: #e4e7ec; --bg: #ffffff; --soft: #f8f9fb;
  --covered: #2b8a3e; --partial: #b7791f; --missed: #b42318; --accent: #2f6fb0; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; background: var(--soft); color: var(--ink);
  font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; }
main { max-width: 920px; margin: 0 auto; padding: 24px 28px 64px; background: var(--bg); }
h1 { font-size: 1.7rem; margin: 0.2rem 0 0.4rem; }
h2 { font-size: 1.3rem; margin: 2.2rem 0 0.8rem; padding-bottom: 0.3rem;
  border-bottom: 2px solid var(--line); }
h3 { font-size: 1.1rem; margin: 0 0 0.3rem; }
h4 { font-size: 0.95rem; margin: 1rem 0 0.4rem; color: var(--muted); text-transform: uppercase;
  letter-spacing: 0.04em; }
.meta { color: var(--muted); margin: 0; }
.overall { display: flex; gap: 24px; align-items: center; margin: 1.2rem 0; padding: 16px 20px;
  border: 1px solid var(--line); border-radius: 10px; }
.overall .big { font-size: 2.6rem; font-weight: 700; line-height: 1; }
.overall .level { font-size: 1.1rem; font-weight: 600; }
.pill { display: inline-block; padding: 1px 9px; border-radius: 999px; color: #fff;
  font-size: 0.85rem; font-weight: 600; white-space: nowrap; }
.chart { display: block; max-width: 100%; height: auto; margin: 8px 0 4px; }
.chart .grid { stroke: var(--line); stroke-width: 1; }
.chart text { font: 11px system-ui, sans-serif; fill: var(--muted); }
.chart .value { fill: var(--ink); font-weight: 600; }
.chart .label { fill: var(--ink); }
.strip { display: block; width: 300px; height: 14px; border-radius: 4px; margin: 4px 0 8px; }
table { border-collapse: collapse; width: 100%; margin: 0.4rem 0 1rem; font-size: 0.95rem; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line);
  vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
ol.steps li { margin: 0.35rem 0; }
code { font: 0.88em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  background: var(--soft); padding: 1px 5px; border-radius: 4px; }
.question { border: 1px solid var(--line); border-radius: 10px; padding: 16px 20px;
  margin: 18px 0; }
.question header { display: flex; justify-content: space-between; gap: 12px;
  align-items: baseline; }
.prompt { font-weight: 600; margin: 0.6rem 0; }
.answer, .model { white-space: pre-wrap; margin: 0.3rem 0 0.8rem; padding: 10px 14px;
  border-left: 4px solid var(--line); background: var(--soft); border-radius: 0 6px 6px 0; }
.model { border-left-color: var(--accent); white-space: normal; }
.model p { margin: 0.3rem 0 0.6rem; }
pre { white-space: pre-wrap; margin: 0.4rem 0; font-size: 0.88rem; }
pre code { background: none; padding: 0; }
.followup .q { margin: 0.6rem 0 0.2rem; }
ul.points { list-style: none; padding: 0; margin: 0; }
ul.points li { margin: 0.4rem 0; padding-left: 1.6rem; position: relative; }
ul.points li::before { position: absolute; left: 0.2rem; font-weight: 700; }
ul.points li.covered::before { content: "✓"; color: var(--covered); }
ul.points li.partial::before { content: "~"; color: var(--partial); }
ul.points li.missed::before { content: "·"; color: var(--missed); }
ul.points li.contradicted::before { content: "✗"; color: var(--missed); font-weight: bold; }
ul.points li.unverified::before { content: "?"; color: var(--accent); }
li.contradicted .status { color: var(--missed); font-weight: bold; }
li.unverified .status { color: var(--accent); }
.status { font-size: 0.8rem; font-weight: 700; text-transform: uppercase; margin-right: 6px; }
li.covered .status { color: var(--covered); } li.partial .status { color: var(--partial); }
li.missed .status { color: var(--missed); }
blockquote { margin: 0.25rem 0 0; padding: 2px 10px; border-left: 3px solid var(--line);
  color: #344054; font-style: italic; }
.source { font-size: 0.8rem; color: var(--muted); font-style: normal; }
.misconception { border-left: 4px solid var(--missed); padding: 6px 12px; margin: 0.5rem 0;
  background: #fff5f4; }
.pass { color: var(--covered); } .fail { color: var(--missed); }
.study a { color: var(--accent); }
.footer { color: var(--muted); font-size: 0.85rem; margin-top: 2rem; }
nav.toc { font-size: 0.95rem; }
@media print {
  @page { margin: 16mm 14mm; }
  body { background: #fff; font-size: 11pt; }
  main { max-width: none; padding: 0; }
  nav.toc { display: none; }
  h2 { break-after: avoid; }
  .question { break-inside: avoid-page; border-color: #ccc; }
  .question header, h3, h4 { break-after: avoid; }
  .answer, .model { border-left-color: #999; background: none; }
  a { color: inherit; text-decoration: none; }
  .study a::after { content: " (" attr(data-path) ")"; font-size: 0.85em; color: #555; }
}
"""

# Added only to reports with an LLM judge, so an offline report is unchanged.
JUDGE_CSS = """
.judge { color: var(--accent); }
span.judge { font-size: 0.8rem; font-weight: 600; margin-right: 6px; }
span.judge.covered { color: var(--covered); } span.judge.partial { color: var(--partial); }
span.judge.missed { color: var(--missed); }
blockquote.judge { border-left-color: var(--accent); }
.overall .judge { color: var(--muted); font-size: 0.92rem; margin-top: 0.2rem; }
.graders { margin: 0.4rem 0 0; }
"""
