"""Formulas over a report form's data elements, read without ``eval``.

A computed indicator's numerator and denominator, and each side of a validation rule, are
short arithmetic written in the plan: data-element ids, ``id.part`` for one part of a
disaggregation (``so_tre.nam``), numbers, ``+ - * /`` and brackets. Python's ``ast``
parses the text and anything else (calls, subscripts, comparisons, strings) is refused, so a
plan file can never run code. Evaluation asks a lookup for each name's value.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_OPERATORS: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
}


@dataclass(frozen=True)
class Ref:
    """A data element named in a formula; ``part`` is a disaggregation option, or None for the total."""

    element: str
    part: str | None = None

    def __str__(self) -> str:
        return self.element if self.part is None else f"{self.element}.{self.part}"


class FormulaError(ValueError):
    """The text is not a formula this module reads; the message is Vietnamese."""


@functools.lru_cache(maxsize=4096)
def parse(text: str) -> ast.expr:
    """The checked syntax tree of ``text``; FormulaError says what is not allowed.

    Cached: a roll-up checks the same few rules for every unit; the tree is never modified.
    """
    try:
        tree = ast.parse(str(text).strip(), mode="eval").body
    except SyntaxError:
        raise FormulaError(f"công thức '{text}' không đúng cú pháp (chỉ dùng mã chỉ tiêu, số, + - * / và ngoặc)") from None
    _check(tree, str(text))
    return tree


def _check(node: ast.AST, text: str) -> None:
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        _check(node.left, text)
        _check(node.right, text)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        _check(node.operand, text)
    elif isinstance(node, ast.Name) or (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)):
        return
    elif isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str)) and not isinstance(node.value, bool):
        return  # a string is read so that checks can name it as text, never evaluated
    else:
        raise FormulaError(f"công thức '{text}' chứa thành phần không được phép (chỉ dùng mã chỉ tiêu, số, + - * / và ngoặc)")


def refs(tree: ast.expr) -> list[Ref]:
    """Every data element the formula names, in reading order."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            out.append(Ref(node.value.id, node.attr))
        elif isinstance(node, ast.Name) and not _is_attribute_base(tree, node):
            out.append(Ref(node.id))
    return out


def _is_attribute_base(tree: ast.expr, name: ast.Name) -> bool:
    return any(isinstance(n, ast.Attribute) and n.value is name for n in ast.walk(tree))


def text_constants(tree: ast.expr) -> list[str]:
    """String literals in the formula: always an error where a number is expected."""
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def divisors(tree: ast.expr) -> list[ast.expr]:
    """The right-hand sides of every division, to check that none is text."""
    return [n.right for n in ast.walk(tree) if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div)]


def evaluate(tree: ast.expr, value_of: Callable[[Ref], float]) -> float:
    """The formula's value; ZeroDivisionError when a divisor is 0."""
    if isinstance(tree, ast.BinOp):
        return _OPERATORS[type(tree.op)](evaluate(tree.left, value_of), evaluate(tree.right, value_of))
    if isinstance(tree, ast.UnaryOp):
        return -evaluate(tree.operand, value_of)
    if isinstance(tree, ast.Attribute) and isinstance(tree.value, ast.Name):
        return value_of(Ref(tree.value.id, tree.attr))
    if isinstance(tree, ast.Name):
        return value_of(Ref(tree.id))
    if isinstance(tree, ast.Constant) and isinstance(tree.value, (int, float)):
        return tree.value
    raise FormulaError(f"không tính được '{ast.unparse(tree)}'")


def valid_formula(value: Any) -> Any:
    """A pydantic before-validator: the field keeps its text once it parses."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str):
        parse(value)
    return value
