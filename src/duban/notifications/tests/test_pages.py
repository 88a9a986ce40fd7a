"""The bell on every page and the notice page: own notices only, newest first, paged;
marking one or all read (POST, CSRF); a ticket the reader cannot see is never shown."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from duban.notifications.models import Notice, NoticeKind
from duban.notifications.selectors import PAGE_SIZE, unread_count
from duban.testing import factories as f

pytestmark = pytest.mark.django_db


def signed_in(user, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


def recent():
    return timezone.now() - timedelta(hours=2)


def bell(html: str) -> str | None:
    """The bell's count as shown, or None without a count."""
    match = re.search(r'id="notice-bell".*?</a>', html, re.S)
    assert match, "no bell on the page"
    count = re.search(r'class="bell-count">([^<]+)<', match.group(0))
    return count.group(1) if count else None


def add_notices(user, ticket, n: int, start=None) -> list[Notice]:
    start = start or recent()
    return Notice.objects.bulk_create(
        Notice(
            recipient=user,
            ticket=ticket,
            kind=NoticeKind.URGE,
            text=f"第 {i} 条通知 {ticket.number}",
            created_at=start + timedelta(seconds=i),
        )
        for i in range(n)
    )


@pytest.mark.parametrize("path", ["/desk/inbox/", "/search/", "/notices/", "/metrics/"])
def test_every_page_shows_the_unread_count(p, path):
    f.dispatched(p=p, now=recent())
    f.dispatched(p=p, now=recent())
    client = signed_in(p.street_head)
    page = client.get(path)
    if page.status_code == 403:  # a page this role may not open still has the bar
        pytest.skip("role has no such page")
    assert page.status_code == 200
    assert bell(page.content.decode()) == "2"


def test_the_ticket_page_shows_the_bell_and_no_count_when_all_read(p):
    t = f.dispatched(p=p, now=recent())
    Notice.objects.update(read_at=timezone.now())
    page = signed_in(p.street_handler).get(f"/tickets/{t.number}/")
    assert bell(page.content.decode()) is None


def test_the_count_is_one_capped_query(p, django_assert_num_queries):
    t = f.dispatched(p=p, now=recent())
    add_notices(p.street_handler, t, 120)
    with django_assert_num_queries(1):
        assert unread_count(p.street_handler) == 100
    page = signed_in(p.street_handler).get("/notices/")
    assert bell(page.content.decode()) == "99+"


def test_the_notice_page_lists_own_notices_newest_first(p):
    first = f.dispatched(p=p, now=recent(), title="第一件")
    second = f.dispatched(p=p, now=recent() + timedelta(minutes=1), title="第二件")
    f.dispatched(p=p, now=recent(), unit=p.district.hubin, title="湖滨路的件")
    html = signed_in(p.street_handler).get("/notices/").content.decode()
    assert html.index(second.number) < html.index(first.number)
    assert "湖滨路的件" not in html
    assert "新派单" in html and "全部标为已读" in html and "消息通知" in html


def test_the_notice_page_is_paged(p):
    t = f.dispatched(p=p, now=recent())
    add_notices(p.street_handler, t, PAGE_SIZE + 5)
    client = signed_in(p.street_handler)
    first = client.get("/notices/").content.decode()
    assert first.count('class="notice-row') == PAGE_SIZE and "下一页" in first
    second = client.get("/notices/?page=2").content.decode()
    assert second.count('class="notice-row') == 6 and "上一页" in second  # 5 + the dispatch
    assert client.get("/notices/?page=oops").status_code == 200


def test_the_unread_tab(p):
    t = f.dispatched(p=p, now=recent())
    Notice.objects.update(read_at=timezone.now())
    add_notices(p.street_handler, t, 1)
    html = signed_in(p.street_handler).get("/notices/?unread=1").content.decode()
    assert html.count('class="notice-row') == 1


def test_the_page_runs_a_fixed_number_of_queries(p):
    t = f.dispatched(p=p, now=recent())
    client = signed_in(p.street_handler)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/notices/").status_code == 200
        return len(ctx.captured_queries)

    few = queries()
    add_notices(p.street_handler, t, PAGE_SIZE * 2)
    assert queries() == few


def test_anonymous_users_are_sent_to_sign_in(p):
    page = Client().get("/notices/")
    assert page.status_code == 302 and page["Location"].startswith("/login/")
    assert Client().post("/notices/read-all/").status_code == 302


def test_marking_one_read(p):
    t = f.dispatched(p=p, now=recent())
    notice = Notice.objects.get(recipient=p.street_handler)
    client = signed_in(p.street_handler)
    assert client.get(f"/notices/{notice.pk}/read/").status_code == 405
    response = client.post(f"/notices/{notice.pk}/read/")
    assert response.status_code == 302 and response["Location"] == "/notices/"
    notice.refresh_from_db()
    assert notice.read_at is not None
    first_read = notice.read_at
    client.post(f"/notices/{notice.pk}/read/")
    notice.refresh_from_db()
    assert notice.read_at == first_read
    # The head's copy is theirs to read.
    assert Notice.objects.get(recipient=p.street_head, ticket=t).read_at is None


def test_marking_one_read_with_htmx_returns_the_row_and_the_bell(p):
    f.dispatched(p=p, now=recent())
    f.dispatched(p=p, now=recent())
    notice = Notice.objects.filter(recipient=p.street_handler).first()
    response = signed_in(p.street_handler).post(
        f"/notices/{notice.pk}/read/", HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert f'id="notice-{notice.pk}"' in html and "标为已读" not in html
    assert 'hx-swap-oob="true"' in html and bell(html) == "1"


def test_opening_a_notice_marks_it_read_and_goes_to_the_ticket(p):
    t = f.dispatched(p=p, now=recent())
    notice = Notice.objects.get(recipient=p.street_handler)
    response = signed_in(p.street_handler).post(f"/notices/{notice.pk}/read/", {"open": "1"})
    assert response.status_code == 302 and response["Location"] == f"/tickets/{t.number}/"
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_another_users_notice_is_not_found(p):
    f.dispatched(p=p, now=recent())
    theirs = Notice.objects.get(recipient=p.street_head)
    client = signed_in(p.street_handler)
    assert client.post(f"/notices/{theirs.pk}/read/").status_code == 404
    assert client.post("/notices/999999/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_spares_notices_that_arrived_meanwhile(p):
    t = f.dispatched(p=p, now=recent())
    add_notices(p.street_handler, t, 3)
    client = signed_in(p.street_handler)
    html = client.get("/notices/").content.decode()
    up_to = re.search(r'name="up_to" value="(\d+)"', html).group(1)
    [late] = add_notices(p.street_handler, t, 1, start=timezone.now())
    response = client.post("/notices/read-all/", {"up_to": up_to})
    assert response.status_code == 302
    assert list(Notice.objects.filter(recipient=p.street_handler, read_at__isnull=True)) == [late]
    assert Notice.objects.get(recipient=p.street_head).read_at is None  # not theirs
    assert "已将 4 条通知标为已读" in client.get("/notices/").content.decode()


def test_mark_all_read_with_htmx_returns_the_list_and_the_bell(p):
    f.dispatched(p=p, now=recent())
    html = (
        signed_in(p.street_handler)
        .post("/notices/read-all/", HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert 'id="notices"' in html and bell(html) is None
    assert not Notice.objects.filter(recipient=p.street_handler, read_at__isnull=True).exists()


def test_marking_read_needs_the_csrf_token(p):
    f.dispatched(p=p, now=recent())
    notice = Notice.objects.get(recipient=p.street_handler)
    client = signed_in(p.street_handler, csrf=True)
    assert client.post(f"/notices/{notice.pk}/read/").status_code == 403
    assert client.post("/notices/read-all/").status_code == 403
    notice.refresh_from_db()
    assert notice.read_at is None


def test_a_notice_never_shows_a_ticket_the_reader_cannot_see(p):
    t = f.dispatched(p=p, now=recent(), title="滨湖某小区漏水")
    notice = Notice.objects.get(recipient=p.street_handler)
    # The clerk moves to the other street: 滨湖's tickets are no longer theirs to see.
    p.street_handler.unit = p.district.hubin
    p.street_handler.save(update_fields=["unit"])
    client = signed_in(p.street_handler)
    html = client.get("/notices/").content.decode()
    assert t.number not in html and "滨湖某小区漏水" not in html
    assert "该工单已不在您的查看范围内" in html and bell(html) == "1"
    response = client.post(f"/notices/{notice.pk}/read/", {"open": "1"})
    assert response["Location"] == "/notices/"  # not the ticket
    assert client.get(f"/tickets/{t.number}/").status_code == 404


def test_a_user_without_a_unit_has_an_empty_page(p):
    from duban.org.models import User

    root = User.objects.create_user("root", password="x", is_staff=True, is_superuser=True)
    t = f.dispatched(p=p, now=recent())
    add_notices(root, t, 1)
    page = signed_in(root).get("/notices/")
    html = page.content.decode()
    assert page.status_code == 200 and t.number not in html and "该工单已不在您的查看范围内" in html
