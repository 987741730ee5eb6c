"""The fast paths of ``text.clean``/``text.fold`` (which the import leans on) change nothing."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from prospectr.domain.text import clean, fold


@given(st.text())
def test_clean_skipping_the_scan_gives_what_the_scan_gives(value: str) -> None:
    # A NUL forces the per-character scan, which removes exactly that NUL.
    assert clean(value) == clean(value + "\x00")
    assert clean(value, multiline=True) == clean(value + "\x00", multiline=True)


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_fold_of_ascii_matches_the_general_path(value: str) -> None:
    # "é" sends the text down the general path and folds to "e".
    assert fold(value + "é") == fold(value) + "e"
