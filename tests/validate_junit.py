#!/usr/bin/env python3
"""Validates a JUnit report the way CI consumers read it.

Checks the file against Jenkins' junit-10.xsd (xmlschema) and parses it with
junitparser; prints the counts junitparser sees as JSON, so the Rust
end-to-end tests can compare them with what mltest reported.

Usage: validate_junit.py REPORT.xml [--strict]
"""
import json
import sys
from pathlib import Path

import xmlschema
from junitparser import Error, Failure, JUnitXml, Skipped

report = sys.argv[1]
# The default (extended) flavour adds testcase file/line: validated against
# junit-10.xsd extended by exactly those two attributes. `--strict` checks
# the strict flavour against Jenkins' junit-10.xsd itself.
strict = "--strict" in sys.argv[2:]
schemas = Path(__file__).resolve().parent / "schemas"
xsd = schemas / ("junit-10.xsd" if strict else "junit-10-file-line.xsd")
xmlschema.XMLSchema(str(xsd)).validate(report)

xml = JUnitXml.fromfile(report)
suites = list(xml) if xml._tag == "testsuites" else [xml]
counts = {"suites": 0, "tests": 0, "failures": 0, "errors": 0, "skipped": 0, "cases": []}
for suite in suites:
    counts["suites"] += 1
    for case in suite:
        counts["tests"] += 1
        results = case.result
        kind = "pass"
        if any(isinstance(r, Failure) for r in results):
            kind = "failure"
            counts["failures"] += 1
        elif any(isinstance(r, Error) for r in results):
            kind = "error"
            counts["errors"] += 1
        elif any(isinstance(r, Skipped) for r in results):
            kind = "skipped"
            counts["skipped"] += 1
        entry = {"classname": case.classname, "name": case.name, "result": kind}
        for attribute in ("file", "line"):
            if case._elem.get(attribute) is not None:
                entry[attribute] = case._elem.get(attribute)
        if kind == "skipped":
            entry["text"] = next(r.text for r in results if isinstance(r, Skipped))
        counts["cases"].append(entry)
print(json.dumps(counts))
