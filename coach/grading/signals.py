"""Structural signals: degenerate answers, instructions aimed at the grader, STAR parts."""

from __future__ import annotations

import re

from coach.grading.models import Quote, StarName, StarPartResult, StarResult
from coach.grading.text import STOPWORDS, Unit, content_stems, letter_ratio, words

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
_NUMBER_WORD = (r"(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|"
                r"twenty|thirty|forty|fifty|hundred|half)")
_VOWEL = re.compile(r"[aeiouy]", re.IGNORECASE)
_CONSONANT_RUN = re.compile(r"[bcdfghjklmnpqrstvwxz]{5,}", re.IGNORECASE)
_NUMBER = re.compile(r"(\d+(\.\d+)?\s*(%|percent|x\b|×|ms\b|s\b|k\b|m\b|hours?|days?|weeks?|"
                     r"points?|pp\b|users|customers|\$)|\$\s*\d|\b\d+(\.\d+)?\s*(times|fold)\b|"
                     r"\bfrom\s+\d[\d.,]*\s*(%|ms|s)?\s+to\s+\d|"
                     r"\b(?!(19|20)\d\d\b)\d[\d,]*(\.\d+)?\s+(of\s+\d+\s+)?[a-z]{3,}|"
                     r"\b(halved|doubled|tripled|twice as|hundreds of|thousands of|millions of|"
                     r"dozens of)\b|\bwithin (a|one|two|three|four|five|six|a few) "
                     r"(hours?|days?|weeks?|months?|quarters?)\b|"
                     rf"\b{_NUMBER_WORD}\s+(percent|times|minutes?|hours?|days?|weeks?|months?|"
                     r"quarters?|years?|points?)\b|"
                     rf"\bfrom (about |around |roughly |over |under )?({_NUMBER_WORD}|\d)"
                     rf"[^.;]{{0,30}}?\bto (about |around |roughly |over |under |below )?"
                     rf"({_NUMBER_WORD}|\d)|"
                     r"\bzero\s+[a-z][\w-]+)", re.IGNORECASE)


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
    if relates_terms(answer):
        return False
    stop_share = sum(1 for w in ws if w in STOPWORDS) / len(ws)
    repeats = sum(1 for a, b in zip(ws, ws[1:], strict=False) if a == b)
    return stop_share < 0.15 and (unknown_share(answer) > 0.12 or repeats >= 2)


def relates_terms(answer: str) -> bool:
    """Terse notes relate their terms ("L1 -> sparse", "bias: too simple", "gap = KL(q||p)"):
    those are claims, and a text where a third of the phrases make one is notes, not a list
    of words or a salad, however few function words and however much notation it has."""
    segments = [s for s in re.split(r"[,;\n•|/]+|\s-\s", answer) if s.strip()]
    if segments and sum(1 for s in segments if _RELATES.search(s)) * 3 >= len(segments):
        return True
    # Notes also list inside a claim ("2 gates (update, reset), no cell state."): then count
    # whole sentences and lines, most of which make a claim.
    lines = [u for u in re.split(r"(?<=[.!?])\s+|\n+|;\s*|\s•\s*", answer)
             if len(u.split()) >= 2]
    return len(lines) >= 2 and sum(1 for u in lines if _RELATES.search(u)) * 2 > len(lines)


def is_worked_math(answer: str) -> bool:
    """Worked formulas or arithmetic between real words ("Gini = 1 - sum p^2, parent = 0.5"):
    mostly digits and symbols, but equations, not noise."""
    equations = len(re.findall(r"=|≈|->|→", answer))
    alpha = [w for w in re.findall(r"[A-Za-z]{2,}", answer)]
    return equations >= 2 and len(alpha) >= 3 and unknown_share(answer) <= 0.5


def is_gibberish(answer: str) -> bool:
    tokens = re.findall(r"\S+", answer)
    if not tokens:
        return False
    if letter_ratio(answer.replace(" ", "")) < 0.45:
        return not is_worked_math(answer)
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
    if relates_terms(answer):
        return False
    avg = sum(len(s.split()) for s in segments) / max(1, len(segments))
    if stop_share < 0.12 and avg <= 4.0 and len(segments) >= 3:
        return True
    # A longer run of short phrases and no sentence at all ("depends on observed, not at
    # random, cannot test, ...") is a list even when some phrases carry function words.
    sizes = [len(s.split()) for s in segments]
    return (len(segments) >= 6 and avg <= 3.0 and max(sizes) <= 5
            and not _SENTENCE_END.search(answer))


_SENTENCE_END = re.compile(r"[.!?](\s|$)")
_FILLER = re.compile(r"\b(good|great|interesting|tough) question\b|\bthought about (it|this)\b|"
                     r"\b(let me think|that's a good one)\b", re.IGNORECASE)
_RELATES = re.compile(
    r"->|→|=>|<=?|>=?|≈|=|:\s|\b(is|are|was|were|be|has|have|so|because|than|when|if|vs|"
    r"means|makes|gives|needs|uses|causes|prevents|avoids|keeps|drops|adds|removes|helps|"
    r"hurts|reduces|increases|decreases|lowers|raises|shrinks|grows|goes|stays|becomes|"
    r"only|never|always)\b", re.IGNORECASE)


def bare_list_units(answer: str, topic: set[str]) -> bool:
    """Whether the answer is a bare list once the sentences that say nothing about the topic
    (filler: "good question, I have thought about it") are set aside."""
    parts = [p for p in re.split(r"(?<=[.!?])\s+|\n+", answer) if p.strip()]
    kept = [p for p in parts if set(content_stems(p)) & topic
            and not _FILLER.search(p)]
    return bool(kept) and len(kept) < len(parts) and is_keyword_list("\n".join(kept))


_CODE = re.compile(r"```|^\s*(def|class|import|from)\s", re.MULTILINE)


def has_code(answer: str) -> bool:
    """Whether an answer to a coding question contains code at all (fenced or a def)."""
    return bool(_CODE.search(answer))


def injection_units(units: list[Unit]) -> list[int]:
    return [i for i, u in enumerate(units) if INJECTION.search(u.text)]


# --- outlines -----------------------------------------------------------------------------

_LIST_MARK = re.compile(r"^\s*(\(?\d{1,2}[a-z]?[.)]|[-*•])\s*$")


def drop_list_markers(units: list[Unit]) -> list[Unit]:
    """Units without the bare list markers ("4.", "3b)", "-") that numbered outlines leave.

    The sentence splitter cuts "4. Features: ..." after "4."; as a unit of its own the marker
    carries no content but fills a slot of the 1-3 unit evidence window, so an outline's
    neighbouring lines could not be read together.
    """
    return [u for u in units if not _LIST_MARK.match(u.text)]


# --- STAR -------------------------------------------------------------------------------

STAR_CUES: dict[StarName, re.Pattern[str]] = {
    "situation": re.compile(
        r"\b(at my (previous|last|current)|when i was|in my (last|previous|current) (role|job|"
        r"team|company)|our team|the team|we were|the company|our company|the project|"
        r"a project|last year|a few years ago|back in|context|there was|we had|at \w+,? i|"
        r"i was working|i worked|last (spring|summer|autumn|fall|winter|quarter|month)|"
        r"in (19|20)\d\d|during (my|a|the|our)|while (i was|working at)|"
        r"i joined|when i joined|at (a|an|my) \w+ (startup|company|bank|retailer|team)|"
        r"(at|for|in|on) (a|an|my|our) ([\w'-]+ ){0,2}(startup|company|business|bank|retailer|"
        r"hospital|insurer|marketplace|agency|client|firm|lab|network|platform|centre|center|"
        r"team|department|organi[sz]ation|consultancy|subscription business))\b",
        re.IGNORECASE),
    "task": re.compile(
        r"\b(my (\w+ )?(role|task|job|goal|responsibility|assignment|brief|mandate)|"
        r"responsible for|(asked|tasked|hired|brought in|assigned) to|i committed to|"
        r"i was (responsible|asked|tasked|"
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
        r"deployed|monitored|wrote up|pushed|brought|focused|prioriti[sz]ed|first|then|next|"
        r"raised|gave|paired|handed|offered|mentored|coached|pulled|plotted|used|spent|fixed|"
        r"dropped|showed|told|confirmed|retrained|found|reviewed|explained|rewrote|removed|"
        r"checked|measured|estimated|interviewed|drafted|chose|framed|switched|reconstructed|"
        r"sat down|walked|put|took|made|sent|drew|escalated|flagged|shared|agreed|mapped|"
        r"benchmarked|profiled|reproduced|rebuilt|redesigned|simplified)|"
        r"so i|then i|first,? i|next,? i|i also|i personally)\b", re.IGNORECASE),
    "result": re.compile(
        r"\b(as a result|in the end|result(ed)? (was|in)|the outcome|ended up|which (cut|"
        r"reduced|increased|improved|saved|raised|lowered)|we (cut|reduced|increased|improved|"
        r"saved|shipped|launched|hit|reached)|(reduced|increased|improved|cut|saved|lowered|"
        r"raised|grew|dropped) (the )?\w+|it (worked|paid off|shipped|launched)|"
        r"eventually|ultimately|afterwards|went from|"
        r"(fell|dropped|rose|grew|declined|went (up|down)) (from|to|by)|"
        r"(in|over) the (next|following) (\w+ )?(days?|weeks?|months?|quarters?|years?)|"
        r"within (a|one|two|three|the first) (\w+ )?(days?|weeks?|months?|quarters?|years?)|"
        r"by the end of the|after the (change|fix|launch|rollout)|"
        r"(approved|adopted) (the|a|it|our|my)|(was|were|got) (adopted|approved))\b",
        re.IGNORECASE),
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
    # Cues are matched on whitespace-normalised text: hard-wrapped stories put line breaks
    # inside phrases ("I\nlearned", "success\nmeant").
    flat = [re.sub(r"\s+", " ", u.text) for u in units]
    refl_at = [bool(REFLECTION.search(t)) for t in flat]
    parts: list[StarPartResult] = []
    for name, cue in STAR_CUES.items():
        found = [i for i, t in enumerate(flat) if cue.search(t)]
        if name == "result":
            # Outcomes close a story: quote the last outcome that is not the reflection.
            found = [i for i in found if not refl_at[i]][-1:] or found[-1:]
        hit = units[found[0]] if found else None
        if name == "situation" and hit is None and len(units) >= 3 and not (
                STAR_CUES["action"].search(flat[0]) or STAR_CUES["result"].search(flat[0])):
            hit = units[0]  # stories open with their context even without a stock phrase
        if name == "result" and hit is None:
            hit = next((u for i, u in enumerate(units) if i > 0 and _NUMBER.search(flat[i])),
                       None)
        parts.append(StarPartResult(part=name, present=hit is not None,
                                    evidence=_quote(hit) if hit else None))
    numeric = [i for i, t in enumerate(flat) if _NUMBER.search(t)]
    result = parts[3].evidence
    after = [i for i in numeric if result is not None and units[i].start >= result.start]
    quant = units[(after or numeric)[0]] if numeric else None
    refl = next((u for u, r in zip(units, refl_at, strict=True) if r), None)
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
