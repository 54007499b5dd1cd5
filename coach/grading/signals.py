"""Structural signals: degenerate answers, instructions aimed at the grader, STAR parts."""

from __future__ import annotations

import re

from coach.grading.models import Quote, StarName, StarPartResult, StarResult
from coach.grading.text import STOPWORDS, Unit, letter_ratio, words

IDK = re.compile(
    r"^\W*(i\s*(do\s*n[o']?t|dont|don’t)\s*know|idk|no\s*idea|not\s*sure|pass|skip|n/?a|"
    r"i\s*have\s*no\s*(idea|clue)|no\s*clue|dunno|can'?t\s*remember|i\s*forgot|"
    r"i'?m\s*not\s*sure|\?+|-+|\.+)\W*$",
    re.IGNORECASE,
)
INJECTION = re.compile(
    r"(ignore|disregard|forget|override)\b.{0,40}\b(instruction|rubric|rules?|prompt|above|"
    r"previous|grading|criteria)|"
    r"\b(give|award|assign|grade|score|rate|mark)\b.{0,30}(\b5\s*/\s*5|\b10\s*/\s*10|full marks|"
    r"perfect score|maximum|top score|100\s*%|\b5 out of 5|highest)|"
    r"\b(you are|act as|pretend|as an ai|system prompt|new instructions?)\b.{0,40}"
    r"(grader|judge|model|assistant|instructions?)|"
    r"(this answer|my answer|the answer)\s+(is|deserves)\s+(perfect|correct|excellent|a 5)",
    re.IGNORECASE,
)
_VOWEL = re.compile(r"[aeiouy]", re.IGNORECASE)
_CONSONANT_RUN = re.compile(r"[bcdfghjklmnpqrstvwxz]{5,}", re.IGNORECASE)
_NUMBER = re.compile(r"(\d+(\.\d+)?\s*(%|percent|x\b|×|ms\b|s\b|k\b|m\b|hours?|days?|weeks?|"
                     r"points?|pp\b|users|customers|\$)|\$\s*\d|\b\d+(\.\d+)?\s*(times|fold)\b|"
                     r"\bfrom\s+\d[\d.,]*\s*(%|ms|s)?\s+to\s+\d|"
                     r"\b(?!(19|20)\d\d\b)\d[\d,]*(\.\d+)?\s+(of\s+\d+\s+)?[a-z]{3,}|"
                     r"\b(halved|doubled|tripled|twice as|hundreds of|thousands of|millions of|"
                     r"dozens of)\b|\bwithin (a|one|two|three|four|five|six|a few) "
                     r"(hours?|days?|weeks?|months?)\b)", re.IGNORECASE)


def is_idk(answer: str) -> bool:
    text = answer.strip()
    if IDK.match(text):
        return True
    low = text.lower()
    return len(words(text)) <= 12 and bool(
        re.search(r"\b(don'?t|do not|dont)\s+know\b|\bno idea\b|\bnot sure\b|\bno clue\b", low)
    ) and not re.search(r"\bbut\b|\bbecause\b|\bthink\b|\bguess\b", low)


_VOCAB: frozenset[str] | None = None


def _vocab() -> frozenset[str]:
    """Whole words of the bundled model's word-piece vocabulary (read once, no torch)."""
    global _VOCAB
    if _VOCAB is None:
        try:
            from coach.embeddings import model_path

            with open(f"{model_path()}/vocab.txt", encoding="utf-8") as fh:
                _VOCAB = frozenset(w.strip() for w in fh if w.strip().isalpha())
        except OSError:
            _VOCAB = frozenset()
    return _VOCAB


def unknown_share(answer: str) -> float:
    vocab = _vocab()
    alpha = [w.lower() for w in re.findall(r"[A-Za-z]+", answer) if len(w) >= 2]
    if not vocab or not alpha:
        return 0.0
    return sum(1 for w in alpha if w not in vocab) / len(alpha)


def is_word_salad(answer: str) -> bool:
    """Real and made-up words strung together with no sentence structure."""
    ws = words(answer)
    if len(ws) < 8 or len(ws) > 80:
        return False
    stop_share = sum(1 for w in ws if w in STOPWORDS) / len(ws)
    repeats = sum(1 for a, b in zip(ws, ws[1:], strict=False) if a == b)
    return stop_share < 0.15 and (unknown_share(answer) > 0.12 or repeats >= 2)


def is_gibberish(answer: str) -> bool:
    tokens = re.findall(r"\S+", answer)
    if not tokens:
        return False
    if letter_ratio(answer.replace(" ", "")) < 0.45:
        return True
    alpha = [t for t in (re.sub(r"[^A-Za-z]", "", t) for t in tokens) if t]
    if not alpha:
        return True
    odd = sum(1 for t in alpha if (len(t) > 3 and not _VOWEL.search(t))
              or _CONSONANT_RUN.search(t) or len(t) > 22)
    if len(alpha) >= 3 and unknown_share(answer) > 0.5:
        return True
    stop_share = sum(1 for w in words(answer) if w in STOPWORDS) / max(1, len(alpha))
    return odd / len(alpha) > 0.3 or (len(alpha) >= 6 and stop_share < 0.03 and odd / len(alpha)
                                        > 0.15)


def is_keyword_list(answer: str) -> bool:
    """A bare list of terms: short, very few function words, no sentence-length segments.

    Long answers are never a bare list: a design outline in note form ("Data: ...; Model:
    ...") has few function words too, but it explains its choices.
    """
    ws = words(answer)
    if len(ws) < 4 or len(ws) > 60:
        return False
    stop_share = sum(1 for w in ws if w in STOPWORDS) / len(ws)
    segments = [s for s in re.split(r"[,;\n•|/]+|\s-\s", answer) if s.strip()]
    avg = sum(len(s.split()) for s in segments) / max(1, len(segments))
    return stop_share < 0.12 and avg <= 4.0 and len(segments) >= 3


def injection_units(units: list[Unit]) -> list[int]:
    return [i for i, u in enumerate(units) if INJECTION.search(u.text)]


# --- STAR -------------------------------------------------------------------------------

STAR_CUES: dict[StarName, re.Pattern[str]] = {
    "situation": re.compile(
        r"\b(at my (previous|last|current)|when i was|in my (last|previous|current) (role|job|"
        r"team|company)|our team|the team|we were|the company|our company|the project|"
        r"a project|last year|a few years ago|back in|context|there was|we had|at \w+,? i|"
        r"i was working|i worked|last (spring|summer|autumn|fall|winter|quarter|month)|"
        r"in (19|20)\d\d|during (my|a|the|our)|while (i was|working at)|"
        r"i joined|when i joined|at (a|an|my) \w+ (startup|company|bank|retailer|team))\b",
        re.IGNORECASE),
    "task": re.compile(
        r"\b(my (role|task|job|goal|responsibility|assignment)|i was (responsible|asked|tasked|"
        r"in charge|the owner)|i owned|i needed to|i had to|the goal was|our goal|goal was|"
        r"we needed to|the task|was to|objective|i was expected|success (meant|would mean)|"
        r"my (call|part|decision|job)|i('d| had) built|i was (leading|the lead|on point|"
        r"the one)|it was (my|up to me)|i needed|i wanted to|i set out to|i was hired to|"
        r"i was the (only|sole|main|lead|senior|junior|first)|i was brought in|"
        r"(asked|assigned|tasked) me|my manager asked|i volunteered|i took (on|ownership))\b",
        re.IGNORECASE),
    "action": re.compile(
        r"\b(i (built|designed|decided|proposed|wrote|ran|analy[sz]ed|set up|implemented|"
        r"created|led|started|organized|organised|scheduled|talked|met|reached out|"
        r"investigated|dug|traced|compared|added|changed|introduced|prototyped|trained|"
        r"tested|replaced|refactored|migrated|automated|documented|presented|suggested|"
        r"convinced|negotiated|asked|collected|labell?ed|cleaned|split|tuned|rolled|shipped|"
        r"deployed|monitored|wrote up|pushed|brought|focused|prioriti[sz]ed|first|then|next)|"
        r"so i|then i|first,? i|next,? i|i also|i personally)\b", re.IGNORECASE),
    "result": re.compile(
        r"\b(as a result|in the end|result(ed)? (was|in)|the outcome|ended up|which (cut|"
        r"reduced|increased|improved|saved|raised|lowered)|we (cut|reduced|increased|improved|"
        r"saved|shipped|launched|hit|reached)|(reduced|increased|improved|cut|saved|lowered|"
        r"raised|grew|dropped) (the )?\w+|it (worked|paid off|shipped|launched)|"
        r"eventually|ultimately|afterwards|went from)\b", re.IGNORECASE),
}
REFLECTION = re.compile(
    r"\b(i learn(ed|t)|lessons?|takeaways?|in hindsight|looking back|next time|i would (now|do)|"
    r"now i (always|make sure|start|check|ask)|i('ve| have) (since|started|learned)|"
    r"taught me|i realized|i realised|what i took away|i'd do differently|"
    r"if i did it again|since then|i now)\b", re.IGNORECASE)
_I = re.compile(r"\b(i|me|my|myself|i'm|i've|i'd)\b", re.IGNORECASE)
_WE = re.compile(r"\b(we|our|us|ourselves|we're|we've)\b", re.IGNORECASE)


def _quote(unit: Unit, source: str = "answer") -> Quote:
    return Quote(text=unit.text, start=unit.start, end=unit.end, source=source)


def analyse_star(units: list[Unit], answer: str) -> StarResult:
    parts: list[StarPartResult] = []
    for name, cue in STAR_CUES.items():
        hit = next((u for u in units if cue.search(u.text)), None)
        if name == "situation" and hit is None and len(units) >= 3 and not (
                STAR_CUES["action"].search(units[0].text)
                or STAR_CUES["result"].search(units[0].text)):
            hit = units[0]  # stories open with their context even without a stock phrase
        if name == "result" and hit is None:
            hit = next((u for u in units if _NUMBER.search(u.text) and units.index(u) > 0), None)
        parts.append(StarPartResult(part=name, present=hit is not None,
                                    evidence=_quote(hit) if hit else None))
    quant = next((u for u in units if _NUMBER.search(u.text)), None)
    refl = next((u for u in units if REFLECTION.search(u.text)), None)
    i_count = len(_I.findall(answer))
    we_count = len(_WE.findall(answer))
    if i_count == 0 and we_count == 0:
        ownership = "none"
    elif i_count >= 2 * we_count:
        ownership = "I"
    elif we_count >= 2 * i_count:
        ownership = "we"
    else:
        ownership = "mixed"
    return StarResult(parts=parts, ownership=ownership, i_count=i_count, we_count=we_count,
                      quantified=quant is not None,
                      quantified_evidence=_quote(quant) if quant else None,
                      reflection=refl is not None,
                      reflection_evidence=_quote(refl) if refl else None)
