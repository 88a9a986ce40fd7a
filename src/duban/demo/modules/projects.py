"""The projects module's demo content: the district's key projects from its reports.

"共谋划省、市重点项目20个,总投资209亿元 … 完成全年目标的125%"; "省级重点项目投资41.5亿元,占全年
任务120.6%"; six special-bond (专项债) projects of 26.3 亿元 with 15.5 亿元 of bonds applied for.
Everything is written through the module's services (and the blockers through the ticket
engine's), with ``now`` of each write set to when it would have happened: twelve months of
reports filed by the reporter and reviewed by the development office, some projects lagging
on purpose, one finished contest and one still being scored.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from duban.enterprises.models import Enterprise, IndustryChain
from duban.org.models import User
from duban.org.roles import Role
from duban.org.services import user_create
from duban.projects.models import Level, Nature, Stage
from duban.projects.services import project_create
from duban.projects.services_blockers import blocker_raise
from duban.projects.services_contests import (
    contest_close,
    contest_create,
    contest_publish,
    contest_score,
)
from duban.projects.services_reports import report_approve, report_submit
from duban.tickets import services as ts
from duban.tickets.choices import State

TZ = ZoneInfo("Asia/Shanghai")
P, C = Level.PROVINCE, Level.CITY

# (name, levels, nature, chain, stage, total, annual plan, done this year, bond applied,
#  owner, responsible unit code (None: the street), lead official)
# Amounts in 万元. Province: plan 344,100, done 415,000 (120.6 %); all: 941,500 / 753,100.
# fmt: off
PROJECTS: list[tuple[Any, ...]] = [
    ("中国平煤神马总部", [P], Nature.COMMERCE, "", Stage.BUILDING, 300000, 100000, 122000, 0, "中国平煤神马集团", "fgj", "leader1"),
    ("新能源智能矿山装备制造产业园", [P, C], Nature.INDUSTRY, "高端装备制造", Stage.BUILDING, 80000, 60000, 80000, 45000, "平顶山矿山装备有限公司", None, "leader1"),
    ("平高新松机器人", [P], Nature.INDUSTRY, "高端装备制造", Stage.PRODUCING, 150000, 90000, 108000, 0, "平高新松机器人有限公司", None, "leader2"),
    ("九州通医药产业园", [P], Nature.INDUSTRY, "生物医药", Stage.BUILDING, 120000, 94100, 105000, 0, "九州通医药集团", None, "leader2"),
    ("吾悦广场", [C], Nature.COMMERCE, "", Stage.SIGNED, 260000, 20000, 6000, 0, "新城控股集团", "commerce", "leader1"),
    ("京东数智物流产业园", [C], Nature.INDUSTRY, "数字经济", Stage.SIGNED, 100000, 15000, 4000, 0, "京东物流集团", None, "leader2"),
    ("国投大数据科技发展项目", [C], Nature.INDUSTRY, "数字经济", Stage.SIGNED, 120000, 10000, 9500, 0, "国投智能科技有限公司", None, "leader1"),
    ("微电子高端材料产业化项目", [C], Nature.INDUSTRY, "新材料", Stage.PRODUCING, 90000, 40000, 66000, 0, "平顶山微电子材料有限公司", None, "leader2"),
    ("年产3万吨PLA塑料制品项目", [C], Nature.INDUSTRY, "新材料", Stage.LANDED, 50000, 20000, 9000, 0, "河南绿源新材料有限公司", None, "leader1"),
    ("因德飞年产5000套智能机器人项目", [C], Nature.INDUSTRY, "高端装备制造", Stage.STARTED, 60000, 25000, 28000, 0, "因德飞智能科技有限公司", None, "leader2"),
    ("跃新新能源智能制造产业园", [C], Nature.INDUSTRY, "新能源储能", Stage.BUILDING, 110000, 50000, 78000, 0, "跃新新能源科技有限公司", None, "leader1"),
    ("平顶山微医互联网医院", [C], Nature.LIVELIHOOD, "数字经济", Stage.BUILDING, 40000, 20000, 27000, 0, "微医集团", "health", "leader2"),
    ("海晏·西湖明珠", [C], Nature.COMMERCE, "", Stage.BUILDING, 210000, 60000, 95000, 0, "海晏置业有限公司", "housing", "leader1"),
    ("新城国贸", [C], Nature.COMMERCE, "", Stage.BUILDING, 187000, 50000, 75000, 0, "新城国贸置业有限公司", "commerce", "leader2"),
    ("秀林园科普教育基地", [C], Nature.LIVELIHOOD, "", Stage.BUILDING, 30000, 15000, 19000, 0, "示范区教育文体局", "edu", "leader1"),
    ("智慧科技产业园", [C], Nature.INFRASTRUCTURE, "数字经济", Stage.BUILDING, 45000, 20000, 27000, 30000, "示范区城投公司", "fgj", "leader2"),
    ("智能装备制造产业园", [C], Nature.INFRASTRUCTURE, "高端装备制造", Stage.BUILDING, 40000, 18000, 24000, 25000, "示范区城投公司", "fgj", "leader1"),
    ("数字经济产业园", [C], Nature.INFRASTRUCTURE, "数字经济", Stage.BUILDING, 38000, 18000, 23000, 22000, "示范区城投公司", "fgj", "leader2"),
    ("创业孵化中心", [C], Nature.INFRASTRUCTURE, "", Stage.BUILDING, 25000, 12000, 15000, 15000, "示范区城投公司", "fgj", "leader1"),
    ("新能源装备制造产业园", [C], Nature.INFRASTRUCTURE, "新能源储能", Stage.BUILDING, 35000, 16000, 21000, 18000, "示范区城投公司", "fgj", "leader2"),
]
# fmt: on
# Last month: these wait for review, these have not reported yet.
PENDING = {"年产3万吨PLA塑料制品项目", "国投大数据科技发展项目", "秀林园科普教育基地"}
MISSING = {"吾悦广场", "京东数智物流产业园"}
# Blockers raised from the reports: (project, title, content, department, closed?)
# fmt: off
BLOCKERS = [
    ("吾悦广场", "项目用地征迁未完成", "吾悦广场项目用地内尚有12户未完成征迁，影响落地，请协调自然资源局和属地街道加快推进。", "land", False),
    ("年产3万吨PLA塑料制品项目", "施工许可办理缓慢", "项目已落地，施工许可证办理中，消防审查材料多次补正，请住建局指导加快办理。", "housing", True),
    ("跃新新能源智能制造产业园", "专线供电接入", "二期厂房需10千伏专线接入，请供电公司协调施工时间。", "power", True),
    ("新能源智能矿山装备制造产业园", "环评批复", "扩建车间环评批复待出，请生态环境分局协调。", "eco", True),
    ("京东数智物流产业园", "规划条件调整", "物流园容积率规划条件需调整，请规划设计中心协调。", "ghsj", False),
]
# fmt: on
PROGRESS = [
    "场地平整",
    "桩基施工",
    "主体结构施工",
    "主体封顶",
    "设备安装",
    "装饰装修",
    "设备调试",
    "试生产",
]


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=TZ)


def _months_back(year: int, month: int, n: int) -> list[tuple[int, int]]:
    out = []
    for _ in range(n):
        out.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return list(reversed(out))


def _shares(n: int, total: Decimal) -> list[Decimal]:
    """``total`` spread over ``n`` months, slower in winter, faster later in the year."""
    weights = [Decimal(w) for w in (5, 6, 9, 10, 10, 11, 11, 10, 10, 11, 12, 12)[:n]]
    s = sum(weights)
    parts = [(total * w / s).quantize(Decimal("0.01")) for w in weights]
    parts[-1] += total - sum(parts)
    return parts


def _stage_dates(
    stage: str, plan_year: int, lagging: bool
) -> dict[str, tuple[date | None, date | None]]:
    order = list(Stage.values)
    current = order.index(stage)
    out: dict[str, tuple[date | None, date | None]] = {}
    start = date(plan_year - 2, 3, 1)
    for i, s in enumerate(order):
        planned = start + timedelta(days=150 * i)
        if i > current and lagging:
            planned = date(plan_year, 6, 30) + timedelta(days=120 * (i - current - 1))
        elif i > current:
            planned = date(plan_year + 1, 3, 31) + timedelta(days=180 * (i - current - 1))
        out[s] = (planned, planned + timedelta(days=10) if i <= current else None)
    return out


def build(world: Any, *, now: datetime) -> str:
    users = world.users
    units = world.units
    fgj = units["fgj"]
    office = User.objects.filter(username="project_office1").first() or user_create(
        username="project_office1",
        role=Role.HANDLER,
        unit=fgj,
        full_name="韩磊",
        password="duban-demo",
        extra_roles=[Role.PROJECT_OFFICE],
    )
    reporter = users["project_reporter1"]
    dispatcher = users["dispatcher1"]
    today = now.astimezone(TZ).date()
    last_y, last_m = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    months = _months_back(last_y, last_m, 12)
    plan_year = last_y
    chains = {c.name: c for c in IndustryChain.objects.all()}
    created_on = _at(date(months[0][0], months[0][1], 1) - timedelta(days=20))
    projects = {}
    for index, row in enumerate(PROJECTS):
        name, levels, nature, chain, stage, total, plan, done, bond, owner, unit_code, lead = row
        street = world.streets[index % len(world.streets)]
        unit = units[unit_code] if unit_code else street
        lagging = name in {"吾悦广场", "京东数智物流产业园", "年产3万吨PLA塑料制品项目"}
        project = project_create(
            actor=office,
            now=created_on,
            code=f"PDS-{plan_year}-{index + 1:03d}",
            name=name,
            chain=chains.get(chain),
            nature=nature,
            levels=levels,
            owner=Enterprise.objects.filter(name=owner).first(),
            owner_name=owner,
            owner_contact=f"{owner[:2]}项目负责人",
            owner_phone=f"1390375{index:04d}",
            street=street,
            location=f"{street.name}",
            unit=unit,
            lead=users[lead],
            reporter=reporter,
            total_investment=total,
            plan_year=plan_year,
            annual_plan=plan,
            start_year=plan_year - 1,
            end_year=plan_year + 1 if stage != Stage.PRODUCING else plan_year,
            stage=stage,
            stage_dates=_stage_dates(stage, plan_year, lagging),
            milestones={
                "approval": (date(plan_year - 2, 5, 1), date(plan_year - 2, 5, 20)),
                "land": (
                    date(plan_year - 1, 3, 1),
                    date(plan_year - 1, 4, 2) if stage not in (Stage.SIGNED,) else None,
                ),
                "construction": (
                    date(plan_year - 1, 9, 1),
                    None if stage in (Stage.SIGNED, Stage.LANDED) else date(plan_year - 1, 9, 20),
                ),
            },
            task_force=[(users["fgj_handler"], "组长"), (users[f"{street.code}_handler"], "联络员")]
            if f"{street.code}_handler" in users
            else [(users["fgj_handler"], "组长")],
            bond_applied=bond,
            bond_received=Decimal(bond) * Decimal("0.8"),
            bond_spent=Decimal(bond) * Decimal("0.6"),
            in_stats=stage not in (Stage.SIGNED, Stage.PLANNED),
            in_stats_date=date(plan_year - 1, 10, 1)
            if stage not in (Stage.SIGNED, Stage.PLANNED)
            else None,
        )
        projects[name] = project
        # Twelve months of reports: last year's tail, then this year's months.
        this_year = [(y, m) for y, m in months if y == plan_year]
        shares = dict(zip(this_year, _shares(len(this_year), Decimal(done)), strict=True))
        for n, (y, m) in enumerate(months):
            if (y, m) == (last_y, last_m) and name in MISSING:
                continue
            amount = shares.get(
                (y, m), (Decimal(total) * Decimal("0.01")).quantize(Decimal("0.01"))
            )
            ny, nm = (y, m + 1) if m < 12 else (y + 1, 1)
            filed = _at(date(ny, nm, 3 if n % 4 else 6), 9)  # now and then after the 5th
            if filed > now:
                filed = now - timedelta(hours=2)
            report = report_submit(
                project=project,
                actor=reporter,
                now=filed,
                year=y,
                month=m,
                investment_month=amount,
                progress=PROGRESS[min(n * len(PROGRESS) // 12, len(PROGRESS) - 1)],
                problems="征迁进度滞后" if lagging and n > 8 else "",
                requests="",
            )
            if (y, m) == (last_y, last_m) and name in PENDING:
                continue
            review_day = filed + timedelta(hours=1)
            if review_day > now:
                continue
            report_approve(report=report, actor=office, now=review_day)
    blockers = _blockers(world, projects, office, dispatcher, months, today)
    contests = _contests(world, projects, office, now, plan_year)
    total = sum(Decimal(r[5]) for r in PROJECTS) / 10000
    return (
        f"{len(projects)} key projects ({total:.0f} 亿元), {len(months)} months of reports, "
        f"{blockers} blockers through the ticket engine, {contests} contests; "
        f"project office login: project_office1"
    )


def _blockers(
    world: Any, projects: dict, office: User, dispatcher: User, months: list, today: date
) -> int:
    users = world.users
    units = world.units
    count = 0
    for i, (name, title, content, dept, closed) in enumerate(BLOCKERS):
        y, m = months[-4 + (i % 3)]
        start = _at(date(y, m, 8), 9)
        blocker = blocker_raise(
            project=projects[name], actor=office, now=start, title=title, content=content
        )
        count += 1
        ticket = blocker.ticket
        if ticket.state == State.REGISTERED:
            ticket = ts.ticket_dispatch(
                ticket=ticket, actor=dispatcher, now=start + timedelta(minutes=20), unit=units[dept]
            )
        handler = users.get(f"{dept}_handler")
        if handler is None or ticket.primary_unit_id != units[dept].pk:
            continue
        ticket = ts.ticket_accept(ticket=ticket, actor=handler, now=start + timedelta(hours=1))
        if not closed:
            continue
        ticket = ts.ticket_record_contact(
            ticket=ticket, actor=handler, now=start + timedelta(hours=2)
        )
        ticket = ts.ticket_reply(
            ticket=ticket,
            actor=handler,
            now=start + timedelta(days=3),
            result="solved",
            text=f"已协调解决：{title}，相关手续已办结。",
        )
        ticket = ts.ticket_review_pass(
            ticket=ticket, actor=dispatcher, now=start + timedelta(days=4)
        )
        ts.ticket_callback(
            ticket=ticket,
            actor=dispatcher,
            now=start + timedelta(days=5),
            reached=True,
            resolved=True,
            satisfaction="satisfied",
        )
    return count


def _contests(world: Any, projects: dict, office: User, now: datetime, year: int) -> int:
    users = world.users
    judges = [
        users["leader1"],
        users["leader2"],
        users["supervisor1"],
        users["supervisor2"],
        office,
    ]
    spring = _at(date(year, 4, 10))
    units = [
        *world.streets[:4],
        world.units["fgj"],
        world.units["housing"],
        world.units["land"],
        world.units["commerce"],
    ]
    finished = contest_create(
        actor=office,
        now=spring,
        name=f"{year}年春季项目观摩（春看谋划）",
        season="春看谋划",
        criteria=[("项目谋划重要性", 30), ("前瞻性", 20), ("可行性", 25), ("效益", 25)],
        entrants=units,
        judges=judges,
        drop_extremes=True,
    )
    _score_all(finished, judges, spring, seed=1)
    contest_close(contest=finished, actor=office, now=spring + timedelta(days=2))
    contest_publish(contest=finished, actor=office, now=spring + timedelta(days=3))
    winter_day = now - timedelta(days=1)
    entrants = [
        projects[n]
        for n in (
            "平高新松机器人",
            "跃新新能源智能制造产业园",
            "微电子高端材料产业化项目",
            "九州通医药产业园",
            "因德飞年产5000套智能机器人项目",
        )
    ]
    open_contest = contest_create(
        actor=office,
        now=winter_day,
        name=f"{year}年冬季项目观摩（冬看蝶变）",
        season="冬看蝶变",
        criteria=[("手续办理", 15), ("形象进度", 30), ("投资完成", 30), ("入统", 10), ("质量", 15)],
        entrants=entrants,
        judges=judges[:4],
    )
    _score_all(open_contest, judges[:2], winter_day, seed=2)
    return 2


def _score_all(contest: Any, judges: list, when: datetime, *, seed: int) -> None:
    criteria = list(contest.criteria.all())
    for j, judge in enumerate(judges):
        for e, entrant in enumerate(contest.entrants.order_by("id")):
            base = 92 - (e * 7 + seed * 3) % 17 + (j % 3)
            scores = {c.pk: min(100, base - (i * 2 + e + j) % 5) for i, c in enumerate(criteria)}
            contest_score(
                contest=contest,
                actor=judge,
                now=when + timedelta(minutes=e + j * 10),
                entrant=entrant,
                scores=scores,
            )


__all__ = ["build", "calendar"]
