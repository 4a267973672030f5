"""The plain-text summary of a run, for the task log and the CLI. Pure: reads the records of
monitor.run_records and returns text."""

from __future__ import annotations

from collections.abc import Sequence

from monitor.collectors.base import ALL_BRANDS
from monitor.run_records import AlertReport, Canary, CollectionStatus, DraftsReport, Stored

ERROR_CELL_WIDTH = 120


def summarize(stored: Sequence[Stored], alert_report: AlertReport | None,
              drafts_report: DraftsReport | None = None, abandoned: Sequence[str] = ()) -> str:
    """A table of the run's collections, its totals, then what run_report_lines says."""
    header = ("source", "brand", "status", "canary", "queries", "candidates", "flagged", "new", "updated", "error")
    rows = [header]
    for s in sorted(stored, key=lambda s: (s.source, s.brand)):
        error = (s.error or "-")
        if s.layout_changed:
            error = "LAYOUT CHANGED: " + error
        rows.append((s.source, "all brands" if s.brand == ALL_BRANDS else s.brand, str(s.status),
                     "MISSING" if s.canary == Canary.MISSING else str(s.canary),
                     str(s.queries), str(s.candidates), str(s.flagged), str(s.new), str(s.updated),
                     error if len(error) <= ERROR_CELL_WIDTH else error[:ERROR_CELL_WIDTH - 3] + "..."))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header) - 1)]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(r[:-1])) + "  " + r[-1] for r in rows]
    lines.append(f"total: {sum(s.candidates for s in stored)} candidates, {sum(s.flagged for s in stored)} flagged, "
                 f"{sum(s.new for s in stored)} new findings, {sum(s.updated for s in stored)} updated, "
                 f"{sum(1 for s in stored if s.status == CollectionStatus.FAILED)} failed collections")
    missing = [f"{s.source}/{s.brand}" for s in stored if s.canary == Canary.MISSING]
    if missing:
        lines.append(f"canary missing (the source did not return the brand's own official identity): "
                     f"{', '.join(missing)}")
    return "\n".join(lines + run_report_lines(alert_report, drafts_report, abandoned))


def run_report_lines(alert_report: AlertReport | None, drafts_report: DraftsReport | None = None,
                     abandoned: Sequence[str] = ()) -> list[str]:
    """What a run's summary says after its table of collections (the brand and the CT DAGs'
    alike): abandoned collections, takedown drafts, alerts."""
    lines: list[str] = []
    if abandoned:
        lines.append(f"abandoned: {len(abandoned)} collections of earlier runs were still 'running' (their worker "
                     f"died) and are now marked abandoned: {'; '.join(abandoned)}")
    if drafts_report is not None:
        lines += drafts_lines(drafts_report)
    if alert_report is not None:
        lines += alert_lines(alert_report)
    return lines


def drafts_lines(report: DraftsReport) -> list[str]:
    if report.skipped:
        return [f"takedowns: {report.skipped}"]
    return [f"takedowns: {len(report.drafted)} drafted, {len(report.failed)} failed"] + \
        [f"  draft for finding {failed.finding_id} failed: {failed.error}" for failed in report.failed]


def alert_lines(report: AlertReport) -> list[str]:
    if report.skipped:
        return [f"alerts: {report.skipped}"]
    queued = report.queued
    lines = [f"alerts: {sum(1 for q in queued if q.alert_id)} digests queued "
             f"({sum(q.findings for q in queued)} findings), "
             f"{sum(1 for q in queued if q.drafts)} takedown-draft emails "
             f"({sum(q.drafts for q in queued)} drafts), "
             f"{report.sent} sent, {len(report.failed)} pending retry, "
             f"{len(report.dead)} dead-lettered "
             f"(via {report.transport})"]
    returned = {r.alert_id: r.findings for r in report.returned}
    for dead in report.dead:
        given_back = returned.get(dead.alert_id)
        lines.append(f"  DEAD alert {dead.alert_id}: {dead.error}"
                     + (f" ({given_back} findings back in the queue for the next run; "
                        f"`monitor alerts retry {dead.alert_id}` sends it now)" if given_back else ""))
    lines += [f"  PENDING alert {failed.alert_id} (will be retried): {failed.error}" for failed in report.failed]
    return lines
