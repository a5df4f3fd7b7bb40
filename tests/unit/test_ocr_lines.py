"""Pieces of text an OCR engine reads become lines: words of one line one text with one box, in reading
order; lines above one another, and columns far apart, stay apart; no word is lost or invented. A space
the recogniser dropped between two words comes back where the line is blank between them."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from framewise_ml.models.ocr_engines import blank_runs, respace
from framewise_ml.models.ocr_lines import Read, lines


def piece(text: str, x: float, y: float, width: float, height: float = 40.0, confidence: float = 0.9) -> Read:
    return Read(((x, y), (x + width, y), (x + width, y + height), (x, y + height)), text, confidence)


def test_no_entry_is_one_line_and_one_box() -> None:
    joined = lines([piece("ENTRY", 230, 102, 150, 38), piece("NO", 100, 100, 80)])
    assert [r.text for r in joined] == ["NO ENTRY"]
    assert joined[0].box == (100, 100, 380, 140)


def test_lines_come_top_to_bottom_and_words_left_to_right() -> None:
    read = [
        piece("ONLY", 300, 200, 90),
        piece("NO", 100, 100, 60),
        piece("EXIT", 180, 202, 90),
        piece("ENTRY", 190, 98, 120),
    ]
    assert [r.text for r in lines(read)] == ["NO ENTRY", "EXIT ONLY"]


def test_columns_far_apart_and_text_of_another_size_stay_apart() -> None:
    read = [piece("LEFT", 0, 100, 100), piece("RIGHT", 400, 100, 100), piece("small", 110, 110, 40, height=12)]
    assert sorted(r.text for r in lines(read)) == ["LEFT", "RIGHT", "small"]


def test_confidence_is_weighted_by_length_and_blank_pieces_are_dropped() -> None:
    (line,) = lines(
        [piece("A", 0, 0, 20, confidence=0.1), piece("BBB", 40, 0, 60, confidence=0.9), piece("  ", 9, 9, 9)]
    )
    assert line.text == "A BBB" and abs(line.confidence - (0.1 + 3 * 0.9) / 4) < 1e-9


words = st.text(alphabet=st.characters(categories=["Lu", "Ll", "Nd"]), min_size=1, max_size=8)


@st.composite
def grids(draw: st.DrawFn) -> tuple[list[list[str]], list[tuple[int, Read]]]:
    """Rows of words, well apart vertically, each row's words close together, in any order (each
    piece with its row)."""
    rows = draw(st.lists(st.lists(words, min_size=1, max_size=5), min_size=1, max_size=6))
    height = draw(st.floats(12, 80))
    pieces = []
    for r, row in enumerate(rows):
        x = draw(st.floats(0, 200))
        for word in row:
            width = len(word) * height * 0.6
            jitter = draw(st.floats(-0.2, 0.2)) * height
            pieces.append((r, piece(word, x, r * height * 2.5 + jitter, width, height)))
            x += width + draw(st.floats(0.1, 1.2)) * height
    return rows, draw(st.permutations(pieces))


@settings(max_examples=300)
@given(grids())
def test_a_grid_of_words_reads_back_row_by_row(grid: tuple[list[list[str]], list[tuple[int, Read]]]) -> None:
    rows, pieces = grid
    joined = lines([p for _, p in pieces])
    assert [r.text for r in joined] == [" ".join(row) for row in rows]
    for r, p in pieces:  # each line's box holds its words
        x1, y1, x2, y2 = joined[r].box
        assert x1 <= p.box[0] and p.box[2] <= x2 and y1 <= p.box[1] and p.box[3] <= y2


@settings(max_examples=200)
@given(
    st.lists(
        st.builds(piece, words, st.floats(0, 1000), st.floats(0, 1000), st.floats(1, 300), st.floats(1, 100)),
        max_size=12,
    )
)
def test_no_word_is_lost_or_invented_whatever_the_layout(pieces: list[Read]) -> None:
    joined = lines(pieces)
    assert sorted(w for r in joined for w in r.text.split(" ")) == sorted(p.text for p in pieces)
    assert len(joined) <= len(pieces)


def char_boxes(xs: list[tuple[int, int]]) -> list[list[list[int]]]:
    return [[[a, 0], [b, 0], [b, 10], [a, 10]] for a, b in xs]


def test_a_dropped_space_is_put_back_where_the_line_is_blank_between_two_characters() -> None:
    boxes = char_boxes([(0, 10), (10, 20), (30, 40), (40, 50)])
    assert respace("NOGO", boxes, [(22, 29)]) == "NO GO"
    assert respace("NO GO", char_boxes([(0, 10), (10, 20), (20, 30), (30, 40), (40, 50)]), [(22, 29)]) == "NO GO"
    assert respace("NOGO", boxes, []) == "NOGO"  # no blank run: nothing added
    assert respace("NOGO", boxes[:3], [(22, 29)]) == "NOGO"  # boxes that do not match the text: left alone


def test_blank_runs_are_gaps_of_a_quarter_line_height_in_either_polarity() -> None:
    for ink, paper in ((255, 0), (0, 255)):
        grey = np.full((40, 200), paper, np.uint8)
        for start, end in ((10, 60), (72, 120), (124, 180)):  # strokes of "letters"; 12 px apart (0.3 of
            for x in range(start, end, 6):  # the 40 px line), then 4 px apart (inside a word)
                grey[5:35, x : min(x + 2, end)] = ink
        box = [[0, 0], [200, 0], [200, 40], [0, 40]]
        runs = blank_runs(grey, box)
        assert (60, 72) in runs and not [r for r in runs if r[0] >= 120 and r[1] <= 124]
