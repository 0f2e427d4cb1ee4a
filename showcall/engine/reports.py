"""Provides the events the engine makes of the timing core's reports about devices and itself."""

from __future__ import annotations

from showcall.devices.feedback import FeedbackDecoder
from showcall.engine import events as ev
from showcall.timing import protocol as p


def report_events(report: p.Report, now_ns: int, feedback: FeedbackDecoder) -> list[ev.Event]:
    """The events for a device status, device feedback, or timing-core report (sends are handled apart)."""
    if isinstance(report, p.Feedback):
        return [
            ev.FeedbackEvent(now_ns, device=said.device, report=said.report, detail=said.detail)
            for said in feedback.decode(report.device, report.packet)
            if not said.routine  # heartbeats and ping answers are liveness, not news for the log
        ]
    if isinstance(report, p.DeviceStatus):
        return [ev.DeviceEvent(now_ns, device=report.device, status=report.state, detail=report.detail)]
    if isinstance(report, p.CoreInfo):
        return [
            ev.TimingInfo(
                now_ns,
                mode=report.mode,
                priority=report.priority,
                realtime=report.realtime,
                notes=report.notes,
                pid=report.pid,
            )
        ]
    if isinstance(report, p.CoreLost):
        what = "restarting it, pending sends will follow" if report.restarting else "not restarting"
        return [ev.ErrorEvent(now_ns, message=f"timing core lost ({report.reason}); {what}")]
    if isinstance(report, p.CoreRestarted):
        return [
            ev.ErrorEvent(
                now_ns,
                message=f"timing core restarted (pid {report.pid}): {report.rescheduled} pending sends handed over, "
                f"{report.overdue} of them late",
            )
        ]
    return []
