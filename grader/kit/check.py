"""Declaring checks: a stable id, a name a student understands, points, visibility.

A lab's checks live in grader/checks/labNN_name.py, which sets LAB to the lab's
folder name and decorates each check function:

    LAB = "04-accept"

    @check("listen", "listens on port 50000 with the descriptor it printed", points=2)
    def check_listen(run):
        ...

The check's id is "04-accept/listen"; its title in every report is
"04-accept: listens on port 50000 with the descriptor it printed".
The functions are pytest tests (the runner collects check_* functions); their
one fixture, `run`, is the check's Session.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from dataclasses import dataclass, field
from types import ModuleType
from typing import Callable

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")


@dataclass(frozen=True)
class CheckSpec:
    lab: str
    key: str
    name: str
    points: float
    visibility: str = "visible"
    timeout: float = 10.0
    needs_hosts: bool = False   # needs the grader's private hosts file (namespaces)

    @property
    def id(self) -> str:
        return f"{self.lab}/{self.key}"

    @property
    def title(self) -> str:
        return f"{self.lab}: {self.name}"


def check(key: str, name: str, points: float, *, visibility: str = "visible", timeout: float = 10.0,
          needs_hosts: bool = False) -> Callable:
    if visibility not in VISIBILITIES:
        raise ValueError(f"check {key}: visibility must be one of {VISIBILITIES}")

    def decorate(function: Callable) -> Callable:
        lab = getattr(sys.modules[function.__module__], "LAB", None)
        if lab is None:
            raise ValueError(f"{function.__module__}: set LAB = 'NN-name' before the checks")
        function.check_spec = CheckSpec(lab, key, name, float(points), visibility, timeout, needs_hosts)
        return function

    return decorate


def checks_in(module: ModuleType) -> list[tuple[Callable, CheckSpec]]:
    """The module's checks, in the order they are written."""
    found = [(f, f.check_spec) for f in vars(module).values()
             if inspect.isfunction(f) and hasattr(f, "check_spec") and f.__module__ == module.__name__]
    found.sort(key=lambda pair: pair[0].__code__.co_firstlineno)
    return unique_keys(found, module.__name__)


def unique_keys(found: list[tuple[Callable, CheckSpec]], where: str) -> list[tuple[Callable, CheckSpec]]:
    """found, if no two checks share a key (ValueError naming `where` otherwise)."""
    keys = [spec.key for _, spec in found]
    duplicates = {k for k in keys if keys.count(k) > 1}
    if duplicates:
        raise ValueError(f"{where}: duplicate check ids {sorted(duplicates)}")
    return found


def hidden_module_name(module_name: str) -> str | None:
    """checks.lab08_tcp_lib -> checks.hidden.lab08_tcp_lib: the lab's hidden
    checks, in a module of their own that the student bundle leaves out
    (None for a module outside the checks package)."""
    package, _, name = module_name.partition(".")
    return f"checks.hidden.{name}" if package == "checks" and name else None


def load_checks(module_name: str) -> list[tuple[Callable, CheckSpec]]:
    """The lab's checks: its module's, then those of its hidden module if there is one."""
    found = checks_in(importlib.import_module(module_name))
    hidden_name = hidden_module_name(module_name)
    if hidden_name is None:
        return found
    try:
        hidden = importlib.import_module(hidden_name)
    except ModuleNotFoundError as error:
        if error.name not in (hidden_name, "checks.hidden"):
            raise
        return found
    return unique_keys(found + checks_in(hidden), f"{module_name} and {hidden_name}")


@dataclass(frozen=True)
class LabOptions:
    """How a lab is built for its checks, declared next to LAB in its module:

        REFERENCE = ("Serveur",)   # reference programs some checks start (run.start(..., reference=True))
        LIBRARY = "08-tcp-lib"     # linked with the student's library lab, and graded again with the kit's
        LIBRARIES = {"TCPLIB_DIR": "08-tcp-lib", "SMOP_DIR": "10-smop-threads"}  # several (make variable: lab)
        TEST_SUITE = "grader/gtest/tcp.mk"  # a test binary built from the student's files (plain and ASan)
        THREAD_SANITIZED = ("Serveur",)     # programs also built with ThreadSanitizer ("Serveur-tsan")
        ADDRESS_SANITIZED = ("Client",)     # ... and with AddressSanitizer + UBSan ("Client-asan")
        TOOLS = ("smop-bench",)    # the kit's tools the checks run (kit.build.TOOLS; run.tool(name))
    """
    reference: tuple[str, ...] = ()
    libraries: dict[str, str] = field(default_factory=dict)
    test_suite: str | None = None
    sanitized: dict[str, tuple[str, ...]] = field(default_factory=dict)  # SAN= kind -> programs
    tools: tuple[str, ...] = ()


def lab_options(module_name: str) -> LabOptions:
    module = importlib.import_module(module_name)
    libraries = dict(getattr(module, "LIBRARIES", {}))
    if getattr(module, "LIBRARY", None):
        libraries["TCPLIB_DIR"] = module.LIBRARY
    sanitized = {"thread": tuple(getattr(module, "THREAD_SANITIZED", ())),
                 "address,undefined": tuple(getattr(module, "ADDRESS_SANITIZED", ()))}
    return LabOptions(tuple(getattr(module, "REFERENCE", ())), libraries, getattr(module, "TEST_SUITE", None),
                      sanitized, tuple(getattr(module, "TOOLS", ())))
