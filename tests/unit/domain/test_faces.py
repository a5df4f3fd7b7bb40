"""Face tracks and the person a face joins (framewise.domain.faces), on generated detections."""

import random
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import JsonValue

from framewise.domain.errors import PersonChangeRefused
from framewise.domain.faces import (
    MATCH_DISTANCE,
    NAME_LENGTH,
    Neighbour,
    choose_person,
    distance,
    face_tracks,
    person_name,
)

pytestmark = pytest.mark.unit
INTERVAL = 1000


def look(seed: int) -> list[float]:
    """A person's face descriptor: 128 numbers of about dlib's spread."""
    rng = random.Random(seed)
    return [rng.gauss(0, 0.09) for _ in range(128)]


def seen(face: list[float], seed: int, noise: float = 0.01) -> list[float]:
    """The same face on another frame: a little noise."""
    rng = random.Random(seed)
    return [round(x + rng.gauss(0, noise), 5) for x in face]


def detection(at_ms: int, box: tuple[float, float, float, float], face: list[float], confidence: float = 0.99):
    x1, y1, x2, y2 = box
    return {
        "frame_index": at_ms // 40,
        "timestamp_ms": at_ms,
        "confidence": confidence,
        "bbox": {"x1": x1, "y1": y1, "x2": x2, "y2": y2},
        "descriptor": face,
    }


LEFT, RIGHT = (10.0, 10.0, 110.0, 130.0), (300.0, 20.0, 400.0, 140.0)


def test_one_face_over_consecutive_samples_is_one_track_ending_where_the_next_sample_was_due() -> None:
    ada = look(1)
    payloads: list[dict[str, JsonValue]] = [detection(k * INTERVAL, LEFT, seen(ada, k)) for k in range(4)]
    [track] = face_tracks(payloads, interval_ms=INTERVAL)
    assert (track.start_ms, track.end_ms, track.count) == (0, 4000, 4)
    assert distance(track.descriptor, ada) < 0.2


def test_two_people_side_by_side_are_two_tracks_even_when_they_swap_places_between_samples() -> None:
    ada, bob = look(1), look(2)
    payloads = [detection(0, LEFT, ada), detection(0, RIGHT, bob)]
    payloads += [detection(1000, RIGHT, seen(ada, 1)), detection(1000, LEFT, seen(bob, 2))]  # they crossed
    tracks = face_tracks(payloads, interval_ms=INTERVAL)
    assert len(tracks) == 2 and all(t.count == 2 for t in tracks)
    by_look = sorted(tracks, key=lambda t: distance(t.descriptor, ada))
    assert distance(by_look[0].descriptor, ada) < 0.2 and distance(by_look[1].descriptor, bob) < 0.2


def test_another_person_where_the_last_one_was_starts_a_new_track() -> None:
    payloads = [detection(0, LEFT, look(1)), detection(1000, LEFT, look(2))]  # a cut: someone else, same place
    assert [t.count for t in face_tracks(payloads, interval_ms=INTERVAL)] == [1, 1]


def test_a_gap_of_a_sample_ends_the_track_and_detections_without_a_descriptor_make_none() -> None:
    ada = look(1)
    payloads = [detection(0, LEFT, ada), detection(2000, LEFT, seen(ada, 2))]  # the sample at 1000 missed it
    assert [(t.start_ms, t.end_ms) for t in face_tracks(payloads, interval_ms=INTERVAL)] == [(0, 1000), (2000, 3000)]
    no_descriptor = {k: v for k, v in detection(0, LEFT, ada).items() if k != "descriptor"}
    assert face_tracks([no_descriptor], interval_ms=INTERVAL) == []


def test_a_tracks_descriptor_is_its_best_reads_and_its_thumbnail_the_best_one() -> None:
    ada = look(1)
    payloads = [detection(k * 1000, LEFT, seen(ada, k), confidence=0.9 + k / 100) for k in range(5)]
    payloads.append(detection(5000, LEFT, seen(ada, 99, noise=0.04), confidence=0.91))  # blurred
    [track] = face_tracks(payloads, interval_ms=INTERVAL)
    assert track.best_ms == 4000 and track.confidence == pytest.approx(0.94)


P = [UUID(int=n) for n in range(1, 5)]


def test_a_face_joins_the_person_most_of_its_nearest_faces_belong_to() -> None:
    near = [Neighbour(P[0], 0.30), Neighbour(P[1], 0.32), Neighbour(P[1], 0.35), Neighbour(P[0], 0.9)]
    assert choose_person(near, set()) == P[1]  # two votes within the distance beat the single nearest


def test_a_face_far_from_everyone_or_refused_by_its_only_match_starts_a_new_person() -> None:
    assert choose_person([Neighbour(P[0], MATCH_DISTANCE + 0.01)], set()) is None
    assert choose_person([Neighbour(P[0], 0.1)], {P[0]}) is None
    assert choose_person([], set()) is None


neighbours = st.lists(
    st.builds(Neighbour, st.sampled_from(P), st.floats(min_value=0, max_value=1.5, allow_nan=False)), max_size=12
)


@settings(max_examples=200, deadline=None)
@given(neighbours, st.sets(st.sampled_from(P)))
def test_the_chosen_person_is_near_never_refused_and_has_the_most_near_votes(
    near: list[Neighbour], refused: set[UUID]
) -> None:
    chosen = choose_person(near, refused)
    nearest = sorted(near, key=lambda n: (n.distance, str(n.person_id)))[:5]
    eligible = [n for n in nearest if n.distance <= MATCH_DISTANCE and n.person_id not in refused]
    if not eligible:
        assert chosen is None
        return
    assert chosen is not None and chosen not in refused
    votes = {p: sum(1 for n in eligible if n.person_id == p) for p in {n.person_id for n in eligible}}
    assert votes[chosen] == max(votes.values())
    assert choose_person(list(reversed(near)), refused) == chosen  # the order it is given in does not matter


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=4), st.integers(min_value=1, max_value=6), st.randoms())
def test_people_walking_around_each_stay_one_track_per_appearance(
    people: int, samples: int, rng: random.Random
) -> None:
    """Each person at their own place, moving a little each sample: one track each, every read kept."""
    looks = [look(1000 + p) for p in range(people)]
    payloads = []
    for k in range(samples):
        for p, face in enumerate(looks):
            x, y = 150.0 * p + rng.uniform(-8, 8), rng.uniform(0, 8)
            payloads.append(detection(k * INTERVAL, (x, y, x + 100, y + 120), seen(face, rng.randrange(10**6))))
    rng.shuffle(payloads)
    tracks = face_tracks(payloads, interval_ms=INTERVAL)
    assert len(tracks) == people and all(t.count == samples for t in tracks)
    for track in tracks:
        assert min(distance(track.descriptor, face) for face in looks) < 0.2


def test_a_name_is_trimmed_bounded_and_blank_takes_it_away() -> None:
    assert person_name("  Ada   Lovelace ") == "Ada Lovelace"
    assert person_name("   ") is None and person_name(None) is None
    assert person_name("x" * NAME_LENGTH) == "x" * NAME_LENGTH
    with pytest.raises(PersonChangeRefused, match="at most 200"):
        person_name("x" * (NAME_LENGTH + 1))
    with pytest.raises(PersonChangeRefused, match="control"):
        person_name("Ada\x00")
