"""Trigger conditions: a small grammar over an event's properties, parsed, never eval'd.

    condition := clause ("and" clause)*
    clause    := property op literal
    property  := a name, dots for nesting (cart.total)
    op        := == != >= <= > <
    literal   := a number (500, 12.5), a quoted string ("Pune", 'gold'), true, false

`amount >= 500 and city == "Pune"`. A clause on a missing property is false, with the
reason said. Numbers compare as numbers (the event's "500" string counts as 500).
"""

import math
import operator
import re
from dataclasses import dataclass
from functools import cached_property

OPS = {
    "==": operator.eq,
    "!=": operator.ne,
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}
_CLAUSE = re.compile(
    r"""^\s*(?P<prop>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\s*
    (?P<op>==|!=|>=|<=|>|<)\s*
    (?P<lit>-?\d+(?:\.\d+)?|"[^"]*"|'[^']*'|true|false)\s*$""",
    re.X,
)
MAX_LENGTH = 500


class ConditionError(ValueError):
    """The condition's text is not in the grammar."""


@dataclass(frozen=True)
class Clause:
    """One comparison: property, operator, literal."""

    prop: str
    op: str
    value: object

    def text(self) -> str:
        """Return the clause as written in the grammar."""
        return self._text

    @cached_property
    def _text(self) -> str:
        # Once per parsed clause: a failing clause is said on every event it meets.
        lit = f'"{self.value}"' if isinstance(self.value, str) else str(self.value).lower()
        return f"{self.prop} {self.op} {lit}"


def parse(text: str) -> tuple[Clause, ...]:
    """Parse a condition; an empty one is always true. ConditionError names what is wrong."""
    text = (text or "").strip()
    if not text:
        return ()
    if len(text) > MAX_LENGTH:
        raise ConditionError(f"longer than {MAX_LENGTH} characters")
    clauses = []
    for part in re.split(r"\s+and\s+", text, flags=re.I):
        match = _CLAUSE.match(part)
        if not match:
            raise ConditionError(
                f"{part.strip()!r} is not `property op value` (op: == != >= <= > <; "
                'value: a number, "text", true or false; clauses joined by "and")'
            )
        lit = match["lit"]
        if lit in ("true", "false"):
            value = lit == "true"
        elif lit[0] in "\"'":
            value = lit[1:-1]
        else:
            value = float(lit) if "." in lit else int(lit)
        clauses.append(Clause(match["prop"], match["op"], value))
    return tuple(clauses)


def _lookup(props: dict, path: str):
    value = props
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            raise KeyError(path)
        value = value[key]
    return value


def _as_number(value):
    """Return a property as a number a condition can compare; None for NaN and infinities."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return None


def evaluate(clauses: tuple[Clause, ...], props: dict) -> tuple[bool, str]:
    """Return (holds, why): the first clause that fails, with the value the event sent."""
    for clause in clauses:
        try:
            got = _lookup(props if isinstance(props, dict) else {}, clause.prop)
        except KeyError:
            return False, f"condition `{clause.text()}` false: the event has no {clause.prop}"
        want = clause.value
        if isinstance(want, bool) or isinstance(want, str):
            left = got
        else:
            left = _as_number(got)
            if left is None:
                return (
                    False,
                    f"condition `{clause.text()}` false: {clause.prop} = {got!r} is not a number",
                )
        try:
            holds = OPS[clause.op](left, want)
        except TypeError:
            holds = False
        if not holds:
            return False, f"condition `{clause.text()}` false with {clause.prop} = {got!r}"
    return True, "condition holds" if clauses else "no condition"
