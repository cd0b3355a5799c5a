"""Ballot codes: enough randomness, easy typing, and typos caught by the check character."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from survey.ballots import codes


def test_codes_have_65_random_bits_and_a_check_character() -> None:
    code = codes.new_code()
    assert len(code) == 14 and set(code) <= set(codes.ALPHABET)
    assert len(codes.ALPHABET) == 32 and codes.PAYLOAD_LENGTH * 5 >= 60
    assert codes.normalise(code) == code
    assert len({codes.new_code() for _ in range(2000)}) == 2000


def test_typing_is_forgiving() -> None:
    code = codes.new_code()
    shown = codes.display(code)
    assert shown.count("-") == 3
    assert codes.normalise(shown.lower()) == code
    assert codes.normalise(" ".join(shown)) == code
    with_aliases = code.replace("0", "o").replace("1", "l")
    assert codes.normalise(with_aliases) == code


@given(st.integers(min_value=0, max_value=2**31))
def test_every_single_wrong_character_is_caught(seed: int) -> None:
    import random

    rng = random.Random(seed)
    payload = "".join(rng.choice(codes.ALPHABET) for _ in range(codes.PAYLOAD_LENGTH))
    code = codes.normalise(payload + "0") or next(
        payload + c for c in codes.ALPHABET if codes.normalise(payload + c)
    )
    for position, wrong in itertools.product(range(len(code)), codes.ALPHABET):
        if wrong != code[position]:
            typo = code[:position] + wrong + code[position + 1 :]
            assert codes.normalise(typo) is None


def test_most_swapped_neighbours_are_caught() -> None:
    caught = total = 0
    for _ in range(200):
        code = codes.new_code()
        for i in range(len(code) - 1):
            if code[i] != code[i + 1]:
                swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
                total += 1
                caught += codes.normalise(swapped) is None
    assert caught / total > 0.95


def test_the_hash_is_keyed_and_hides_the_code() -> None:
    code = codes.new_code()
    one, two = codes.code_hash("k" * 40, code), codes.code_hash("j" * 40, code)
    assert one != two and code not in one and len(one) == 64
