"""The Python SDK for mltest check plugins (contract mltest:plugin@0.2.0).

A check is a class with typed params (a dataclass: its JSON Schema is
published, so `mltest validate` refuses bad params at the suite's line)
and a `run` that returns findings. Data stays in the host: tables and
columns are handles, and the statistics run there (`Column.stats()`,
`quality.roc_auc`, ...); only small results cross into the guest, never a
copy of a column. `mltest plugin build` turns the project into a
component with componentize-py, which generates `wit_world` from the
contract at build time.

    from dataclasses import dataclass
    import mltest_sdk as mt

    @dataclass
    class Params:
        table: mt.ArtifactName

    class RowCount(mt.Check):
        name = "row-count"
        summary = "the table is not empty"
        Params = Params

        def run(self, params):
            rows = mt.table(params.table).num_rows()
            return [mt.Finding.check("rows", rows > 0, f"{rows} rows", observed=rows)]

    WitWorld = mt.export(RowCount)
"""

import dataclasses
import json
import typing

import wit_world
from componentize_py_types import Err
from wit_world.imports import artifacts as _artifacts
from wit_world.imports import log as _log
from wit_world.imports import profile as _profile
from wit_world.imports import quality as _quality
from wit_world.imports import sandbox as _sandbox
from wit_world.imports import types as _types

from .schema import ArtifactName, CommandName, from_json, json_schema

__all__ = [
    "ArtifactName",
    "Check",
    "CommandName",
    "DataError",
    "Error",
    "Finding",
    "InvalidArgument",
    "Limit",
    "NotFound",
    "Unsupported",
    "document",
    "export",
    "granted",
    "json_schema",
    "log",
    "quality",
    "table",
]


# --- errors -----------------------------------------------------------------


class Error(Exception):
    """A failure that stops the check: it becomes its JUnit `<error>`.
    Raised by the host's calls as one of the subclasses; raise it (or any
    exception) from `run` for a failure of the plugin's own."""

    @property
    def message(self):
        return str(self)

    def to_wit(self):
        return _types.Error_Other(self.message)


class NotFound(Error):
    """An artifact, column or command that does not exist."""

    def to_wit(self):
        return _types.Error_NotFound(self.message)


class DataError(Error):
    """The data is unreadable, corrupt, or not what the call needs."""

    def __init__(self, message, file=None, column=None):
        super().__init__(message)
        self.file, self.column = file, column

    def to_wit(self):
        return _types.Error_Data(_types.DataError(self.message, self.file, self.column))


class Unsupported(Error):
    """The call does not apply here (a kernel on a column of the wrong type)."""

    def to_wit(self):
        return _types.Error_Unsupported(self.message)


class Limit(Error):
    """A request beyond the host's bounds."""

    def to_wit(self):
        return _types.Error_Limit(self.message)


class InvalidArgument(Error):
    """An argument that can never be valid."""

    def to_wit(self):
        return _types.Error_InvalidArgument(self.message)


def _error(wit):
    """The SDK exception for the contract's error case."""
    if isinstance(wit, _types.Error_Data):
        return DataError(wit.value.message, wit.value.file, wit.value.column)
    kind = {
        _types.Error_NotFound: NotFound,
        _types.Error_Unsupported: Unsupported,
        _types.Error_Limit: Limit,
        _types.Error_InvalidArgument: InvalidArgument,
    }.get(type(wit), Error)
    return kind(wit.value)


def _host(call, *args):
    """Calls the host, turning its typed error into an SDK exception."""
    try:
        return call(*args)
    except Err as e:
        raise _error(e.value) from None


# --- findings ---------------------------------------------------------------

_OUTCOMES = {
    "pass": _types.Outcome.PASS,
    "warn": _types.Outcome.WARN,
    "fail": _types.Outcome.FAIL,
    "skip": _types.Outcome.SKIP,
    "error": _types.Outcome.ERROR,
}


@dataclasses.dataclass
class Finding:
    """One finding: one JUnit testcase. `name` is stable and unique within
    the check (CI keys on it); `message` is one line for humans."""

    name: str
    outcome: str
    message: str
    observed: typing.Optional[float] = None
    threshold: typing.Optional[float] = None
    details: str = ""
    properties: typing.Dict[str, str] = dataclasses.field(default_factory=dict)

    @classmethod
    def check(cls, name, ok, message, **kw):
        """Pass when `ok`, otherwise fail."""
        return cls(name, "pass" if ok else "fail", message, **kw)

    @classmethod
    def passed(cls, name, message, **kw):
        return cls(name, "pass", message, **kw)

    @classmethod
    def warned(cls, name, message, **kw):
        return cls(name, "warn", message, **kw)

    @classmethod
    def failed(cls, name, message, **kw):
        return cls(name, "fail", message, **kw)

    @classmethod
    def skipped(cls, name, message, **kw):
        return cls(name, "skip", message, **kw)

    def param(self, pointer):
        """Names the parameter this finding comes from (`/max_auc`): reports
        point at its line in the suite file."""
        self.properties["mltest.param"] = pointer
        return self

    def to_wit(self):
        if self.outcome not in _OUTCOMES:
            raise ValueError(f"finding `{self.name}`: unknown outcome `{self.outcome}`")
        number = lambda v: None if v is None else float(v)
        return _types.Finding(
            name=self.name,
            outcome=_OUTCOMES[self.outcome],
            message=self.message,
            details=self.details,
            observed=number(self.observed),
            threshold=number(self.threshold),
            properties=[(k, str(v)) for k, v in self.properties.items()],
        )


# --- artifacts --------------------------------------------------------------


class Column:
    """One column, loaded host-side; the statistics run there."""

    def __init__(self, handle):
        self._handle = handle

    @property
    def name(self):
        return self._handle.name()

    def __len__(self):
        return self._handle.len()

    def data_type(self):
        """The logical type, e.g. `FLOAT64`, `STRING`."""
        return self._handle.data_type().name

    def is_numeric(self):
        return self.data_type().startswith(("INT", "UINT", "FLOAT", "DECIMAL"))

    def stats(self):
        """count, nulls, nans, infinities, min, max, mean, distinct."""
        return _host(_profile.summarize, self._handle)

    def value_counts(self, limit=20):
        return _host(_profile.count_values, self._handle, limit)

    def quantiles(self, q):
        return _host(_profile.quantiles, self._handle, list(q))

    def histogram(self, edges):
        return _host(_profile.histogram, self._handle, list(edges))

    def count_outside(self, low, high):
        return _host(_profile.count_outside, self._handle, low, high)

    def read(self, offset, length):
        """A window of at most 65536 values as floats (None for nulls): the
        escape hatch when no kernel does what a check needs."""
        return _host(self._handle.read_f64, offset, length)


class Table:
    """A table artifact; columns load one at a time, when asked for."""

    def __init__(self, handle):
        self._handle = handle

    @property
    def name(self):
        return self._handle.name()

    def num_rows(self):
        return _host(self._handle.num_rows)

    def columns(self):
        """(name, logical type) of each column, in order."""
        return [(f.name, f.data_type.name) for f in _host(self._handle.schema)]

    def column(self, name):
        return Column(_host(self._handle.column, name))


def table(name):
    """The table artifact `name` from the suite's `[artifacts]`."""
    return Table(_host(_artifacts.open_table, name))


def document(name):
    """The JSON document artifact `name`, parsed."""
    return json.loads(_host(_artifacts.document, name))


def granted(capability):
    """Whether the suite granted `capability` ("clock" or "random"), one
    the check's `capabilities` declares."""
    return any(c.name.lower() == capability for c in _sandbox.granted())


class quality:
    """Model-quality kernels over a table's columns."""

    @staticmethod
    def binary(data, label, score, metrics, positive="1"):
        """Binary metrics of `score` against `label` on all rows, by
        scikit-learn's names (roc_auc, average_precision, log_loss, ...).
        Returns {metric: value}; an undefined metric raises Unsupported."""
        request = _quality.QualityRequest(
            task=_quality.Task.BINARY,
            label=label,
            positive=positive,
            threshold=0.5,
            beta=1.0,
            ece_bins=10,
            top_k=1,
            candidate=_quality.Predictions(score=score, prediction=None, probabilities=[]),
            champion=None,
            weight=None,
            metrics=list(metrics),
            slices=[],
            min_slice_size=0,
            bootstrap=None,
            paired_tests=False,
        )
        report = _host(_quality.quality, data._handle, request)
        out = {}
        # Keyed by the names asked for (the host answers in the same order,
        # under scikit-learn's canonical names: `auc` comes back `roc_auc`).
        for asked, value in zip(metrics, report.slices[0].candidate):
            if isinstance(value.value, Err):
                raise _error(value.value.value)
            out[asked] = value.value.value
        return out

    @staticmethod
    def confusion_by_group(data, label, prediction, groups, positive="1", threshold=None):
        """n, tp, fp, tn, fn for each combination of the group columns' values."""
        request = _quality.ConfusionRequest(label, prediction, positive, threshold, list(groups))
        return _host(_quality.confusion_by_group, data._handle, request)


class log:
    """Log lines go to the check's report (JUnit system-out, JSON, `-v`)."""

    @staticmethod
    def debug(message):
        _log.write(_log.Level.DEBUG, message)

    @staticmethod
    def info(message):
        _log.write(_log.Level.INFO, message)

    @staticmethod
    def warn(message):
        _log.write(_log.Level.WARN, message)

    @staticmethod
    def error(message):
        _log.write(_log.Level.ERROR, message)


# --- the check --------------------------------------------------------------


class Check:
    """Subclass it: set `name`, `version`, `summary`, `Params` (a dataclass)
    and `capabilities` ("clock", "random"), and write `run(params)`."""

    name = "check"
    version = "0.1.0"
    summary = ""
    Params = None
    capabilities = ()

    def run(self, params):
        raise NotImplementedError


_CAPABILITIES = {"clock": _types.Capability.CLOCK, "random": _types.Capability.RANDOM}


def export(check_class):
    """The `WitWorld` class componentize-py exports: assign it at the top
    level of `app.py` (`WitWorld = mltest_sdk.export(MyCheck)`)."""
    check = check_class()
    params_class = check_class.Params
    # Checked here, at build time, rather than as an opaque describe failure.
    if isinstance(check.capabilities, str) or any(
        c not in _CAPABILITIES for c in check.capabilities
    ):
        raise ValueError(
            f"{check_class.__name__}.capabilities must be a tuple of "
            f"{', '.join(map(repr, _CAPABILITIES))}, not {check.capabilities!r}"
        )
    if params_class is not None and not dataclasses.is_dataclass(params_class):
        raise ValueError(f"{check_class.__name__}.Params must be a dataclass")

    class WitWorld(wit_world.WitWorld):
        def describe(self):
            schema = json_schema(params_class) if params_class else {"type": "object"}
            return _types.PluginInfo(
                name=check.name,
                version=check.version,
                summary=check.summary,
                params_schema=json.dumps(schema),
                capabilities=[_CAPABILITIES[c] for c in check.capabilities],
            )

        def run(self, params):
            try:
                raw = json.loads(params)
                typed = from_json(params_class, raw) if params_class else raw
            except (ValueError, TypeError) as e:
                raise Err(_types.Error_InvalidArgument(f"invalid params: {e}"))
            try:
                return [f.to_wit() for f in check.run(typed)]
            except Error as e:
                raise Err(e.to_wit())
            except (Err, MemoryError):
                raise
            except Exception as e:
                raise Err(_types.Error_Other(f"{type(e).__name__}: {e}"))

    return WitWorld
