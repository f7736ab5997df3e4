"""The exceptions of d2l_helpers.errors: one base class, and the package keeps to it.

errors.py promises that every error the helpers raise on purpose derives from
D2LError; the errors about a wrong argument also derive from the built-in exception
Python would raise (ValueError, TypeError) so that code catching those still works.
"""

import ast
import builtins
import inspect
import re
from pathlib import Path

import pytest

import d2l_helpers as d2l
from d2l_helpers import errors
from scripts.layout import ROOT

PACKAGE = Path(d2l.__file__).parent
ERROR_CLASSES = [
    cls
    for _, cls in inspect.getmembers(errors, inspect.isclass)
    if cls.__module__ == errors.__name__
]


def test_every_error_class_derives_from_d2l_error_and_is_exported():
    assert len(ERROR_CLASSES) >= 12
    for cls in ERROR_CLASSES:
        assert issubclass(cls, errors.D2LError), cls
        assert getattr(d2l, cls.__name__) is cls and cls.__name__ in d2l.__all__
        assert cls.__doc__ and cls.__doc__.strip().splitlines()[0].endswith(".")


@pytest.mark.parametrize(
    "cls, builtin",
    [
        (errors.DataArgumentError, ValueError),
        (errors.CallFormError, TypeError),
        (errors.EvaluationError, ValueError),
    ],
)
def test_argument_errors_are_also_the_builtin_python_would_raise(cls, builtin):
    assert issubclass(cls, builtin)
    with pytest.raises(builtin):
        raise cls("message")


def test_the_groups():
    data = {"DataNotFoundError", "ChecksumError", "IDXFormatError"}
    data |= {"UnsafePickleError", "DataArgumentError"}
    training = {"TrainingDivergedError", "ShapeMismatchError", "CallFormError"}
    for names, group in ((data, errors.DataError), (training, errors.TrainingError)):
        assert {c.__name__ for c in ERROR_CLASSES if c.__base__ is group} <= names
        assert all(issubclass(getattr(errors, name), group) for name in names)


def raised_names(path: Path) -> set[str]:
    """The class names in `raise Name(...)` and `raise Name` statements of a module."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(exc, ast.Name):
                names.add(exc.id)
    return names


def test_the_package_raises_only_d2l_errors_on_purpose():
    d2l_error_names = {cls.__name__ for cls in ERROR_CLASSES}
    modules = sorted(PACKAGE.glob("*.py"))
    assert len(modules) >= 10
    others = {}
    for module in modules:
        outside = raised_names(module) - d2l_error_names
        if outside:
            others[module.name] = outside
    assert not others, (
        "a module raises a class that is not a D2LError: add a subclass to errors.py "
        "(also deriving from ValueError or TypeError where callers may catch those), "
        "export it, and list it in README.md's Troubleshooting"
    )


def test_the_readme_lists_every_error_class():
    readme = (ROOT / "README.md").read_text()
    troubleshooting = readme.split("## Troubleshooting", 1)[1]
    first_paragraph = troubleshooting.strip().split("\n\n", 1)[0]
    listed = set(re.findall(r"`(?:d2l\.)?([A-Z]\w+Error)`", first_paragraph))
    listed -= set(dir(builtins))  # ValueError, TypeError: what some also derive from
    assert listed == {cls.__name__ for cls in ERROR_CLASSES}
