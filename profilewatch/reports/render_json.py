"""The JSON report: the model as data (what is stored with each delivery, and what scripts read)."""

from __future__ import annotations

import json

from profilewatch.reports.formats import ReportFormat
from profilewatch.reports.model import Report


class JsonReport(ReportFormat):
    """JSON (scripts; the same object is stored with each delivery)."""

    name = "json"
    media_type = "application/json"

    def render(self, report: Report) -> str:
        return json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n"
