"""GOV.UK date inputs: a date typed in Day, Month and Year boxes (and Hour, Minute for a time), with the GOV.UK
error messages, and the boxes in error highlighted."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django import forms

from mash.forms import GovukDateField, GovukDateTimeField, initial_from_data


class DateForm(forms.Form):
    born = GovukDateField(label="Date of birth", noun="Date of birth")
    received = GovukDateTimeField(label="When was it received?", noun="Date received", time_noun="Time received")


def post(born=("", "", ""), received=("", "", "", "", "")):
    data = dict(zip(("born-day", "born-month", "born-year"), born, strict=True))
    data.update(zip(("received-day", "received-month", "received-year", "received-hour", "received-minute"),
                    received, strict=True))
    return data


@pytest.mark.parametrize(
    ("born", "message", "parts"),
    [
        (("", "4", "2019"), "Date of birth must include a day", ["day"]),
        (("2", "", "2019"), "Date of birth must include a month", ["month"]),
        (("2", "4", ""), "Date of birth must include a year", ["year"]),
        (("2", "", ""), "Date of birth must include a month and year", ["month", "year"]),
        (("", "", "2019"), "Date of birth must include a day and month", ["day", "month"]),
        (("31", "2", "2020"), "Date of birth must be a real date", ["day", "month", "year"]),
        (("2", "13", "2019"), "Date of birth must be a real date", ["day", "month", "year"]),
        (("0", "4", "2019"), "Date of birth must be a real date", ["day", "month", "year"]),
        (("two", "4", "2019"), "Date of birth must be a real date", ["day"]),
        (("2", "April", "2019"), "Date of birth must be a real date", ["month"]),
        (("2", "4", "19"), "Year must include 4 numbers", ["year"]),
        (("2", "4", "<script>"), "Date of birth must be a real date", ["year"]),
        (("2", "4", "9" * 10_000), "Year must include 4 numbers", ["year"]),
    ],
)
def test_a_date_that_is_not_one_gets_the_govuk_message_on_the_boxes_in_error(born, message, parts):
    form = DateForm(post(born=born))
    assert not form.is_valid()
    assert form.errors["born"] == [message]
    assert form.fields["born"].error_parts == parts
    html = str(form["born"])
    for part in ("day", "month", "year"):
        box = html[html.index(f'name="born-{part}"') - 120:html.index(f'name="born-{part}"')]
        assert ("govuk-input--error" in box) == (part in parts), (part, box)
    assert "<script>" not in html


def test_the_error_summary_links_to_the_first_box_in_error():
    from django.template import Context, Template

    form = DateForm(post(born=("2", "", "2019")))
    form.is_valid()
    html = Template('{% include "forms/govuk/error_summary.html" %}').render(Context({"form": form}))
    assert 'href="#id_born-month">Date of birth must include a month</a>' in html
    form = DateForm(post(born=("", "", "2019")))
    form.is_valid()
    html = Template('{% include "forms/govuk/error_summary.html" %}').render(Context({"form": form}))
    assert 'href="#id_born">Date of birth must include a day and month</a>' in html  # the Day box has the field's id


def test_a_real_date_and_an_empty_one():
    form = DateForm(post(born=(" 2 ", "04", "2019")))
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"born": date(2019, 4, 2), "received": None}


@pytest.mark.parametrize(
    ("received", "message", "parts"),
    [
        (("1", "3", "2026", "", ""), "Time received must include an hour and a minute", ["hour", "minute"]),
        (("1", "3", "2026", "14", ""), "Time received must include a minute", ["minute"]),
        (("1", "3", "2026", "24", "00"), "Time received must be a real time", ["hour"]),
        (("1", "3", "2026", "14", "60"), "Time received must be a real time", ["minute"]),
        (("1", "3", "2026", "2pm", "00"), "Time received must be a real time", ["hour"]),
        (("", "", "", "14", "30"), "Date received must include a day, month and year", ["day", "month", "year"]),
        (("30", "2", "2026", "14", "30"), "Date received must be a real date", ["day", "month", "year"]),
    ],
)
def test_a_time_that_is_not_one(received, message, parts):
    form = DateForm(post(received=received))
    assert not form.is_valid()
    assert form.errors["received"] == [message]
    assert form.fields["received"].error_parts == parts


def test_a_date_and_time_is_london_time():
    form = DateForm(post(received=("1", "7", "2026", "14", "05")))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["received"] == datetime(2026, 7, 1, 14, 5, tzinfo=ZoneInfo("Europe/London"))
    assert form.cleaned_data["received"].utcoffset().total_seconds() == 3600  # British Summer Time


def test_boxes_show_what_was_typed_and_an_initial_value_is_split():
    html = str(DateForm(post(born=("2", "x", "2019")))["born"])
    assert 'name="born-month" value="x"' in html
    html = str(DateForm(initial={"born": date(2019, 4, 2)})["born"])
    assert 'name="born-day" value="2"' in html and 'name="born-month" value="4"' in html
    assert 'name="born-year" value="2019"' in html
    # No native picker anywhere.
    assert 'type="date"' not in html and "datetime-local" not in html


def test_answers_come_back_as_initial_without_being_judged():
    data = post(born=("2", "", "2019"))
    initial = initial_from_data(DateForm, data)
    assert initial == {"born": ["2", "", "2019"]}
    form = DateForm(initial=initial)
    assert not form.is_bound
    assert 'name="born-day" value="2"' in str(form["born"])
