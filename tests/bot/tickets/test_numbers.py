from datetime import date

import pytest

from bot.tickets.numbers import find_number, format_number, parse_number


def test_numbers_are_readable_over_the_phone():
    assert format_number("repair", date(2026, 11, 21), 7) == "BX-20261121-0007"
    assert format_number("noise_dispute", date(2026, 1, 3), 12) == "ZY-20260103-0012"


def test_round_trip():
    assert parse_number("KD-20261121-0042") == ("parcel", date(2026, 11, 21), 42)


@pytest.mark.parametrize("text, number", [
    ("查一下工单BX-20261121-0007", "BX-20261121-0007"),
    ("bx20261121-0007 修好没有", "BX-20261121-0007"),
    ("我的单号是 RZ 20261120 0003", "RZ-20261120-0003"),
    ("电话13812345678", None),
    ("", None),
])
def test_a_number_is_found_in_what_residents_type(text, number):
    assert find_number(text) == number


def test_bad_numbers_are_refused():
    with pytest.raises(ValueError):
        format_number("repair", date(2026, 11, 21), 10000)
    with pytest.raises(ValueError):
        parse_number("XX-20261121-0007")
