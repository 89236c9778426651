"""Dates as pasted tweet signatures print them, in the languages X renders them in.

Hand-written (a month-name table and four patterns) rather than `dateparser`: signatures only
ever use these shapes, and this runs in microseconds where a general parser takes milliseconds.
"""

import re
from datetime import date

_MONTHS: dict[str, int] = {}
for _names in (
    "january february march april may june july august september october november december",
    "jan feb mar apr may jun jul aug sep oct nov dec",
    "januar februar märz april mai juni juli august september oktober november dezember",
    "jänner feber maerz",
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro",
    "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
    "januari februari maart april mei juni juli augustus september oktober november december",
    "января февраля марта апреля мая июня июля августа сентября октября ноября декабря",
    "січня лютого березня квітня травня червня липня серпня вересня жовтня листопада грудня",
    "stycznia lutego marca kwietnia maja czerwca lipca sierpnia września października listopada"
    " grudnia",
    "ocak şubat mart nisan mayıs haziran temmuz ağustos eylül ekim kasım aralık",
    "januari februari mars april maj juni juli augusti september oktober november december",
    "januar februar marts april maj juni juli august september oktober november december",
):
    _words = _names.split()
    if len(_words) == 12:
        for _number, _word in enumerate(_words, start=1):
            _MONTHS.setdefault(_word, _number)
_MONTHS.update({"jänner": 1, "feber": 2, "maerz": 3, "sept": 9, "janv": 1, "févr": 2})

_WORD = r"([^\W\d_]+)\.?"
_MONTH_DAY_YEAR = re.compile(rf"^{_WORD}\s+(\d{{1,2}}),?\s+(\d{{4}})$")  # September 25, 2024
_DAY_MONTH_YEAR = re.compile(  # 25. September 2018 / 25 de septiembre de 2018 / 25 сентября 2018 г.
    rf"^(\d{{1,2}})\.?\s+(?:de\s+)?{_WORD}\s+(?:de\s+)?(\d{{4}})(?:\s*(?:г|р|r)\.?)?$"
)
_CJK = re.compile(r"^(\d{4})\s*[年년]\s*(\d{1,2})\s*[月월]\s*(\d{1,2})\s*[日일]?$")
_NUMERIC = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def _make(year: int, month: int | None, day: int) -> str | None:
    if month is None:
        return None
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def parse_signature_date(text: str) -> str | None:
    """An ISO date (YYYY-MM-DD) from a signature's date text, or None if it is not one."""
    value = " ".join(text.replace("\u00a0", " ").split()).strip(" .").lower()
    if not value or len(value) > 40:
        return None
    m = _MONTH_DAY_YEAR.match(value)
    if m:
        return _make(int(m.group(3)), _MONTHS.get(m.group(1)), int(m.group(2)))
    m = _DAY_MONTH_YEAR.match(value)
    if m:
        return _make(int(m.group(3)), _MONTHS.get(m.group(2)), int(m.group(1)))
    m = _CJK.match(value) or _NUMERIC.match(value)
    if m:
        return _make(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    return None
