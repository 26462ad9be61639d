#!/usr/bin/env python3
"""Validates a JUnit report the way CI consumers read it.

Checks the file against Jenkins' junit-10.xsd (xmlschema) and parses it with
junitparser; prints the counts junitparser sees as JSON, so the Rust
end-to-end tests can compare them with what mltest reported.

Usage: validate_junit.py REPORT.xml
"""
import json
import sys
from pathlib import Path

import xmlschema
from junitparser import Error, Failure, JUnitXml, Skipped

report = sys.argv[1]
xsd = Path(__file__).resolve().parent / "schemas" / "junit-10.xsd"
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
        counts["cases"].append({"classname": case.classname, "name": case.name, "result": kind})
print(json.dumps(counts))
