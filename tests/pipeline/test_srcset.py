"""srcset parsed as the HTML standard says, and written back."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pipeline.srcset import Candidate, parse_srcset, serialize_srcset


def test_candidates_commas_inside_urls_and_descriptors() -> None:
    assert parse_srcset(" a.png 1x,b,c.png 2x ,d.png, e.png 480w, data:image/png;base64,AA,BB 3x") == [
        Candidate("a.png", "1x"), Candidate("b,c.png", "2x"), Candidate("d.png", ""),
        Candidate("e.png", "480w"), Candidate("data:image/png;base64,AA,BB", "3x")]
    assert parse_srcset("x.png (a, b) 2x, y.png") == [Candidate("x.png", "(a, b) 2x"),
                                                       Candidate("y.png", "")]
    assert parse_srcset(" , ,, ") == []


def test_rewriting_every_candidate_round_trips() -> None:
    value = "/a.png 1x, /b.png 2x, /c,d.png 3x"
    rewritten = serialize_srcset([Candidate("/x" + c.url, c.descriptor) for c in parse_srcset(value)])
    assert rewritten == "/x/a.png 1x, /x/b.png 2x, /x/c,d.png 3x"
    assert [c.url for c in parse_srcset(rewritten)] == ["/x/a.png", "/x/b.png", "/x/c,d.png"]


@given(st.text(max_size=200))
def test_any_input_parses_to_urls_without_whitespace(value: str) -> None:
    for candidate in parse_srcset(value):
        assert candidate.url and not any(c in " \t\n\f\r" for c in candidate.url)
