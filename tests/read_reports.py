#!/usr/bin/env python3
"""Reads mltest's reports with the consumers CI users rely on, and prints
what they saw as JSON for the Rust end-to-end tests.

Usage:
  read_reports.py xunit REPORT.xml     counts and cases as xunitparser reads them
  read_reports.py gfm SUMMARY.md       the summary rendered by GitHub's cmark-gfm
"""
import json
import sys


def xunit(path):
    import xunitparser

    with open(path) as f:
        suite, result = xunitparser.parse(f)
    cases = []
    for case in suite:
        if case.good:
            kind = "skipped" if case.skipped else "pass"
        elif case.failed:
            kind = "failure"
        else:
            kind = "error"
        cases.append(
            {"classname": case.classname, "name": case.methodname, "result": kind,
             "message": case.message, "trace": case.trace}
        )
    return {
        "tests": result.testsRun,
        "failures": len(result.failures),
        "errors": len(result.errors),
        "skipped": len(result.skipped),
        "cases": cases,
    }


def gfm(path):
    import cmarkgfm
    from cmarkgfm.cmark import Options

    with open(path, encoding="utf-8") as f:
        text = f.read()
    # GitHub renders summaries with cmark-gfm and its table extension; raw
    # HTML such as <details> is kept (GitHub then sanitises it).
    html = cmarkgfm.github_flavored_markdown_to_html(text, options=Options.CMARK_OPT_UNSAFE)
    return {"html": html}


if __name__ == "__main__":
    command, path = sys.argv[1], sys.argv[2]
    print(json.dumps({"xunit": xunit, "gfm": gfm}[command](path)))
