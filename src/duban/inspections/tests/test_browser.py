"""The inspections journey in a real Chromium on a phone viewport: the inspector runs a round
with one on-the-spot fix and one finding → the unit rectifies with a photo → 回头看 rejects
once, then confirms → the rankings move.

Run: ``pytest src/duban/inspections -m browser``; ``DUBAN_SCREENSHOTS=1`` also writes
``docs/screenshots/inspections-*.png``.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from duban.inspections import services as s
from duban.inspections.models import Finding
from duban.org.roles import Role
from duban.org.services import user_create
from duban.web.tests.browser import PASSWORD, PHONE, goto, shot

from .conftest import PNG, rows

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("migration_data"),
]


def test_round_rectify_verify_rank(open_as, district) -> None:
    d = district
    now = timezone.now()
    office = user_create(
        username="cwb",
        role=Role.INSPECTION_OFFICE,
        unit=d.jgw,
        full_name="创文办",
        password=PASSWORD,
    )
    inspector = user_create(
        username="inspector1",
        role=Role.INSPECTOR,
        unit=d.jgw,
        full_name="督查员甲",
        password=PASSWORD,
    )
    head = user_create(
        username="housing_head",
        role=Role.UNIT_HEAD,
        unit=d.housing,
        full_name="住建局",
        password=PASSWORD,
    )
    programme = s.programme_create(actor=office, now=now, code="cw", name="创文")
    s.checklist_import(actor=office, now=now, programme=programme, rows=rows())
    road = s.site_create(
        actor=office,
        now=now,
        code="road-1",
        name="湖滨路",
        type="main_road",
        street=d.binhu,
        unit=d.housing,
    )
    estate = s.site_create(
        actor=office,
        now=now,
        code="estate-1",
        name="东留小区",
        type="residential",
        street=d.binhu,
        unit=d.dongliu,
    )
    today = now.date()
    rnd = s.round_plan(
        actor=office,
        now=now,
        programme=programme,
        name="本周督查",
        starts_on=today,
        ends_on=today + timedelta(days=6),
        assignments=[(road, inspector), (estate, inspector)],
    )
    s.check_submit(
        actor=inspector,
        now=now,
        assignment=rnd.assignments.get(site=estate),
        client_token="tok-estate-01",
        results=[s.StandardResult(programme.standards.get(code="S3").pk, "pass")],
    )
    base = open_as.base_url
    period = timezone.localtime(now).strftime("%Y-%m")

    # The rankings before: the street's only check is clean.
    boss = open_as(office, viewport=PHONE)
    goto(boss, f"{base}/inspections/rankings/?period={period}")
    units = boss.locator("#board-units")
    expect(units).to_contain_text("东留村")
    expect(units).not_to_contain_text("住建局")

    # The inspector walks the road on the phone.
    phone = open_as(inspector, viewport=PHONE)
    expect(phone).to_have_url(f"{base}/inspections/m/")
    phone.get_by_text("湖滨路").click()
    form = phone.locator("#check-form")
    s1 = programme.standards.get(code="S1").pk
    s2 = programme.standards.get(code="S2").pk
    png = {"name": "photo.png", "mimeType": "image/png", "buffer": PNG}
    form.locator(f"input[name=outcome_{s1}][value=fail]").check()
    form.locator(f"textarea[name=description_{s1}]").fill("门店店外经营")
    form.locator(f"input[name=file_photos_{s1}]").set_input_files(png)
    expect(form.locator(f"[data-thumbs=photos_{s1}] img")).to_have_count(1)
    form.locator(f"input[name=fixed_{s1}]").check()
    form.locator(f"input[name=file_after_{s1}]").set_input_files(png)
    expect(form.locator(f"[data-thumbs=after_{s1}] img")).to_have_count(1)
    form.locator(f"input[name=outcome_{s2}][value=fail]").check()
    form.locator(f"textarea[name=description_{s2}]").fill("灯杆小广告")
    form.locator(f"input[name=file_photos_{s2}]").set_input_files(png)
    expect(form.locator(f"[data-thumbs=photos_{s2}] img")).to_have_count(1)
    # The draft survives a reload (poor network, closed tab).
    phone.reload()
    expect(phone.locator(f"textarea[name=description_{s2}]")).to_have_value("灯杆小广告")
    expect(phone.locator(f"[data-thumbs=after_{s1}] img")).to_have_count(1)
    shot(phone, "inspections-phone-check", full_page=True)
    phone.locator("#submit-check").click()
    expect(phone.locator("#check-done")).to_contain_text("检查结果已提交")
    expect(phone.locator(".score")).to_have_text("99.40")
    assert phone.evaluate("Object.keys(localStorage).length") == 0
    shot(phone, "inspections-phone-done", full_page=True)
    finding = Finding.objects.get(fixed_on_spot=False)
    assert Finding.objects.get(fixed_on_spot=True).ticket is None
    assert finding.ticket.primary_unit == d.housing

    # The rankings moved: 住建局 is ranked below 东留村.
    goto(boss, f"{base}/inspections/rankings/?period={period}")
    expect(units.locator("tr", has_text="住建局").first).to_contain_text("99.40")
    shot(boss, "inspections-rankings", full_page=True)

    # The unit rectifies with a photo.
    unit = open_as(head, viewport=PHONE)
    url = f"{base}/inspections/findings/{finding.pk}/"

    def rectify(text: str) -> None:
        goto(unit, url)
        unit.locator("#rectify textarea[name=text]").fill(text)
        unit.locator("#rectify input[name=photos]").set_input_files(png)
        unit.locator("#rectify button").click()
        expect(unit.locator("#finding-state")).to_contain_text("待回头看")

    rectify("已清除小广告")
    shot(unit, "inspections-rectified", full_page=True)
    # 回头看 rejects once …
    goto(boss, url)
    boss.locator("#verify textarea[name=reason]").fill("灯杆背面仍有残留")
    boss.locator("#verify button[value=reject]").click()
    expect(boss.locator("#finding-state")).to_contain_text("整改中")
    expect(boss.locator("#finding-state")).to_contain_text("未通过")
    finding.refresh_from_db()
    assert finding.ticket.state == "reopened" and finding.ticket.reopen_count == 1
    # … the unit rectifies again, then 回头看 confirms.
    rectify("背面残留已清除")
    goto(boss, url)
    boss.locator("#verify button[value=confirm]").click()
    expect(boss.locator("#finding-state")).to_contain_text("已销号")
    shot(boss, "inspections-verified", full_page=True)
    finding.refresh_from_db()
    assert finding.ticket.state == "closed" and finding.verification == "confirmed"
    goto(boss, f"{base}/inspections/desk/")
    expect(boss.locator("#desk-units")).to_contain_text("暂无待整改问题")
    open_as.console.assert_clean()
