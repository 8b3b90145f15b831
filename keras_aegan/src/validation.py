"""Argument checks shared by the whole package.

Every check raises an error that names the owner (`"load_tfds()"`,
`"StabilityMonitor"`...), the argument, what was received and what is
expected, and returns the value in its canonical Python type.

A value of the wrong type raises `ArgumentTypeError`, a `TypeError` that is
also a `ValueError`: callers that guard with either keep working.
"""

import numbers


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong type (a `TypeError` and a `ValueError`)."""


def _prefix(owner):
    return f"{owner}: " if owner else ""


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _check_integer(owner, name, value, minimum, expected):
    if not _is_int(value):
        raise ArgumentTypeError(
            f"{_prefix(owner)}`{name}` must be {expected}, got {value!r} "
            f"of type {type(value).__name__}.")
    if minimum is not None and value < minimum:
        raise ValueError(
            f"{_prefix(owner)}`{name}` must be {expected}, got {value!r}.")
    return int(value)


def check_int(owner, name, value, minimum=None):
    """`value` as an int; it must be an integer (not a bool), `>= minimum`."""
    bound = "" if minimum is None else f" >= {minimum}"
    return _check_integer(owner, name, value, minimum, f"an int{bound}")


def check_positive_int(owner, name, value):
    """`check_int(..., minimum=1)`, worded "must be a positive int"."""
    return _check_integer(owner, name, value, 1, "a positive int")


def is_int(value):
    """Whether `value` is an integer (Python or NumPy), not a bool."""
    return _is_int(value)


def _bounds(low, high, low_open, high_open):
    """`"> 0"`, `"<= 1"`, `"in [0, 1)"`... or `""` without bounds."""
    if low is None and high is None:
        return ""
    if high is None:
        return f"{'>' if low_open else '>='} {low}"
    if low is None:
        return f"{'<' if high_open else '<='} {high}"
    return ("in " + ("(" if low_open else "[") + f"{low}, {high}"
            + (")" if high_open else "]"))


def _check_real(owner, name, value, low, high, low_open, high_open, kind):
    """`value` as a float in the bounds; `kind` (`"a float"`, or `None`)
    names the expected type in both messages."""
    bounds = _bounds(low, high, low_open, high_open)
    expected = " ".join(part for part in (kind, bounds) if part)
    if not _is_number(value):
        wanted = expected if kind else "a number"
        raise ArgumentTypeError(
            f"{_prefix(owner)}`{name}` must be {wanted}, got {value!r} of "
            f"type {type(value).__name__}.")
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open
                                     else value > high)
    if too_low or too_high:
        raise ValueError(
            f"{_prefix(owner)}`{name}` must be {expected}, got {value!r}.")
    return float(value)


def check_number(owner, name, value, low=None, high=None, low_open=False,
                 high_open=False):
    """`value` as a float within `[low, high]` (open ends when asked)."""
    return _check_real(owner, name, value, low, high, low_open, high_open,
                       kind=None)


def check_float(owner, name, value, low=None, high=None, low_open=False,
                high_open=False):
    """`check_number`, whose messages also name the type and the bounds
    (`` `epsilon` must be a float > 0, got 0.0``)."""
    return _check_real(owner, name, value, low, high, low_open, high_open,
                       kind="a float")


def check_seed(owner, seed):
    """`seed` as an int or `None`."""
    if seed is not None and not _is_int(seed):
        raise ArgumentTypeError(
            f"{_prefix(owner)}`seed` must be an int or None, got {seed!r} of "
            f"type {type(seed).__name__}.")
    return None if seed is None else int(seed)


def check_bool(owner, name, value):
    """`value`, which must be a bool."""
    if not isinstance(value, bool):
        raise ArgumentTypeError(
            f"{_prefix(owner)}`{name}` must be True or False, got {value!r} "
            f"of type {type(value).__name__}.")
    return value


def check_choice(owner, name, value, choices):
    """`value`, which must be one of `choices`."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(
            f"{_prefix(owner)}{'u' if owner else 'U'}nknown {name}: "
            f"{value!r}. Expected one of "
            f"{', '.join(repr(c) for c in choices)}.")
    return value
