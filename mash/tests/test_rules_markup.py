"""The markup rule (mash.rules.MARKUP): what is HTML is refused, ordinary text with angle brackets is not. Pages
escape everything; the rule keeps HTML out of a child's record, not the text a referral carries."""

import pytest

from mash.errors import Problems
from mash.rules import MARKUP_MESSAGE, Text, text_problem

# Found walking: pasted e-mails and quoted speech were refused as "HTML tags".
ORDINARY = [
    "email <j.smith@example.com>",
    "He said 'I <will> hurt her' by text",
    "From: Jo Smith <jo.smith@nhs.net>\nSent: 1 December 2026\nTo: MASH <mash@example.gov.uk>",
    "See <https://example.org/report?id=1&x=2>",
    "<mailto:jo@example.org?subject=Ava>",
    "He wrote <I will hurt her> on the wall",
    "<name> and <DOB> left blank on the form",
    "Mum texted 'I <3 u'",
    "scored a<b and c>d",
    "1 < 2 > 0",
    "< b > with spaces is not a tag",
    "<<Ava>>",
    "Photo: <image attached> and <video of the incident>",
]
HTML = [
    "<script>alert(1)</script>",
    "<SCRIPT",
    "<script\n>alert(1)",
    "<style>body{display:none}</style>",
    "<b>now</b>",
    "<b>Ava</b>",
    "Ava</b>",
    "<br>",
    "<br/>",
    "</div>",
    "<p class=x>hi",
    "<img src=x onerror=alert(1)>",
    '"><img src=x onerror=alert(1)>',
    "<img\tsrc=x>",
    "<img/src=x>",
    "<img>",
    "<script src=//example.org/x.js",
    "<iframe src=//example.org>",
    "<svg/onload=alert(1)>",
    "<x onclick=alert(1)>",
    "<a href='javascript:alert(1)'>x</a>",
    "<!-- hidden -->",
    "<!DOCTYPE html>",
    "<![CDATA[x]]>",
    "<?php echo 1 ?>",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_text_with_angle_brackets_is_kept(text):
    assert text_problem(text, "Concern") is None
    problems = Problems()
    assert Text("concern", "Concern", max_length=1000).check(text, problems) == text
    assert not problems


@pytest.mark.parametrize("text", HTML)
def test_html_is_refused(text):
    assert text_problem(text, "Concern") == MARKUP_MESSAGE


def test_a_long_text_of_brackets_is_read_quickly():
    import time

    started = time.perf_counter()
    for text in ("<a " * 7000, "<x " + "a=" * 10_000, "<" * 20_000, "<x\t" + "-" * 20_000):
        text_problem(text, "Concern")
    assert time.perf_counter() - started < 0.5
