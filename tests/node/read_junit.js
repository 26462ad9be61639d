// Reads a JUnit report with two npm consumers and prints what each saw, as
// JSON, for the end-to-end tests to compare with mltest's own counts.
// Usage: node read_junit.js REPORT.xml
"use strict";
const fs = require("fs");
const { parse: junit2json } = require("junit2json");
const trp = require("test-results-parser");

async function main() {
  const file = process.argv[2];
  const tree = await junit2json(fs.readFileSync(file, "utf8"));
  const cases = [];
  for (const suite of tree.testsuite || []) {
    for (const c of suite.testcase || []) {
      cases.push({
        classname: c.classname,
        name: c.name,
        file: c.file,
        line: c.line,
        skipped: c.skipped ? c.skipped.map((s) => s.inner || "") : undefined,
        failure: c.failure ? c.failure.length : 0,
        error: c.error ? c.error.length : 0,
        systemOut: c["system-out"] ? c["system-out"].join("\n") : undefined,
      });
    }
  }
  const parsed = trp.parse({ type: "junit", files: [file] });
  const out = {
    junit2json: {
      tests: tree.tests,
      failures: tree.failures,
      errors: tree.errors,
      suites: (tree.testsuite || []).map((s) => ({ name: s.name, skipped: s.skipped, file: s.file })),
      cases,
    },
    testResultsParser: {
      total: parsed.total,
      passed: parsed.passed,
      failed: parsed.failed,
      errors: parsed.errors,
      skipped: parsed.skipped,
      suites: parsed.suites.map((s) => ({ name: s.name, total: s.total, skipped: s.skipped, failed: s.failed })),
      cases: parsed.suites.flatMap((s) =>
        s.cases.map((c) => ({ name: c.name, status: c.status, failure: c.failure, file: c.meta_data ? c.meta_data.get("file") : undefined }))
      ),
    },
  };
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack ? e.stack : e) + "\n");
  process.exit(1);
});
