"""The worker (django-q2 on the ORM broker): duban's schedules are installed once, a due
schedule runs its job through the worker's own code path and records the result, a failing
job is recorded as a failure with its traceback, and a queued job is claimed by one worker
only — and claimed again when the worker that took it died.

``run_cluster_once`` is one turn of a cluster, with django-q2's own functions and in this
process: the scheduler enqueues the due schedules into the database queue, the pusher's
step claims a task, ``worker()`` runs it and ``monitor()`` saves the result and acknowledges
it. (Only the processes around them are left out; a real cluster is started by hand in
docs/deploy.md.)
"""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from multiprocessing import Queue, Value

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_q import monitor as q_monitor
from django_q import scheduler as q_scheduler
from django_q import worker as q_worker
from django_q.brokers import get_broker
from django_q.models import Failure, OrmQ, Schedule, Success
from django_q.signing import SignedPackage

from duban.jobs.schedules import JOBS, LONG, schedules_install
from duban.testing import factories as f

pytestmark = pytest.mark.django_db


def boom(now: object = None) -> None:
    raise RuntimeError("the SMS gateway is down")


@pytest.fixture(autouse=True)
def keep_the_test_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cluster closes stale connections between tasks; the test's is in a transaction."""
    for module in (q_monitor, q_scheduler, q_worker):
        monkeypatch.setattr(module, "close_old_django_connections", lambda: None)


def run_cluster_once() -> int:
    """Enqueue what is due, then claim, run and record every queued task; the count run."""
    broker = get_broker()
    q_scheduler.scheduler(broker=broker)
    ran = 0
    while claimed := broker.dequeue():
        for ack_id, package in claimed:
            task = SignedPackage.loads(package)
            task["ack_id"] = ack_id
            tasks, results = Queue(), Queue()
            tasks.put(task)
            tasks.put("STOP")
            q_worker.worker(tasks, results, Value("f", -1))
            results.put("STOP")
            q_monitor.monitor(results, broker)
            ran += 1
    return ran


def due(name: str) -> None:
    Schedule.objects.filter(name=f"duban.{name}").update(
        next_run=timezone.now() - timedelta(seconds=1)
    )


def test_schedules_are_installed_once_and_updated_in_place():
    now = timezone.now()
    first = schedules_install(now=now)
    assert sorted(first["created"]) == sorted(j.name for j in JOBS)
    again = schedules_install(now=now)
    assert again["created"] == [] and sorted(again["unchanged"]) == sorted(first["created"])
    assert Schedule.objects.filter(name__startswith="duban.").count() == len(JOBS)
    # A hand-edited period is put back; a schedule duban no longer has is removed.
    Schedule.objects.filter(name="duban.deadline_tick").update(minutes=5)
    Schedule.objects.create(name="duban.gone", func="duban.jobs.tasks.rollup")
    Schedule.objects.create(name="admin's own", func="duban.jobs.tasks.rollup")
    done = schedules_install(now=now)
    assert done["updated"] == ["deadline_tick"] and done["removed"] == ["duban.gone"]
    assert Schedule.objects.get(name="duban.deadline_tick").minutes == 1
    assert Schedule.objects.filter(name="admin's own").exists()


def test_the_command_installs_the_schedules_with_their_queues():
    out = StringIO()
    call_command("jobs", "schedule", stdout=out)
    assert "created" in out.getvalue()
    queues = dict(Schedule.objects.values_list("name", "cluster"))
    # Deadline ticks and rollups are separate jobs on separate queues.
    assert queues["duban.deadline_tick"] is None and queues["duban.notify_send"] is None
    assert queues["duban.rollup"] == LONG and queues["duban.backup"] == LONG
    assert Schedule.objects.get(name="duban.backup").schedule_type == Schedule.DAILY


def test_a_due_deadline_tick_runs_through_the_worker_and_its_result_is_kept(p):
    now = timezone.now()
    f.dispatched(p=p, now=now - timedelta(days=10))
    schedules_install(now=now)
    Schedule.objects.filter(name__startswith="duban.").update(next_run=now + timedelta(hours=1))
    due("deadline_tick")
    assert run_cluster_once() == 1
    task = Success.objects.get(group="duban.deadline_tick")
    assert task.func == "duban.jobs.tasks.deadline_tick"
    assert "新增超时 2 件" in task.result
    # The schedule moved on by its period: it is not run again at once.
    next_run = Schedule.objects.get(name="duban.deadline_tick").next_run
    assert next_run > timezone.now()
    assert run_cluster_once() == 0
    assert Success.objects.filter(group="duban.deadline_tick").count() == 1
    assert not OrmQ.objects.exists()  # acknowledged: never run twice


def test_a_failing_job_is_recorded_with_its_traceback_and_logged(caplog):
    Schedule.objects.create(
        name="duban.test_boom",
        func="duban.jobs.tests.test_worker.boom",
        schedule_type=Schedule.MINUTES,
        minutes=1,
        next_run=timezone.now() - timedelta(seconds=1),
    )
    with caplog.at_level("ERROR", logger="django-q"):
        assert run_cluster_once() == 1
    failure = Failure.objects.get(group="duban.test_boom")
    assert "the SMS gateway is down" in failure.result
    assert "Traceback" in failure.result and "boom" in failure.result
    assert any("the SMS gateway is down" in r.getMessage() for r in caplog.records)
    assert not OrmQ.objects.exists()  # a failure is acknowledged too: the next run retries


def test_the_admin_lists_failed_jobs_in_chinese(admin_client):
    Schedule.objects.create(
        name="duban.test_boom",
        func="duban.jobs.tests.test_worker.boom",
        next_run=timezone.now() - timedelta(seconds=1),
    )
    run_cluster_once()
    page = admin_client.get("/admin/django_q/failure/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "duban.test_boom" in text
    assert "后台任务" in text and "失败" in text


def test_a_queued_job_is_claimed_by_one_worker_and_again_after_that_worker_died():
    broker = get_broker()
    package = SignedPackage.dumps(
        {"id": "t1", "name": "t1", "func": "duban.jobs.tasks.rollup", "args": (), "kwargs": {}}
    )
    broker.enqueue(package)
    first = broker.dequeue()
    second = broker.dequeue()  # another worker, another server: nothing left to take
    assert first is not None and len(first) == 1
    assert not second
    # The first worker dies without acknowledging: once its lock expires (Q_CLUSTER retry),
    # the job is handed out again.
    OrmQ.objects.update(lock=timezone.now() - timedelta(seconds=1))
    again = broker.dequeue()
    assert again is not None and again[0][0] == first[0][0]
    broker.acknowledge(again[0][0])
    assert not OrmQ.objects.exists()


def test_jobs_run_runs_one_job_in_the_foreground(p):
    out = StringIO()
    call_command("jobs", "run", "purge_idempotency_keys", stdout=out)
    assert "purged: 0" in out.getvalue()
