from hypothesis import given
from hypothesis import strategies as st

from bedrockcache.tokens import TokenBand, estimate_text


def test_english_prose_falls_inside_the_band():
    text = "The quick brown fox jumps over the lazy dog. " * 100  # ~1,000 real tokens
    band = estimate_text(text)
    assert band.low <= 1000 <= band.high


def test_cjk_text_is_not_underestimated():
    band = estimate_text("東京は日本の首都です。" * 100)  # ~1 token per character
    assert band.high >= 1100
    assert band.low <= 1100


def test_below_and_reaches_are_certain_only_outside_the_band():
    band = TokenBand(800, 1500)
    assert not band.below(1024) and not band.reaches(1024)
    assert band.below(2000) and band.reaches(500)
    assert not TokenBand(0, None).below(10)


def test_unbounded_stays_unbounded_when_added():
    assert (TokenBand(5, None) + TokenBand(1, 2)) == TokenBand(6, None)


@given(st.text(), st.text())
def test_band_is_ordered_and_additive(a, b):
    band_a, band_b = estimate_text(a), estimate_text(b)
    assert 0 <= band_a.low <= band_a.high
    both = estimate_text(a + b)
    assert both.low >= band_a.low + band_b.low - 1
    assert both.high <= band_a.high + band_b.high + 1
