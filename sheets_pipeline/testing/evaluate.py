"""A small formula evaluator, for the effective values of formula cells.

It covers arithmetic, comparison, ``&``, references (also to other sheets and named ranges) and common
functions (SUM, COUNT, COUNTA, COUNTIF(S), SUMIF(S), AVERAGE, MIN, MAX, IF, IFERROR, AND, OR, NOT, LEN, ROUND,
ABS, CONCATENATE, UPPER, LOWER, TRIM, TODAY, NOW, DATE, YEAR, MONTH, DAY, ISBLANK, ...). Anything else is
#NAME?, as in Sheets for an unknown function: a test notices instead of reading a made-up value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from . import numfmt
from .formula import Ref, Token, parse_ref, tokenize


class Err:
    """An error value (#DIV/0! ...) flowing through a computation."""

    def __init__(self, kind: str, message: str = "") -> None:
        self.kind = kind
        self.message = message

    def __repr__(self) -> str:
        return f"Err({self.kind})"


class Grid(list):
    """A range's values: rows of scalars."""


Scalar = float | str | bool | None | Err


class Workbook:
    """What the evaluator needs from a spreadsheet."""

    def value(self, sheet: str, row: int, col: int) -> Scalar:  # pragma: no cover - interface
        raise NotImplementedError

    def size(self, sheet: str) -> tuple[int, int] | None:  # pragma: no cover - interface
        raise NotImplementedError

    def named(self, name: str) -> tuple[str, int, int, int, int] | None:  # pragma: no cover - interface
        raise NotImplementedError


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> Token:
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def expect(self, text: str) -> None:
        tok = self.peek()
        if tok is None or tok.text != text:
            raise SyntaxError(text)
        self.pos += 1

    def parse(self) -> Any:
        node = self.comparison()
        if self.peek() is not None:
            raise SyntaxError(self.peek().text)
        return node

    def comparison(self) -> Any:
        node = self.concat()
        while self.peek() and self.peek().text in ("=", "<>", "<", ">", "<=", ">="):
            op = self.take().text
            node = ("bin", op, node, self.concat())
        return node

    def concat(self) -> Any:
        node = self.additive()
        while self.peek() and self.peek().text == "&":
            self.take()
            node = ("bin", "&", node, self.additive())
        return node

    def additive(self) -> Any:
        node = self.term()
        while self.peek() and self.peek().text in ("+", "-"):
            op = self.take().text
            node = ("bin", op, node, self.term())
        return node

    def term(self) -> Any:
        node = self.power()
        while self.peek() and self.peek().text in ("*", "/"):
            op = self.take().text
            node = ("bin", op, node, self.power())
        return node

    def power(self) -> Any:
        node = self.unary()
        while self.peek() and self.peek().text == "^":
            self.take()
            node = ("bin", "^", node, self.unary())
        return node

    def unary(self) -> Any:
        tok = self.peek()
        if tok and tok.text in ("-", "+"):
            self.take()
            operand = self.unary()
            return ("neg", operand) if tok.text == "-" else operand
        return self.postfix()

    def postfix(self) -> Any:
        node = self.primary()
        while self.peek() and self.peek().text == "%":
            self.take()
            node = ("pct", node)
        return node

    def primary(self) -> Any:
        tok = self.take() if self.peek() else None
        if tok is None:
            raise SyntaxError("end")
        if tok.kind == "num":
            return ("lit", float(tok.text))
        if tok.kind == "str":
            return ("lit", tok.text[1:-1].replace('""', '"'))
        if tok.kind == "err":
            return ("lit", Err(_ERROR_KINDS[tok.text]))
        if tok.kind == "ref":
            return ("ref", parse_ref(tok.text))
        if tok.kind == "func":
            self.expect("(")
            args = []
            if self.peek() and self.peek().text == ")":
                self.take()
                return ("call", tok.text.upper(), args)
            while True:
                if self.peek() and self.peek().text in (",", ")"):
                    args.append(("lit", None))
                else:
                    args.append(self.comparison())
                sep = self.take()
                if sep.text == ")":
                    return ("call", tok.text.upper(), args)
                if sep.text not in (",", ";"):
                    raise SyntaxError(sep.text)
        if tok.kind == "name":
            upper = tok.text.upper()
            if upper in ("TRUE", "FALSE"):
                return ("lit", upper == "TRUE")
            return ("name", tok.text)
        if tok.text == "(":
            node = self.comparison()
            self.expect(")")
            return node
        raise SyntaxError(tok.text)


_ERROR_KINDS = {"#N/A": "N_A", "#REF!": "REF", "#DIV/0!": "DIVIDE_BY_ZERO", "#VALUE!": "VALUE", "#NAME?": "NAME",
                "#NUM!": "NUM", "#NULL!": "NULL_VALUE", "#ERROR!": "ERROR"}


class Evaluator:
    """Evaluates one formula in the context of `book`, on sheet `home`."""

    def __init__(self, book: Workbook, home: str, today: date | None = None) -> None:
        self.book = book
        self.home = home
        self.today = today or date.today()
        self.date_result = False  # the result is a date (TODAY(), DATE(...)): Google gives it a date format

    def evaluate(self, formula: str) -> Scalar:
        try:
            tree = _Parser(tokenize(formula)).parse()
        except (SyntaxError, IndexError):
            return Err("ERROR", "Formula parse error.")
        if tree[0] == "call" and tree[1] in ("TODAY", "DATE", "EDATE", "EOMONTH", "DATEVALUE"):
            self.date_result = True
        if tree[0] == "call" and tree[1] == "NOW":
            self.date_result = True
        result = self.eval(tree)
        if isinstance(result, Grid):
            result = result[0][0] if result and result[0] else None
        return result

    # -- nodes
    def eval(self, node: Any) -> Any:
        kind = node[0]
        if kind == "lit":
            return node[1]
        if kind == "ref":
            return self.deref(node[1])
        if kind == "name":
            named = self.book.named(node[1])
            if named is None:
                return Err("NAME", f"Unknown range name: '{node[1].upper()}'.")
            sheet, r1, c1, r2, c2 = named
            return self.deref(Ref(sheet, r1, c1, r2, c2))
        if kind == "neg":
            value = self.number(self.scalar(self.eval(node[1])))
            return value if isinstance(value, Err) else -value
        if kind == "pct":
            value = self.number(self.scalar(self.eval(node[1])))
            return value if isinstance(value, Err) else value / 100
        if kind == "bin":
            return self.binary(node[1], self.scalar(self.eval(node[2])), self.scalar(self.eval(node[3])))
        if kind == "call":
            fn = FUNCTIONS.get(node[1])
            if fn is None:
                return Err("NAME", f"Unknown function: '{node[1]}'.")
            if node[1] in LAZY:
                return fn(self, node[2])
            return fn(self, [self.eval(arg) for arg in node[2]])
        return Err("ERROR")

    def deref(self, ref: Ref) -> Any:
        sheet = ref.sheet if ref.sheet is not None else self.home
        size = self.book.size(sheet)
        if size is None:
            return Err("REF", f"Unresolved sheet name '{sheet}'.")
        rows, cols = size
        if ref.single:
            if ref.r1 >= rows or ref.c1 >= cols:
                return Err("REF", "Reference does not exist.")
            return self.book.value(sheet, ref.r1, ref.c1)
        r1 = ref.r1 or 0
        c1 = ref.c1 or 0
        r2 = min(ref.r2 if ref.r2 is not None else rows, rows)
        c2 = min(ref.c2 if ref.c2 is not None else cols, cols)
        return Grid([[self.book.value(sheet, r, c) for c in range(c1, c2)] for r in range(r1, r2)])

    @staticmethod
    def scalar(value: Any) -> Scalar:
        if isinstance(value, Grid):
            return value[0][0] if value and value[0] else None
        return value

    @staticmethod
    def number(value: Scalar) -> float | Err:
        if isinstance(value, Err):
            return value
        if value is None:
            return 0.0
        if isinstance(value, bool):
            return 1.0 if value else 0.0
        if isinstance(value, (int, float)):
            return float(value)
        try:
            return float(str(value).replace(",", ""))
        except ValueError:
            return Err("VALUE", f"Function expects number values. But '{value}' is a text and cannot be coerced "
                                "to a number.")

    @staticmethod
    def text(value: Scalar) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, float):
            return numfmt.automatic(value)
        return str(value)

    @staticmethod
    def boolean(value: Scalar) -> bool | Err:
        if isinstance(value, Err):
            return value
        if isinstance(value, str):
            if value.upper() in ("TRUE", "FALSE"):
                return value.upper() == "TRUE"
            return Err("VALUE")
        return bool(value)

    def binary(self, op: str, left: Scalar, right: Scalar) -> Scalar:
        for side in (left, right):
            if isinstance(side, Err):
                return side
        if op == "&":
            return self.text(left) + self.text(right)
        if op in ("=", "<>", "<", ">", "<=", ">="):
            return _compare(op, left, right)
        a, b = self.number(left), self.number(right)
        if isinstance(a, Err):
            return a
        if isinstance(b, Err):
            return b
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            return Err("DIVIDE_BY_ZERO") if b == 0 else a / b
        if op == "^":
            try:
                return float(a ** b)
            except (OverflowError, ZeroDivisionError, TypeError):
                return Err("NUM")
        return Err("ERROR")


def _rank(value: Scalar) -> int:
    if value is None:
        return 0
    if isinstance(value, bool):
        return 3
    if isinstance(value, (int, float)):
        return 1
    return 2


def _compare(op: str, left: Scalar, right: Scalar) -> bool:
    if left is None:
        left = "" if isinstance(right, str) else (False if isinstance(right, bool) else 0.0)
    if right is None:
        right = "" if isinstance(left, str) else (False if isinstance(left, bool) else 0.0)
    if isinstance(left, str) and isinstance(right, str):
        a, b = left.lower(), right.lower()
    elif _rank(left) != _rank(right):
        a, b = _rank(left), _rank(right)
    else:
        a, b = left, right
    return {"=": a == b, "<>": a != b, "<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]


def _flatten(values: Iterable[Any]) -> list[Scalar]:
    out: list[Scalar] = []
    for value in values:
        if isinstance(value, Grid):
            for row in value:
                out.extend(row)
        else:
            out.append(value)
    return out


def _numbers(args: list[Any]) -> list[float] | Err:
    """Numbers of a SUM-like argument list: direct arguments are coerced, text in ranges is skipped."""
    out: list[float] = []
    for arg in args:
        if isinstance(arg, Grid):
            for row in arg:
                for v in row:
                    if isinstance(v, Err):
                        return v
                    if isinstance(v, (int, float)) and not isinstance(v, bool):
                        out.append(float(v))
        else:
            n = Evaluator.number(arg)
            if isinstance(n, Err):
                return n
            out.append(n)
    return out


def _criteria(criterion: Scalar) -> Callable[[Scalar], bool]:
    """COUNTIF-style criterion: 'x', '>5', '<>', 5, TRUE, wildcards * and ?."""
    if isinstance(criterion, str):
        m = re.match(r"^(<>|<=|>=|=|<|>)?(.*)$", criterion, re.DOTALL)
        op, operand = m.group(1) or "=", m.group(2)
        number = None
        try:
            number = float(operand)
        except ValueError:
            pass
        if number is not None:
            return lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and _compare(op, float(v), number)
        if op in ("=", "<>") and ("*" in operand or "?" in operand):
            pattern = re.compile("^" + re.escape(operand).replace(r"\*", ".*").replace(r"\?", ".") + "$", re.IGNORECASE | re.DOTALL)
            if op == "=":
                return lambda v: isinstance(v, str) and bool(pattern.match(v))
            return lambda v: not (isinstance(v, str) and pattern.match(v))
        if operand == "":
            return (lambda v: v is None or v == "") if op == "=" else (lambda v: v is not None and v != "")
        return lambda v: isinstance(v, str) and _compare(op, v, operand) or (
            op == "<>" and not isinstance(v, str))
    return lambda v: v is not None and not isinstance(v, Err) and _rank(v) == _rank(criterion) and v == criterion


def _fn_sum(ev: Evaluator, args: list[Any]) -> Scalar:
    nums = _numbers(args)
    return nums if isinstance(nums, Err) else float(sum(nums))


def _fn_average(ev: Evaluator, args: list[Any]) -> Scalar:
    nums = _numbers(args)
    if isinstance(nums, Err):
        return nums
    return Err("DIVIDE_BY_ZERO", "Evaluation of function AVERAGE caused a divide by zero error.") if not nums \
        else sum(nums) / len(nums)


def _fn_min(ev: Evaluator, args: list[Any]) -> Scalar:
    nums = _numbers(args)
    return nums if isinstance(nums, Err) else (min(nums) if nums else 0.0)


def _fn_max(ev: Evaluator, args: list[Any]) -> Scalar:
    nums = _numbers(args)
    return nums if isinstance(nums, Err) else (max(nums) if nums else 0.0)


def _fn_count(ev: Evaluator, args: list[Any]) -> Scalar:
    return float(sum(1 for v in _flatten(args) if isinstance(v, (int, float)) and not isinstance(v, bool)))


def _fn_counta(ev: Evaluator, args: list[Any]) -> Scalar:
    return float(sum(1 for v in _flatten(args) if v is not None and v != ""))


def _fn_countblank(ev: Evaluator, args: list[Any]) -> Scalar:
    return float(sum(1 for v in _flatten(args) if v is None or v == ""))


def _pairs(args: list[Any]) -> list[tuple[list[Scalar], Callable[[Scalar], bool]]]:
    return [(_flatten([args[i]]), _criteria(Evaluator.scalar(args[i + 1]))) for i in range(0, len(args) - 1, 2)]


def _fn_countifs(ev: Evaluator, args: list[Any]) -> Scalar:
    pairs = _pairs(args)
    if not pairs:
        return Err("N_A")
    n = len(pairs[0][0])
    return float(sum(1 for i in range(n) if all(i < len(vals) and test(vals[i]) for vals, test in pairs)))


def _fn_sumifs(ev: Evaluator, args: list[Any]) -> Scalar:
    sums = _flatten([args[0]])
    pairs = _pairs(args[1:])
    total = 0.0
    for i, v in enumerate(sums):
        if all(i < len(vals) and test(vals[i]) for vals, test in pairs) and isinstance(v, (int, float)) \
                and not isinstance(v, bool):
            total += v
    return total


def _fn_sumif(ev: Evaluator, args: list[Any]) -> Scalar:
    target = args[2] if len(args) > 2 else args[0]
    return _fn_sumifs(ev, [target, args[0], args[1]])


def _fn_if(ev: Evaluator, nodes: list[Any]) -> Scalar:
    cond = ev.boolean(ev.scalar(ev.eval(nodes[0])))
    if isinstance(cond, Err):
        return cond
    if cond:
        return ev.eval(nodes[1]) if len(nodes) > 1 else True
    return ev.eval(nodes[2]) if len(nodes) > 2 else False


def _fn_iferror(ev: Evaluator, nodes: list[Any]) -> Scalar:
    value = ev.scalar(ev.eval(nodes[0]))
    if isinstance(value, Err):
        return ev.eval(nodes[1]) if len(nodes) > 1 else None
    return value


def _fn_and(ev: Evaluator, args: list[Any]) -> Scalar:
    values = [ev.boolean(v) for v in _flatten(args) if v is not None]
    for v in values:
        if isinstance(v, Err):
            return v
    return all(values)


def _fn_or(ev: Evaluator, args: list[Any]) -> Scalar:
    values = [ev.boolean(v) for v in _flatten(args) if v is not None]
    for v in values:
        if isinstance(v, Err):
            return v
    return any(values)


def _one(fn: Callable[[Evaluator, Scalar], Scalar]) -> Callable[[Evaluator, list[Any]], Scalar]:
    def wrapper(ev: Evaluator, args: list[Any]) -> Scalar:
        if not args:
            return Err("N_A", "Wrong number of arguments.")
        value = ev.scalar(args[0])
        if isinstance(value, Err):
            return value
        return fn(ev, value)

    return wrapper


def _round(ev: Evaluator, args: list[Any], mode: str = "round") -> Scalar:
    value = ev.number(ev.scalar(args[0]))
    places = ev.number(ev.scalar(args[1])) if len(args) > 1 else 0.0
    if isinstance(value, Err):
        return value
    if isinstance(places, Err):
        return places
    factor = 10 ** int(places)
    scaled = value * factor
    if mode == "up":
        scaled = math.ceil(abs(scaled)) * (1 if scaled >= 0 else -1)
    elif mode == "down":
        scaled = math.floor(abs(scaled)) * (1 if scaled >= 0 else -1)
    else:
        scaled = math.floor(abs(scaled) + 0.5) * (1 if scaled >= 0 else -1)
    return scaled / factor


def _fn_date(ev: Evaluator, args: list[Any]) -> Scalar:
    parts = [ev.number(ev.scalar(a)) for a in args[:3]]
    for p in parts:
        if isinstance(p, Err):
            return p
    year, month, day = (int(p) for p in parts)
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    try:
        base = numfmt.datetime_to_serial(datetime(year, month, 1))
    except ValueError:
        return Err("NUM")
    return base + day - 1


def _date_part(attr: str) -> Callable[[Evaluator, list[Any]], Scalar]:
    def fn(ev: Evaluator, args: list[Any]) -> Scalar:
        value = ev.number(ev.scalar(args[0]))
        if isinstance(value, Err):
            return value
        return float(getattr(numfmt.serial_to_datetime(value), attr))

    return fn


def _fn_concat(ev: Evaluator, args: list[Any]) -> Scalar:
    values = _flatten(args)
    for v in values:
        if isinstance(v, Err):
            return v
    return "".join(ev.text(v) for v in values)


def _not(value: bool | Err) -> Scalar:
    return value if isinstance(value, Err) else not value


def _numeric(value: float | Err, fn: Callable[[float], float]) -> Scalar:
    return value if isinstance(value, Err) else fn(value)


FUNCTIONS: dict[str, Callable[[Evaluator, list[Any]], Scalar]] = {
    "SUM": _fn_sum, "AVERAGE": _fn_average, "MIN": _fn_min, "MAX": _fn_max, "COUNT": _fn_count,
    "COUNTA": _fn_counta, "COUNTBLANK": _fn_countblank, "COUNTIF": _fn_countifs, "COUNTIFS": _fn_countifs,
    "SUMIF": _fn_sumif, "SUMIFS": _fn_sumifs, "IF": _fn_if, "IFERROR": _fn_iferror, "AND": _fn_and, "OR": _fn_or,
    "NOT": _one(lambda ev, v: _not(ev.boolean(v))),
    "LEN": _one(lambda ev, v: float(len(ev.text(v)))),
    "UPPER": _one(lambda ev, v: ev.text(v).upper()), "LOWER": _one(lambda ev, v: ev.text(v).lower()),
    "TRIM": _one(lambda ev, v: " ".join(ev.text(v).split())),
    "ABS": _one(lambda ev, v: _numeric(ev.number(v), abs)),
    "INT": _one(lambda ev, v: _numeric(ev.number(v), lambda n: float(math.floor(n)))),
    "ROUND": _round, "ROUNDUP": lambda ev, a: _round(ev, a, "up"), "ROUNDDOWN": lambda ev, a: _round(ev, a, "down"),
    "CONCATENATE": _fn_concat, "CONCAT": _fn_concat,
    "TODAY": lambda ev, a: numfmt.datetime_to_serial(ev.today),
    "NOW": lambda ev, a: numfmt.datetime_to_serial(datetime.now()),
    "DATE": _fn_date, "YEAR": _date_part("year"), "MONTH": _date_part("month"), "DAY": _date_part("day"),
    "ISBLANK": lambda ev, a: ev.scalar(a[0]) is None if a else True,
    "ISNUMBER": lambda ev, a: isinstance(ev.scalar(a[0]), float),
    "ISTEXT": lambda ev, a: isinstance(ev.scalar(a[0]), str),
    "VALUE": _one(lambda ev, v: ev.number(v)),
    "N": _one(lambda ev, v: v if isinstance(v, float) else 0.0),
}
LAZY = {"IF", "IFERROR"}
