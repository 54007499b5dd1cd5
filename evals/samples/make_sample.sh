#!/bin/sh
# Regenerate the sample reports: a scripted line-mode session (seed 1, piped answers) in a
# throwaway COACH_HOME, then its Markdown and HTML reports. Run from the repository root.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
COACH_HOME="$(mktemp -d)"
export COACH_HOME HF_HUB_OFFLINE=1
trap 'rm -rf "$COACH_HOME"' EXIT
coach="${COACH:-.venv/bin/coach}"
"$coach" practice --plain --questions 4 --seed 1 --track fundamentals --track coding \
    --track behavioral < "$here/sample_answers.txt" > "$here/sample_transcript.txt"
"$coach" report latest --format md -o "$here/sample_report.md"
"$coach" report latest --format html -o "$here/sample_report.html"
