"""The credit code's GB 32100 check character, as properties over generated codes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from duban.enterprises import credit_code as cc

bodies = st.text(alphabet=cc.ALPHABET, min_size=17, max_size=17)


@given(bodies)
def test_a_code_with_its_check_character_is_valid(body):
    assert cc.is_valid(body + cc.check_character(body))


@given(bodies, st.sampled_from(cc.ALPHABET))
def test_any_other_check_character_is_refused(body, other):
    right = cc.check_character(body)
    if other != right:
        assert cc.problem(body + other) == "统一社会信用代码校验位错误"


@given(bodies, st.integers(0, 16), st.sampled_from(cc.ALPHABET))
def test_changing_one_character_breaks_the_check(body, position, replacement):
    code = body + cc.check_character(body)
    changed = code[:position] + replacement + code[position + 1 :]
    if replacement != code[position]:
        # the weights are units mod 31: a single substitution always changes the sum
        assert not cc.is_valid(changed)


@given(bodies, st.integers(0, 17), st.sampled_from("IOSVZ*中-"))
def test_characters_outside_the_alphabet_are_refused(body, position, bad):
    code = body + cc.check_character(body)
    changed = code[:position] + bad + code[position + 1 :]
    assert "不允许的字符" in (cc.problem(changed) or "")


def test_known_codes():
    # Published codes of real organisations.
    assert cc.is_valid("91350100M000100Y43")
    assert cc.is_valid("911100001000079554")
    assert not cc.is_valid("91350100M000100Y44")
    assert cc.is_valid(" 91350100m000100y43 ")  # spaces and lower case are normalised
