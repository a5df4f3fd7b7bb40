"""The search syntax and the languages' configurations: what a typed query asks for, what is refused,
which configuration stems each language, and what counts as a close spelling."""

import pytest

from framewise.domain.errors import InvalidSearch
from framewise.domain.languages import known_language, language_code, text_search_config
from framewise.domain.text_query import MAX_TERMS, TextQuery, close_spelling, edit_distance, parse_text_query


@pytest.mark.parametrize(
    ("typed", "parsed"),
    [
        ("Thursday  MORNING", TextQuery(words=("thursday", "morning"))),
        ('"thursday morning"', TextQuery(phrases=(("thursday", "morning"),))),
        ('"thursday morning" -rain', TextQuery(phrases=(("thursday", "morning"),), excluded=(("rain",),))),
        ('market -"fish market"', TextQuery(words=("market",), excluded=(("fish", "market"),))),
        ("“curly quotes” too", TextQuery(words=("too",), phrases=(("curly", "quotes"),))),
        ('"unclosed runs to the end', TextQuery(phrases=(("unclosed", "runs", "to", "the", "end"),))),
        ('"one"', TextQuery(words=("one",))),  # a phrase of one word is a word
        ("well-known e-mail", TextQuery(words=("well", "known", "e", "mail"))),  # a minus inside is no exclusion
        ("No-Entry! no entry", TextQuery(words=("no", "entry"))),  # once each
        ("rénover municipaux", TextQuery(words=("rénover", "municipaux"))),
        ("a - b", TextQuery(words=("a", "b"))),  # a lone minus excludes nothing
    ],
)
def test_a_query_parses_into_words_phrases_and_exclusions(typed: str, parsed: TextQuery) -> None:
    assert parse_text_query(typed) == parsed
    assert parse_text_query(parsed.canonical()) == parsed


@pytest.mark.parametrize("typed", ["", "   ", "-foo", '""', "!?...", '-"a b" -c', "- -", "_"])
def test_a_query_with_nothing_to_search_for_is_refused(typed: str) -> None:
    with pytest.raises(InvalidSearch, match="nothing to search for"):
        parse_text_query(typed)


def test_a_query_is_a_query_not_a_document() -> None:
    parse_text_query(" ".join(f"w{i}" for i in range(MAX_TERMS)))
    with pytest.raises(InvalidSearch, match="at most"):
        parse_text_query(" ".join(f"w{i}" for i in range(MAX_TERMS + 1)))


def test_each_language_has_its_configuration_and_the_rest_simple() -> None:
    assert [text_search_config(c) for c in ("en", "fr", "de", "es", "it", "pt", "nl", "ru", "sv")] == [
        "english", "french", "german", "spanish", "italian", "portuguese", "dutch", "russian", "swedish"
    ]  # fmt: skip
    assert text_search_config("fr-CA") == "french" and text_search_config("ES") == "spanish"
    assert text_search_config("ja") == "simple" and text_search_config("zh") == "simple"
    assert text_search_config(None) == "english"  # written before languages were kept
    assert language_code("pt_BR") == "pt" and language_code("") is None
    assert known_language("fr") and known_language("haw") and not known_language("xx")


def test_close_spellings() -> None:
    assert edit_distance("exibition", "exhibition", 2) == 1
    assert edit_distance("kitten", "sitting", 2) == 3  # more than asked: most + 1
    assert close_spelling("exibition", "exhibiton", 0.33)  # two edits in nine letters
    assert close_spelling("cats", "cuts", 0.2)  # four letters: one edit
    assert not close_spelling("cats", "cute", 0.2)
    assert not close_spelling("cat", "cut", 0.2)  # three letters: only as typed
    assert not close_spelling("harbour", "harbour", 1.0)  # the word itself is no other spelling
    assert close_spelling("station", "nation", 0.3) and not close_spelling("station", "notion", 0.1)
