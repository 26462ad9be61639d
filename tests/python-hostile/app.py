"""A Python plugin that misbehaves on purpose, one way per `behavior`, so
the end-to-end tests can prove the sandbox holds a Python guest too."""

from dataclasses import dataclass
from typing import Literal

import mltest_sdk as mt


@dataclass
class Params:
    behavior: Literal["loop", "alloc", "raise", "pass"]


class Hostile(mt.Check):
    name = "python-hostile"
    summary = "misbehaves on purpose (sandbox tests)"
    Params = Params

    def run(self, p):
        if p.behavior == "loop":
            while True:
                pass
        if p.behavior == "alloc":
            hoard = []
            while True:
                hoard.append(bytearray(1 << 20))
        if p.behavior == "raise":
            raise KeyError("no such thing")
        return [mt.Finding.passed("ok", "behaved")]


WitWorld = mt.export(Hostile)
