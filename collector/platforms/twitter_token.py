"""The token the public syndication endpoint expects, computed as public clients do.

react-tweet and others send `((Number(id) / 1e15) * Math.PI).toString(36).replace(/(0+|\\.)/g, '')`.
The result depends on JavaScript's exact `Number.prototype.toString(36)` for a non-integer,
which prints the shortest digit string that still identifies the double. No Python library
reproduces that, so `js_radix_string` is a port of V8's `DoubleToRadixCString` (hand-written,
about 30 lines; checked against node and published test vectors in the tests).
"""

import math

_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def js_radix_string(value: float, radix: int) -> str:
    """`value.toString(radix)` exactly as V8 prints it, for finite non-negative values."""
    if not math.isfinite(value) or value < 0:
        raise ValueError("only finite non-negative numbers are supported")
    if not 2 <= radix <= 36:
        raise ValueError("radix must be between 2 and 36")
    integer = math.floor(value)
    fraction = value - integer
    # Half the distance to the next double: digits below it do not change the value.
    delta = max(0.5 * (math.nextafter(value, math.inf) - value), math.nextafter(0.0, 1.0))
    frac_digits: list[int] = []
    if fraction >= delta:
        while True:
            fraction *= radix
            delta *= radix
            digit = int(fraction)
            frac_digits.append(digit)
            fraction -= digit
            if (fraction > 0.5 or (fraction == 0.5 and digit & 1)) and fraction + delta > 1:
                # Round up, propagating carries into the integer part when needed.
                while True:
                    if not frac_digits:
                        integer += 1
                        break
                    last = frac_digits.pop() + 1
                    if last < radix:
                        frac_digits.append(last)
                        break
                break
            if fraction < delta:
                break
    int_part = ""
    number = int(integer)
    while True:
        number, remainder = divmod(number, radix)
        int_part = _DIGITS[remainder] + int_part
        if number == 0:
            break
    if not frac_digits:
        return int_part
    return int_part + "." + "".join(_DIGITS[d] for d in frac_digits)


def syndication_token(post_id: str | int) -> str:
    """The `token` query parameter for `tweet-result?id=<post_id>`."""
    value = (int(post_id) / 1e15) * math.pi
    return js_radix_string(value, 36).replace("0", "").replace(".", "")
