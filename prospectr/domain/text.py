"""Text rules: cleaning user input, folding for search, email and phone checks.

Cleaning happens at capture, so what is stored is already safe to show:
control characters (ESC and friends), zero-width and bidirectional-override
characters are removed from every field; notes keep newlines and tabs. This is
what stops a stored name from moving the cursor or disguising itself as
another lead in a list.
"""

from __future__ import annotations

import re
import unicodedata

from prospectr.errors import InvalidInput

# Letters that carry no combining mark under NFKD but that users type without
# the stroke: Vietnamese đ, Nordic ø, Polish ł, Turkish ı, ligatures.  # noqa: RUF003
_FOLD_EXTRA = str.maketrans(
    {"đ": "d", "ø": "o", "ł": "l", "ı": "i", "æ": "ae", "œ": "oe", "ħ": "h", "ŧ": "t"}  # noqa: RUF001
)
_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")
# Whole terminal escape sequences, so that none leaves a tail such as "[31m"
# once its ESC is gone: CSI (ESC [, parameters, final byte), the string controls
# OSC, DCS, SOS, PM and APC up to their terminator (BEL or ESC \\), and the
# two-character escapes (ESC c, ESC 7 ...). Only 7-bit sequences that are
# complete: a lone 8-bit C1 character (what Windows-1252 text read as Latin-1
# holds) or an unterminated introducer loses just its control characters, so
# no text is eaten with them.
_ESCAPE_SEQ_RE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)"
    r"|\x1b[!-/]*[0-~]"
)
_ESCAPE_START_RE = re.compile("\x1b")
MIN_PHONE_DIGITS = 7
_NOT_ASCII_DIGIT_RE = re.compile(r"[^0-9]+")


def _keep(ch: str, multiline: bool) -> bool:
    if multiline and ch in "\n\t":
        return True
    cat = unicodedata.category(ch)
    # Cc: control bytes (ESC, BEL, CR...); Cf: zero-width and bidi controls;
    # Cs/Co/Cn: surrogates, private use, unassigned code points.
    return not (cat[0] == "C" or cat in ("Zl", "Zp"))


def clean(value: str | None, *, multiline: bool = False) -> str:
    """Trim, NFC-normalise and strip control/format characters from user text.

    Single-line fields also collapse runs of white space to one space.
    """
    if value is None:
        return ""
    if (
        not multiline
        and value.isprintable()
        and (value.isascii() or unicodedata.is_normalized("NFC", value))
    ):
        # The common case (imports call this ten times a row): nothing to strip.
        return " ".join(value.split())
    text = value
    if _ESCAPE_START_RE.search(text):
        text = _ESCAPE_SEQ_RE.sub("", text)
    text = unicodedata.normalize("NFC", text)
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not multiline:
        # Line breaks and tabs separate words: make them spaces before controls go.
        text = " ".join(text.split())
    # isprintable() is True only when no character is a control, format or
    # separator one, so the per-character scan below is skipped for plain text.
    if not text.isprintable() and any(not _keep(ch, multiline) for ch in text):
        text = "".join(ch for ch in text if _keep(ch, multiline))
    if not multiline:
        text = " ".join(text.split())
    return text.strip()


# Characters a terminal acts on or that hide text: C0 controls but tab, newline
# and carriage return; DEL and C1 controls; zero-width, bidi and line/paragraph
# separator marks; the BOM.
_UNSAFE_RE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f"
    "\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff]"
)


def visible(value: object) -> str:
    """Text for a screen: any control or invisible character shown as an escape (``\\x1b``)."""
    text = "" if value is None else str(value)
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch in "\n\t" else f"\\x{ord(ch):02x}" for ch in text)


def inert(text: str) -> str:
    """Output text (CSV, vCard, iCalendar) without characters a terminal would act on.

    Capture already strips them; this guards data stored some other way.
    """
    return _UNSAFE_RE.sub("", text)


def _escape_json_char(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def json_inert(text: str) -> str:
    """Serialized JSON with those characters written as ``\\uXXXX``: the same data, inert."""
    return _UNSAFE_RE.sub(_escape_json_char, text)


def clean_optional(value: str | None) -> str | None:
    """``clean`` that maps an empty result to None (for optional columns)."""
    text = clean(value)
    return text or None


class _FoldTable(dict[int, str]):
    """Per-character folding, computed once per character and cached.

    Decomposing character by character and dropping combining marks gives the
    same result as decomposing the whole string (marks are only reordered
    between themselves, and they are dropped).
    """

    def __missing__(self, code: int) -> str:
        folded = chr(code)
        # Twice: a compatibility form can reveal a cased letter (math italic A -> "A" -> "a").
        for _ in range(2):
            decomposed = unicodedata.normalize("NFKD", folded)
            folded = "".join(c for c in decomposed if not unicodedata.combining(c))
            folded = folded.casefold().translate(_FOLD_EXTRA)
        self[code] = folded
        return folded


_FOLD_TABLE = _FoldTable()


def fold(value: str | None) -> str:
    """Case- and accent-folded text for search keys: "Nguyễn" -> "nguyen"."""
    if not value:
        return ""
    if value.isascii():  # same result: ASCII has no marks and casefold() == lower()
        return value.lower()
    return value.casefold().translate(_FOLD_TABLE)


def plural(n: int, word: str) -> str:
    """``1 lead`` / ``2 leads``: a count and its noun, for messages."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def like_escape(value: str) -> str:
    """Escape LIKE wildcards so user text is matched literally (use ESCAPE '\\')."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def normalize_email(value: str | None) -> str | None:
    """Lower-cased, validated email, or None when empty. Raises InvalidInput."""
    text = clean(value)
    if not text:
        return None
    text = text.lower()
    if len(text) > 254 or not _EMAIL_RE.match(text):
        raise InvalidInput(f"invalid email: {text!r}")
    return text


def phone_key(value: str | None) -> str | None:
    """The digits of a phone number (its duplicate key), or None when empty.

    Raises InvalidInput when the number has fewer than 7 digits.
    """
    return phone_digits(clean(value))


def phone_digits(text: str | None) -> str | None:
    """:func:`phone_key` of text that is already clean (as ``normalize_fields`` has it)."""
    if not text:
        return None
    if text.isascii():
        digits = _NOT_ASCII_DIGIT_RE.sub("", text)
    else:  # other scripts' digits (Arabic-Indic, fullwidth ...) count as their values
        digits = "".join(str(unicodedata.decimal(ch)) for ch in text if ch.isdecimal())
    if len(digits) < MIN_PHONE_DIGITS:
        raise InvalidInput(f"invalid phone: {text!r} (needs at least {MIN_PHONE_DIGITS} digits)")
    return digits


def normalize_label(value: str | None) -> str:
    """Sources and tags: cleaned, case-folded, inner spaces kept single."""
    return clean(value).casefold()


_YES = frozenset({"yes", "y", "true", "1", "x"})
_NO = frozenset({"no", "n", "false", "0"})


def yes_no(value: str | None, field: str) -> bool | None:
    """A yes/no cell: yes/y/true/1/x or no/n/false/0 in any case; None when empty.

    Raises InvalidInput for anything else (``field must be yes or no, not 'maybe'``).
    """
    text = clean(value)
    if not text:
        return None
    key = text.casefold()
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise InvalidInput(f"{field} must be yes or no, not {text!r}")
