"""The jobs the worker runs (django-q2 calls these functions by their dotted path).

Each takes an optional ``now`` (an ISO moment, for replays and tests; the clock otherwise),
logs what it did on the ``duban.jobs`` logger and returns the same lines as its result, which
the admin shows under 后台任务 › 成功任务. An exception fails the task: the worker records it
with its traceback under 失败任务 and logs it; the next scheduled run tries again.

The same functions back the commands (`duban sla tick`, `duban notify send`, `duban jobs run
NAME`), so a job run by hand and a job run by the worker are one code path.
"""

from __future__ import annotations

import logging
from datetime import datetime
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

logger = logging.getLogger("duban.jobs")

# Seconds a deadline tick may spend flagging breaches before it leaves the rest to the next
# one (it runs every minute; after an outage the backlog is tens of thousands: docs/scale.md).
TICK_BUDGET = 20.0
BREACH_NAMES = {
    "accept": "签收超时",
    "contact": "联系超时",
    "handle": "办理超期",
    "callback": "回访超时",
}


def _moment(now: datetime | str | None) -> datetime:
    if now is None or now == "":
        return timezone.now()
    if isinstance(now, str):
        now = datetime.fromisoformat(now)
    return timezone.make_aware(now) if timezone.is_naive(now) else now


def _done(job: str, lines: list[str]) -> str:
    text = "\n".join(lines)
    logger.info("job %s: %s", job, text.replace("\n", "; ") or "nothing to do")
    return text


def deadline_tick(now: datetime | str | None = None) -> str:
    """Flag deadlines passed since the last run (each once), remind units of deadlines that
    come near (once each), keep this year and next in the working calendar."""
    from duban.notifications.services import notify_due_soon
    from duban.sla.services import ensure_next_year
    from duban.tickets.services import sla_tick

    moment = _moment(now)
    lines = []
    # First the calendar: a year missing from it would give wrong deadlines.
    added = ensure_next_year(moment)
    if added:
        years = "、".join(str(y) for y in added)
        lines.append(
            f"工作日历已补入 {years} 年（见 duban calendar show）/ calendar years seeded: {years}"
        )
    result = sla_tick(now=moment, budget=TICK_BUDGET)
    parts = ", ".join(f"{BREACH_NAMES[k]} {v}" for k, v in result.flagged.items())
    lines.append(f"{moment.isoformat()} 新增超时 {result.total} 件 / new breaches: {parts}")
    if result.unfinished:
        lines.append("超时积压未处理完，下次继续 / breaches left for the next tick")
    reminded = notify_due_soon(now=moment)
    if reminded:
        lines.append(f"临期提醒 {reminded} 条 / due-soon notices: {reminded}")
    return _done("deadline_tick", lines)


def rollup(now: datetime | str | None = None) -> str:
    """Rebuild the dashboard's monthly rollup of the months that are due (a separate job from
    the deadline tick, on the long-jobs queue: a slow rollup never delays a tick)."""
    from duban.metrics.services import refresh_due

    moment = _moment(now)
    rolled = refresh_due(now=moment)
    lines = []
    if rolled.refreshed:
        lines.append(
            f"月度汇总已更新 / rollup refreshed: {', '.join(rolled.refreshed)} "
            f"({rolled.seconds * 1000:.0f} ms)"
        )
    return _done("rollup", lines)


def notify_send(now: datetime | str | None = None) -> str:
    """Send the SMS outbox's due messages (queued, failed, abandoned), each exactly once."""
    from duban.notifications.selectors import sms_outbox_counts
    from duban.notifications.services import sms_send

    moment = _moment(now)
    result = sms_send(now=moment)
    counts = sms_outbox_counts()
    lines = [
        f"{moment.isoformat()} 短信发送 {result.sent} 条，失败 {result.failed} 条 / "
        f"SMS sent {result.sent}, failed {result.failed}; "
        f"outbox: queued {counts['queued']}, failed {counts['failed']}, "
        f"sending {counts['sending']}, sent {counts['sent']}",
        *result.errors,
    ]
    for error in result.errors:
        logger.warning("job notify_send: %s", error)
    return _done("notify_send", lines)


def purge_idempotency_keys(now: datetime | str | None = None) -> str:
    """Forget the API intake's ``Idempotency-Key``s older than ``IDEMPOTENCY_KEY_DAYS``: a
    client retries within minutes, the table would otherwise grow with every request."""
    from duban.tickets.services.idempotency import idempotency_keys_purge

    deleted = idempotency_keys_purge(now=_moment(now))
    return _done(
        "purge_idempotency_keys",
        [f"已清除 {deleted} 条过期幂等记录 / expired idempotency keys purged: {deleted}"],
    )


def purge_duplicate_keys(now: datetime | str | None = None) -> str:
    """Delete the duplicate look-up's text fingerprints older than ``DUPLICATE_KEY_DAYS`` (and
    the duplicate window): the look-up never reads them, and they are 13 rows a ticket."""
    from duban.dispatch.services import duplicate_key_days, duplicate_keys_purge

    days = duplicate_key_days()
    deleted = duplicate_keys_purge(
        now=_moment(now),
        days=days,
        progress=lambda n: logger.info("job purge_duplicate_keys: %d deleted so far", n),
    )
    return _done(
        "purge_duplicate_keys",
        [
            f"已清除 {deleted} 条 {days} 天前的重复件特征 / "
            f"duplicate keys older than {days} days purged: {deleted}"
        ],
    )


def personal_data_purge(now: datetime | str | None = None) -> str:
    """Erase callers' personal data past the retention (``DUBAN_PERSONAL_DATA_YEARS`` after
    their last ticket ended), audited by the privacy service (issue 14, point 4)."""
    from duban.tickets.services.privacy import personal_data_purge as purge

    erased = purge(now=_moment(now))
    return _done(
        "personal_data_purge",
        [f"已删除 {erased} 位来电人的个人信息 / callers' personal data erased: {erased}"],
    )


def dispatch_train(now: datetime | str | None = None) -> str:
    """Retrain the dispatch model on the newest closed tickets (nightly); the model file is
    replaced only when training succeeds."""
    out = StringIO()
    call_command("dispatch", "train", "--from-tickets", stdout=out)
    return _done("dispatch_train", out.getvalue().strip().splitlines())


def backup(now: datetime | str | None = None) -> str:
    """Back up the database and the uploaded files, then keep only the newest backups."""
    from duban.jobs.backup import backup_create, backup_prune

    made = backup_create(now=_moment(now))
    removed = backup_prune()
    lines = [f"备份完成 / backup written: {made.path} ({made.size} bytes)"]
    if removed:
        lines.append(f"删除旧备份 {len(removed)} 个 / old backups removed: {len(removed)}")
    return _done("backup", lines)
