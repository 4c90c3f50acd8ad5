"""The Salesforce stand-in's Bulk API 2.0 query jobs: create (the query is read then, and refused with
what Bulk API 2.0 does not take: ORDER BY, LIMIT, COUNT()), poll (InProgress once, then JobComplete), and
the results as CSV pages of at most maxRecords (and the stand-in's own cap, as Salesforce answers fewer
than asked when a page is large), each naming the next by Sforce-Locator ("null" after the last)."""

from __future__ import annotations

import csv
import io

from tests.salesforce_soql import Malformed, csv_cell, parse, run, value_of


class BulkJobs:
    def _bulk_create(self, exchange):
        body = exchange.json() or {}
        text = body.get("query") or ""
        if body.get("operation") != "query" or body.get("columnDelimiter") != "COMMA" or body.get("lineEnding") != "LF":
            return 400, [{"errorCode": "INVALIDJOB", "message": "operation query, COMMA and LF expected"}], {}
        try:
            query = parse(text)
            if query.order or query.limit is not None or query.count:
                raise Malformed("Bulk API 2.0 does not take ORDER BY, LIMIT or COUNT()")
            found = run(self.tables, self.columns, query)
        except Malformed as error:
            return 400, [{"errorCode": "INVALIDJOB", "message": str(error)}], {}
        self.counter += 1
        job = f"750{self.counter:012d}AAA"
        rows = [[csv_cell(value_of(self.tables, query.table, one, name)) for name in query.fields] for one in found]
        self.jobs[job] = {"fields": query.fields, "rows": rows, "polls": 0}
        return 200, {"id": job, "operation": "query", "object": query.table, "state": "UploadComplete",
                     "concurrencyMode": "Parallel", "contentType": "CSV", "apiVersion": 59.0,
                     "lineEnding": "LF", "columnDelimiter": "COMMA"}, {}  # fmt: skip

    def _bulk_job(self, exchange, job: str):
        if job not in self.jobs:
            return 404, [{"errorCode": "NOT_FOUND", "message": "job not found"}], {}
        self.jobs[job]["polls"] += 1
        state = "InProgress" if self.jobs[job]["polls"] == 1 else "JobComplete"
        done = len(self.jobs[job]["rows"]) if state == "JobComplete" else 0
        return 200, {"id": job, "operation": "query", "state": state, "numberRecordsProcessed": done}, {}

    def _bulk_results(self, exchange, job: str):
        if job not in self.jobs or self.jobs[job]["polls"] < 2:
            return 400, [{"errorCode": "INVALIDJOB", "message": "the job is not complete"}], {}
        rows = self.jobs[job]["rows"]
        start = int(exchange.query.get("locator", ["0"])[0] or 0)
        size = min(int(exchange.query.get("maxRecords", ["50000"])[0]), self.bulk_page_cap)
        page = rows[start : start + size]
        out = io.StringIO()
        writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(self.jobs[job]["fields"])
        writer.writerows(page)
        following = str(start + size) if start + size < len(rows) else "null"
        headers = {"Content-Type": "text/csv", "Sforce-Locator": following, "Sforce-NumberOfRecords": str(len(page))}
        return 200, out.getvalue().encode(), headers
