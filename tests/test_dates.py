"""parse_date and add_days, with every expected date worked out by hand (calendar of Dec 2026: Fri 4, Fri 25)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from sheets_pipeline.dates import DateParseError, add_days, parse_date

# --- parse_date: blanks ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [None, "", "   "])
def test_blank_cell_is_no_date(value):
    assert parse_date(value) is None


# --- parse_date: real date cells ---------------------------------------------------------------------------------


def test_date_object_is_kept():
    assert parse_date(date(2026, 12, 4)) == date(2026, 12, 4)


def test_datetime_object_keeps_the_day():
    result = parse_date(datetime(2026, 11, 3, 15, 45))
    assert result == date(2026, 11, 3)
    assert type(result) is date


# --- parse_date: ISO ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("order", ["dmy", "mdy", "ymd"])
@pytest.mark.parametrize(
    "text",
    ["2026-11-03", " 2026-11-03 ", "2026-11-03T10:30:00Z", "2026-11-03 10:30", "2026-11-03T10:30:00+01:00"],
)
def test_iso_dates_whatever_the_order(text, order):
    assert parse_date(text, order) == date(2026, 11, 3)


@pytest.mark.parametrize("order", ["dmy", "mdy"])
def test_year_first_with_slashes_or_dots(order):
    assert parse_date("2026/11/03", order) == date(2026, 11, 3)
    assert parse_date("2026.11.03", order) == date(2026, 11, 3)


# --- parse_date: day/month/year per locale -----------------------------------------------------------------------


def test_dmy_reads_day_first():
    assert parse_date("03/11/2026", "dmy") == date(2026, 11, 3)
    assert parse_date("3.11.2026", "dmy") == date(2026, 11, 3)
    assert parse_date("3-11-2026", "dmy") == date(2026, 11, 3)
    assert parse_date("31/12/2026", "dmy") == date(2026, 12, 31)


def test_mdy_reads_month_first():
    assert parse_date("03/11/2026", "mdy") == date(2026, 3, 11)
    assert parse_date("12/31/2026", "mdy") == date(2026, 12, 31)


def test_two_digit_year_is_this_century():
    assert parse_date("03/11/26", "dmy") == date(2026, 11, 3)
    assert parse_date("03/11/26", "mdy") == date(2026, 3, 11)


def test_ambiguous_numeric_date_without_locale_is_refused():
    with pytest.raises(DateParseError, match="03/11/2026"):
        parse_date("03/11/2026", "ymd")


def test_day_month_swapped_for_the_locale_is_refused():
    with pytest.raises(DateParseError, match="not a valid date"):
        parse_date("31/12/2026", "mdy")  # month 31


def test_impossible_day_is_refused():
    with pytest.raises(DateParseError, match="30/02/2026"):
        parse_date("30/02/2026", "dmy")


def test_impossible_iso_month_is_refused():
    with pytest.raises(DateParseError):
        parse_date("2026-13-01")


# --- parse_date: Sheets / Excel serial numbers (days since 1899-12-30) -------------------------------------------


@pytest.mark.parametrize(
    "serial, expected",
    [
        (46360, date(2026, 12, 4)),  # 2026-01-01 is 46023; +337 days -> Dec 4
        (46023, date(2026, 1, 1)),
        (45658, date(2025, 1, 1)),  # 46023 - 365
        (45351, date(2024, 2, 29)),  # 2024-01-01 is 45292; +31 (Jan) +28
        (25569, date(1970, 1, 1)),  # the Unix epoch
        (46360.0, date(2026, 12, 4)),
        (46360.75, date(2026, 12, 4)),  # a date-time serial: the time of day is dropped
        ("46360", date(2026, 12, 4)),  # a serial read back as text
    ],
)
def test_serial_numbers(serial, expected):
    assert parse_date(serial) == expected


@pytest.mark.parametrize("number", [5, 0, -3, 100000, 3.5])
def test_numbers_outside_the_date_range_are_refused(number):
    with pytest.raises(DateParseError, match="is not a date"):
        parse_date(number)


def test_bool_is_not_a_date():
    with pytest.raises(DateParseError):
        parse_date(True)


# --- parse_date: month names, both languages ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["4 December 2026", "December 4, 2026", "Dec 4th 2026", "4 décembre 2026", "vendredi 4 décembre 2026",
     "4 DEC 2026"],
)
def test_month_names(text):
    assert parse_date(text, "dmy") == date(2026, 12, 4)


def test_french_ordinal_first():
    assert parse_date("1er décembre 2026", "dmy") == date(2026, 12, 1)


# --- parse_date: garbage -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["garbage", "next week", "12/2026", "2026", "4 Smarch 2026", "??"])
def test_garbage_is_refused_naming_the_text(text):
    with pytest.raises(DateParseError) as info:
        parse_date(text, "dmy")
    assert f"'{text}'" in str(info.value)


def test_date_parse_error_is_a_value_error():
    assert issubclass(DateParseError, ValueError)


# --- add_days: calendar days -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "start, days, expected",
    [
        (date(2026, 12, 4), 3, date(2026, 12, 7)),  # Fri + 3 = Mon
        (date(2026, 12, 3), 3, date(2026, 12, 6)),  # Thu + 3 = Sun: calendar days do not skip weekends
        (date(2026, 11, 30), 7, date(2026, 12, 7)),  # across a month end
        (date(2026, 12, 29), 7, date(2027, 1, 5)),  # across a year end
        (date(2024, 2, 27), 3, date(2024, 3, 1)),  # leap year: Feb 28, Feb 29, Mar 1
        (date(2026, 12, 4), 0, date(2026, 12, 4)),
    ],
)
def test_add_calendar_days(start, days, expected):
    assert add_days(start, days) == expected


def test_calendar_days_ignore_holidays():
    assert add_days(date(2026, 12, 24), 1, False, [date(2026, 12, 25)]) == date(2026, 12, 25)


# --- add_days: business days -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "start, days, expected",
    [
        (date(2026, 12, 4), 1, date(2026, 12, 7)),  # Fri + 1 -> Mon
        (date(2026, 12, 4), 3, date(2026, 12, 9)),  # Mon 7, Tue 8, Wed 9
        (date(2026, 12, 4), 5, date(2026, 12, 11)),  # a full week: next Friday
        (date(2026, 12, 4), 10, date(2026, 12, 18)),
        (date(2026, 12, 5), 1, date(2026, 12, 7)),  # Saturday start
        (date(2026, 12, 6), 1, date(2026, 12, 7)),  # Sunday start
        (date(2026, 12, 7), 3, date(2026, 12, 10)),  # Mon + 3 = Thu
        (date(2026, 11, 30), 7, date(2026, 12, 9)),  # Dec 1,2,3,4,7,8,9
        (date(2026, 11, 30), 14, date(2026, 12, 18)),
    ],
)
def test_add_business_days(start, days, expected):
    assert add_days(start, days, business_days=True) == expected


def test_business_days_skip_a_holiday():
    # Fri Dec 4 + 3 business days with Tue Dec 8 off: Mon 7, Wed 9, Thu 10.
    assert add_days(date(2026, 12, 4), 3, True, [date(2026, 12, 8)]) == date(2026, 12, 10)


def test_business_days_over_christmas_and_new_year():
    holidays = [date(2026, 12, 25), date(2027, 1, 1)]
    # Thu Dec 24 + 3: Fri 25 off, Mon 28, Tue 29, Wed 30.
    assert add_days(date(2026, 12, 24), 3, True, holidays) == date(2026, 12, 30)
    # Thu Dec 24 + 5: Mon 28, Tue 29, Wed 30, Thu 31, (Fri Jan 1 off, weekend), Mon Jan 4.
    assert add_days(date(2026, 12, 24), 5, True, holidays) == date(2027, 1, 4)
    # Without the holidays, Fri 25 counts.
    assert add_days(date(2026, 12, 24), 3, True) == date(2026, 12, 29)


def test_holiday_on_a_weekend_is_not_counted_twice():
    assert add_days(date(2026, 12, 4), 1, True, [date(2026, 12, 5)]) == date(2026, 12, 7)


def test_holidays_may_be_any_iterable():
    holidays = (d for d in [date(2026, 12, 7)])
    assert add_days(date(2026, 12, 4), 1, True, holidays) == date(2026, 12, 8)
