"""What a search's free text asks for, parsed once: loose words (any order, stemmed in speech,
forgiving of misspellings), phrases in double quotes (those words in that order) and words or
phrases after a minus (`-word`, `-"two words"`) that a moment must not contain.

Words are what PostgreSQL and the trigrams take as words: runs of letters and digits, casefolded
(`No-Entry!` is `no`, `entry`). A query that leaves nothing to look for (`-foo`, `""`, only
punctuation) is refused (`InvalidSearch`).
"""

import re
import unicodedata
from dataclasses import dataclass

from framewise.domain.errors import InvalidSearch

WORD = re.compile(r"[^\W_]+")
QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"'})
MAX_TERMS = 32  # words, phrases and exclusions together: a query, not a document


def words_of(text: str) -> tuple[str, ...]:
    """The words of a text as search sees them: runs of letters and digits, casefolded."""
    return tuple(WORD.findall(unicodedata.normalize("NFKC", text).casefold()))


def edit_distance(a: str, b: str, most: int) -> int:
    """Levenshtein's distance between two words, or `most + 1` once it is sure to be more than `most`."""
    if abs(len(a) - len(b)) > most:
        return most + 1
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        if min(current) > most:
            return most + 1
        previous = current
    return min(previous[-1], most + 1)


def close_spelling(typed: str, word: str, similarity: float) -> bool:
    """Whether `word` is a close spelling of `typed`: trigram similarity of 0.4 or more, or an edit
    distance of at most 2 for words of five letters or more (1 for four)."""
    allowed = 2 if len(typed) >= 5 else 1 if len(typed) == 4 else 0
    return word != typed and (similarity >= 0.4 or edit_distance(typed, word, allowed) <= allowed)


@dataclass(frozen=True)
class TextQuery:
    words: tuple[str, ...] = ()  # loose words, each to be found somewhere, in any order
    phrases: tuple[tuple[str, ...], ...] = ()  # each: two or more words, together and in this order
    excluded: tuple[tuple[str, ...], ...] = ()  # each: a word or phrase a moment must not contain

    @property
    def searchable(self) -> bool:
        return bool(self.words or self.phrases)

    @property
    def loose(self) -> str:
        """The loose words as one text (for on-screen substrings, labels and trigrams)."""
        return " ".join(self.words)

    def canonical(self) -> str:
        """The query written back in the syntax it parses from: `w1 w2 "p1 p2" -x -"y z"`."""
        parts = [*self.words, *(f'"{" ".join(p)}"' for p in self.phrases)]
        parts += [f"-{e[0]}" if len(e) == 1 else f'-"{" ".join(e)}"' for e in self.excluded]
        return " ".join(parts)


def _unique(items: list[str] | list[tuple[str, ...]]) -> tuple:  # type: ignore[type-arg]
    return tuple(dict.fromkeys(items))


def parse_text_query(text: str) -> TextQuery:
    """Parse what was typed. Outside quotes, whitespace separates terms and a term starting with `-`
    is excluded; text in double quotes (curly quotes too; an unclosed quote runs to the end) is a
    phrase, excluded when a `-` comes right before it. A phrase of one word is a word."""
    words: list[str] = []
    phrases: list[tuple[str, ...]] = []
    excluded: list[tuple[str, ...]] = []
    segments = text.translate(QUOTES).split('"')
    for index, segment in enumerate(segments):
        if index % 2 == 1:  # inside quotes
            found = words_of(segment)
            before = segments[index - 1]
            negated = before.endswith("-") and (len(before) == 1 or before[-2].isspace())
            if not found:
                continue
            if negated:
                excluded.append(found)
            elif len(found) == 1:
                words.append(found[0])
            else:
                phrases.append(found)
            continue
        for chunk in segment.split():
            if chunk.startswith("-"):
                excluded.extend((word,) for word in words_of(chunk))
            else:
                words.extend(words_of(chunk))
    query = TextQuery(_unique(words), _unique(phrases), _unique(excluded))
    if not query.searchable:
        raise InvalidSearch(
            f"q: {text.strip()!r} has nothing to search for: give a word or a quoted phrase "
            "(a minus only excludes, punctuation is not searched)"
        )
    if len(query.words) + len(query.phrases) + len(query.excluded) > MAX_TERMS:
        raise InvalidSearch(f"q: at most {MAX_TERMS} words, phrases and exclusions")
    return query
