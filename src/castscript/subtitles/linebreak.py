"""Linguistic line breaks: never after an article, preposition, conjunction or possessive, never inside a name,
bottom-heavy when the two lines differ; one line whenever the text fits on one."""

from __future__ import annotations

import re
from functools import lru_cache

SENTENCE_END = re.compile(r"[.!?…。！？][\"'”’)]*$")
CLAUSE_END = re.compile(r"[,;:、，；：—–-][\"'”’)]*$")
NO_SPACE_SCRIPT = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\u0e00-\u0e7f]")

# Words a line (or a cue) should not end on, per language: articles, prepositions, conjunctions, possessives,
# titles. Breaking after them separates them from the word they belong to.
_FUNCTION_WORDS = {
    "en": "a an the this that these those my your his her its our their whose of in on at to for from by with "
          "about as into onto over under after before between through during without within upon than and or but "
          "nor so yet if because when while where who which whom what i i'm i've i'll we you they he she it is "
          "are was were be been am can could will would shall should must may might do does did have has had not no "
          "very "
          "mr. mrs. ms. dr. st. mr mrs ms dr",
    "pt": "o a os as um uma uns umas meu minha meus minhas seu sua seus suas nosso nossa de do da dos das em no na "
          "nos nas ao aos à às por pelo pela para com sem sob sobre entre e ou mas que se quando como porque "
          "não sr. sra. dr.",
    "es": "el la los las un una unos unas mi mis tu tus su sus nuestro nuestra de del en al a por para con sin "
          "sobre entre y e o u pero que si cuando como porque no sr. sra. dr.",
    "fr": "le la les l' un une des du de d' mon ma mes ton ta tes son sa ses notre nos votre vos leur leurs à au "
          "aux en dans par pour avec sans sur sous entre et ou mais que qu' si quand comme parce ne m. mme dr",
    "de": "der die das den dem des ein eine einen einem einer eines mein meine dein deine sein seine ihr ihre "
          "unser unsere von vom zu zum zur in im an am auf aus bei mit nach über unter für ohne um und oder "
          "aber dass wenn als wie weil nicht hr. fr. dr.",
    "it": "il lo la i gli le un uno una l' mio mia tuo tua suo sua nostro di del della dei delle a al alla da dal "
          "in nel nella con su per tra fra e o ma che se quando come perché non sig. dott.",
}


@lru_cache(maxsize=32)
def function_words(language: str | None) -> frozenset[str]:
    base = (language or "en").split("-")[0].lower()
    return frozenset(_FUNCTION_WORDS.get(base, _FUNCTION_WORDS["en"]).split())


def _bare(token: str) -> str:
    return token.lower().strip("\"'“”‘’()[]¿¡")


def ends_on_function_word(token: str, language: str | None) -> bool:
    return _bare(token) in function_words(language) or _bare(token).endswith("'s")


def inside_name(left: str, right: str, sentence_start: bool) -> bool:
    """``left right`` look like two words of one name (both capitalised, no punctuation between)."""
    if not left or not right or not left[0].isupper() or not right[0].isupper():
        return False
    if re.search(r"[.,;:!?]$", left):
        return False
    return not sentence_start or right[0].isupper() and left.lower() not in ("i", "a")


def break_cost(tokens: list[str], after: int, language: str | None) -> float:
    """Cost of ending a line (or a cue) after ``tokens[after]``: low at punctuation, high after function words."""
    token = tokens[after]
    if SENTENCE_END.search(token):
        return -4.0
    if CLAUSE_END.search(token):
        return -3.0
    cost = 0.0
    if ends_on_function_word(token, language):
        cost += 6.0
    if after + 1 < len(tokens):
        sentence_start = after == 0 or bool(SENTENCE_END.search(tokens[after - 1]))
        if inside_name(token, tokens[after + 1], sentence_start):
            cost += 8.0
    return cost


def wrap_lines(text: str, rules, language: str | None = None) -> list[str]:
    """``text`` in at most ``rules.max_lines`` lines of at most ``rules.max_chars_per_line`` characters where
    possible, broken at the linguistically best spaces; text that cannot fit is wrapped greedily (longer)."""
    limit = rules.max_chars_per_line
    if len(text) <= limit:
        return [text]
    tokens = text.split(" ")
    best = _best_split(tuple(tokens), limit, rules.max_lines, language)
    return best if best is not None else _hard_wrap(text, limit)


def _best_split(tokens: tuple[str, ...], limit: int, max_lines: int, language: str | None) -> list[str] | None:
    """Lowest-cost split of ``tokens`` into 2..max_lines lines that each fit, by dynamic programming."""
    n = len(tokens)

    @lru_cache(maxsize=None)
    def best(i: int, lines_left: int) -> tuple[float, tuple[str, ...]] | None:
        rest = " ".join(tokens[i:])
        if len(rest) <= limit:
            return 0.0, (rest,)
        if lines_left == 1:
            return None
        found = None
        for j in range(i, n - 1):
            line = " ".join(tokens[i:j + 1])
            if len(line) > limit:
                break
            tail = best(j + 1, lines_left - 1)
            if tail is None:
                continue
            next_line = tail[1][0]
            cost = tail[0] + break_cost(list(tokens), j, language) + _balance(len(line), len(next_line))
            if found is None or cost < found[0]:
                found = (cost, (line,) + tail[1])
        return found

    result = best(0, max_lines)
    return list(result[1]) if result else None


def _balance(top: int, bottom: int) -> float:
    """Even lines, and a shorter top line than bottom (bottom-heavy) rather than the reverse; a line under a third
    of the other looks like a fragment whatever the punctuation."""
    cost = abs(top - bottom) * 0.08 + (0.08 * (top - bottom) if top > bottom else 0.0)
    return cost + (2.0 if min(top, bottom) < max(top, bottom) / 3 else 0.0)


def _hard_wrap(text: str, limit: int) -> list[str]:
    """Greedy wrap for text with over-long words or no spaces (lines never exceed ``limit``)."""
    lines: list[str] = []
    line = ""
    for token in text.split(" "):
        while len(token) > limit:
            if line:
                lines.append(line)
                line = ""
            lines.append(token[:limit])
            token = token[limit:]
        candidate = f"{line} {token}".strip()
        if len(candidate) > limit:
            lines.append(line)
            line = token
        else:
            line = candidate
    if line:
        lines.append(line)
    return lines
