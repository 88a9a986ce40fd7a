"""The enterprise service's demo content (万人助万企), from the district's reports.

"3个工作专班、8个服务组"; "梳理'万人助万企'活动问题8类198个,解决区级问题165个,解决率99%";
"累计为企业代办事项53件,办结率、满意率100%"; "园区吹哨,部门报到"; fast tracks "3个1". The
enterprises the reports name plus generated ones (a few hundred), officers ``officer1`` …
``officer8`` (one per service group), a year of visits, problems across the eight categories
at the three levels, and 53 proxy cases. Everything goes through the module's services and
the problems' tickets through the engine's (whistle → accept → reply → review → the
enterprise's rating closes them out), each write at the moment it would have happened.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import make_password

from duban.demo import data
from duban.demo.builder import _make_user
from duban.enterprises import credit_code as cc
from duban.enterprises import services as es
from duban.enterprises import services_problems as sp
from duban.enterprises import services_proxy as px
from duban.enterprises.models import (
    Enterprise,
    GroupKind,
    IndustryChain,
    Park,
    ProblemCategory,
    ProxyService,
    Size,
)
from duban.org.roles import Role
from duban.sla.selectors import get_calendar
from duban.tickets import services as ts

TZ = ZoneInfo("Asia/Shanghai")

CHAINS = ["高端装备制造", "生物医药", "新材料", "数字经济", "新能源储能", "现代物流"]
PARKS = ["高新技术产业园", "装备制造产业园", "生物医药产业园", "现代物流园"]
TASK_FORCES = ["工业企业服务专班", "重点项目服务专班", "商贸物流企业服务专班"]
# (group, task force index)
GROUPS = [
    (f"第{n}服务组", i) for n, i in zip("一二三四五六七八", [0, 0, 0, 1, 1, 1, 2, 2], strict=True)
]
OFFICERS = ["郑海峰", "高明远", "宋佳怡", "韩立新", "马晓东", "许文静", "黄振华", "罗雅琴"]

# The enterprises the reports name: (name, chain, park index, above scale, 专精特新, 高新)
NAMED: list[tuple[str, str, int, bool, bool, bool]] = [
    ("平高集团通用电气有限公司", "高端装备制造", 1, True, True, True),
    ("真实生物科技有限公司", "生物医药", 2, True, True, True),
    ("九州通医药集团", "生物医药", 2, True, False, False),
    ("首期电子科技有限公司", "数字经济", 0, True, True, True),
    ("跃新装备制造有限公司", "高端装备制造", 1, True, True, False),
    ("跃新新能源科技有限公司", "新能源储能", 1, True, False, True),
    ("敬东君卓医药有限公司", "生物医药", 2, True, False, True),
    ("敬东羲健药业有限公司", "生物医药", 2, True, False, False),
    ("京东慧采（平顶山）科技有限公司", "数字经济", 3, True, False, False),
    ("京东物流集团", "现代物流", 3, True, False, False),
    ("平高新松机器人有限公司", "高端装备制造", 1, True, True, True),
    ("中国平煤神马集团", "新材料", 0, True, False, False),
    ("平煤神马尼龙科技有限公司", "新材料", 0, True, True, True),
    ("平煤神马聚碳材料有限责任公司", "新材料", 0, True, False, True),
    ("中平能化集团机械制造有限公司", "高端装备制造", 1, True, False, False),
    ("平顶山矿山装备有限公司", "高端装备制造", 1, True, False, False),
    ("平顶山微电子材料有限公司", "新材料", 0, True, True, True),
    ("河南绿源新材料有限公司", "新材料", 0, False, False, False),
    ("因德飞智能科技有限公司", "高端装备制造", 1, False, True, True),
]
GENERATED = 280
WORDS = [
    "恒达",
    "瑞丰",
    "鑫源",
    "华创",
    "盛世",
    "宏图",
    "新科",
    "众诚",
    "博远",
    "嘉禾",
    "天润",
    "中信",
    "卓越",
    "金鼎",
    "永兴",
    "汇通",
    "康源",
    "泰和",
    "联创",
    "凯旋",
    "远航",
    "锦程",
]
TRADES = {
    "高端装备制造": ["机械制造", "电气设备", "智能装备", "液压科技"],
    "生物医药": ["生物科技", "医药", "医疗器械", "制药"],
    "新材料": ["新材料", "化工科技", "碳材料", "复合材料"],
    "数字经济": ["信息技术", "软件科技", "电子商务", "数据科技"],
    "新能源储能": ["新能源", "储能科技", "光伏科技", "电池材料"],
    "现代物流": ["物流", "供应链管理", "仓储服务", "冷链物流"],
}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"

# The problems of the year: 8 categories, 198 in all: district 167 (165 solved, 99 %),
# city 20, province 11 (escalated; some answered and solved).
PROBLEMS = {
    "资金": (
        "企业扩产流动资金贷款审批慢",
        "企业扩大产能需流动资金贷款，银行审批周期长，希望协调对接金融机构。",
        ["czj", "fgj"],
    ),
    "用工": (
        "技术工人招聘困难",
        "企业新增生产线缺少技术工人约30人，希望协调组织专场招聘。",
        ["zzrs", "commerce"],
    ),
    "用地": ("扩建用地指标不足", "企业扩建厂房用地指标不足，希望协调用地手续。", ["land", "ghsj"]),
    "审批": (
        "项目审批材料多次补正",
        "项目审批材料多次补正，希望明确清单并加快审批。",
        ["fgj", "market"],
    ),
    "水电气": (
        "厂区专线供电容量不足",
        "新增设备后厂区供电容量不足，需要增容改造。",
        ["power", "gas"],
    ),
    "政策": (
        "惠企政策兑现咨询",
        "希望了解研发费用加计扣除、专精特新奖补等政策的申报条件。",
        ["fgj", "czj"],
    ),
    "物流": (
        "货运车辆通行受限",
        "货运车辆进出园区道路受限，影响原料和产品运输。",
        ["transport", "police"],
    ),
    "其他": ("厂区周边环境整治", "厂区周边道路破损、积水，影响员工出行。", ["urban", "housing"]),
}
COUNTS = {
    "资金": 34,
    "用工": 30,
    "用地": 22,
    "审批": 28,
    "水电气": 25,
    "政策": 26,
    "物流": 18,
    "其他": 15,
}
UPPER = {"city": 20, "province": 11}
DISTRICT_UNSOLVED = 2  # 165 of 167 district-level problems solved

# The catalogue: (service, fast track, [(step, unit code, working days, documents)])
SERVICES: list[tuple[str, bool, list[tuple[str, str, int, str]]]] = [
    (
        "项目备案",
        False,
        [
            ("材料预审", "fgj", 1, "项目备案申请表、营业执照"),
            ("备案办理", "fgj", 2, "项目基本情况说明"),
        ],
    ),
    (
        "工商注册",
        False,
        [
            ("名称核准", "market", 1, "名称申报书"),
            ("设立登记", "market", 2, "章程、股东身份证明"),
            ("刻章及税务登记", "market", 1, "营业执照"),
        ],
    ),
    (
        "人才招聘",
        False,
        [("岗位需求梳理", "zzrs", 2, "岗位需求表"), ("专场招聘会", "zzrs", 5, "招聘简章")],
    ),
    (
        "环评手续",
        False,
        [
            ("环评文件预审", "eco", 3, "环境影响报告表"),
            ("技术评估", "eco", 5, "评估意见"),
            ("环评批复", "eco", 3, "批复申请"),
        ],
    ),
    (
        "施工许可",
        False,
        [
            ("图纸审查", "housing", 5, "施工图设计文件"),
            ("消防设计审查", "housing", 5, "消防设计文件"),
            ("施工许可核发", "housing", 2, "中标通知书、施工合同"),
        ],
    ),
    (
        "用地手续",
        False,
        [
            ("规划条件核定", "ghsj", 3, "用地红线图"),
            ("用地预审", "land", 5, "用地申请"),
            ("不动产登记", "land", 3, "土地出让合同"),
        ],
    ),
    (
        "3个1快速通道",
        True,
        [
            ("1日报送", "fgj", 1, "项目申报材料"),
            ("1日评审", "fgj", 1, "评审意见"),
            ("1日批复", "fgj", 1, "批复文件"),
        ],
    ),
]
PROXY_CASES = 53
LATE_STEPS = 3  # steps done after their limit (on-time rate below 100 %; completion 100 %)


def _code(rng: random.Random) -> str:
    body = "91410400" + "".join(rng.choice(cc.ALPHABET) for _ in range(9))
    return body + cc.check_character(body)


def _phone(rng: random.Random) -> str:
    return "1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9))


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


def build(world: Any, *, now: datetime) -> str:
    if Enterprise.objects.filter(district=world.district).exists():
        return "enterprises exist already; nothing to do"
    rng = random.Random(11)
    today = now.astimezone(TZ).date()
    year_start = date(today.year, 1, 1)
    calendar = get_calendar()
    admin = world.users["admin"]
    leader = world.users["leader1"]
    dispatcher = world.users["dispatcher1"]
    setup = datetime.combine(year_start, time(9), tzinfo=TZ) - timedelta(days=20)

    # -- catalogues, officers, task forces and groups ----------------------------------
    chains = {
        name: IndustryChain.objects.get_or_create(name=name, defaults={"sort_order": i})[0]
        for i, name in enumerate(CHAINS)
    }
    parks = [
        Park.objects.get_or_create(district=world.district, name=n, defaults={"sort_order": i})[0]
        for i, n in enumerate(PARKS)
    ]
    hashed = make_password(data.DEMO_PASSWORD)
    commerce = world.units["commerce"]
    officers = [
        _make_user(f"officer{i + 1}", Role.SERVICE_OFFICER, commerce, name, hashed)
        for i, name in enumerate(OFFICERS)
    ]
    forces = [
        es.group_create(
            actor=admin,
            now=setup,
            name=name,
            kind=GroupKind.TASK_FORCE,
            leader=leader,
            members=[leader],
            sort_order=i,
        )
        for i, name in enumerate(TASK_FORCES)
    ]
    groups = [
        es.group_create(
            actor=admin,
            now=setup,
            name=name,
            kind=GroupKind.SERVICE_GROUP,
            parent=forces[force],
            leader=officers[i],
            members=[officers[i]],
            sort_order=i,
        )
        for i, (name, force) in enumerate(GROUPS)
    ]
    categories = {c.name: c for c in ProblemCategory.objects.all()}
    services = []
    for i, (name, fast, steps) in enumerate(SERVICES):
        existing = ProxyService.objects.filter(name=name).first()
        services.append(
            existing
            or px.service_define(
                actor=admin,
                now=setup,
                name=name,
                fast_track=fast,
                sort_order=i,
                description="1日报送、1日评审、1日批复" if fast else "",
                steps=[
                    px.StepSpec(name=s, unit=world.units[u], days=d, documents=doc)
                    for s, u, d, doc in steps
                ],
            )
        )

    # -- the registry ------------------------------------------------------------------
    rows: list[tuple[str, str, int, bool, bool, bool]] = list(NAMED)
    seen = {r[0] for r in rows}
    while len(rows) < len(NAMED) + GENERATED:
        chain = rng.choice(CHAINS)
        name = f"平顶山{rng.choice(WORDS)}{rng.choice(TRADES[chain])}有限公司"
        if name in seen:
            continue
        seen.add(name)
        rows.append(
            (
                name,
                chain,
                rng.randrange(len(PARKS)),
                rng.random() < 0.35,
                rng.random() < 0.1,
                rng.random() < 0.2,
            )
        )
    enterprises: list[Enterprise] = []
    for i, (name, chain, park, above, specialized, high_tech) in enumerate(rows):
        group = groups[i % len(groups)]
        enterprises.append(
            es.enterprise_create(
                actor=admin,
                now=setup,
                data=es.EnterpriseData(
                    name=name,
                    credit_code=_code(rng),
                    chain=chains[chain],
                    park=parks[park],
                    street=rng.choice(world.streets),
                    size=Size.LARGE
                    if above and i < len(NAMED)
                    else rng.choice([Size.MEDIUM, Size.SMALL, Size.MICRO]),
                    above_scale=above,
                    specialized=specialized,
                    high_tech=high_tech,
                    tech_sme=rng.random() < 0.25,
                    contact_name=rng.choice(SURNAMES)
                    + rng.choice(["经理", "主任", "总监", "部长"]),
                    contact_phone="13800138000" if i == 0 else _phone(rng),
                    officer=officers[i % len(officers)],
                    group=group,
                ),
            )
        )

    # -- a year of visits (monthly for above-scale, quarterly for the rest, some late) --
    visits = 0
    visit_list: list[tuple[Enterprise, date]] = []
    for e in enterprises:
        step = 30 if e.above_scale else 90
        day = year_start + timedelta(days=rng.randrange(0, 20))
        while day <= today - timedelta(days=1):
            visit_list.append((e, day))
            day += timedelta(days=step + rng.randrange(-5, 12 if rng.random() < 0.9 else 40))
    visit_list.sort(key=lambda v: v[1])
    visits_of: dict[int, list[Any]] = {}
    for e, day in visit_list:
        visit = es.visit_log(
            actor=e.officer,
            now=_at(day, 16),
            enterprise=e,
            visited_on=day,
            topics=rng.choice(
                [
                    "了解企业生产经营情况",
                    "宣讲惠企政策",
                    "座谈用工和融资需求",
                    "查看项目建设进度",
                    "收集企业诉求",
                ]
            ),
            participants=(e.officer.full_name if e.officer else ""),
        )
        visits_of.setdefault(e.pk, []).append(visit)
        visits += 1

    # -- problems: found on visits, assigned from above, raised by the enterprises -----
    plan: list[tuple[str, str]] = []
    for category, count in COUNTS.items():
        plan += [(category, "district")] * count
    rng.shuffle(plan)
    upper = [lvl for lvl, n in UPPER.items() for _ in range(n)]
    for i, level in enumerate(upper):  # the last of the 198 are the escalated ones
        plan[-(i + 1)] = (plan[-(i + 1)][0], level)
    unsolved = DISTRICT_UNSOLVED
    problems = solved = 0
    days = max(1, (today - year_start).days - 20)
    for n, (category, level) in enumerate(plan):
        e = rng.choice(enterprises[:120])
        title, content, units = PROBLEMS[category]
        raised = _at(year_start + timedelta(days=int(n * days / len(plan))), 10, rng.randrange(60))
        source = rng.choices(["visit", "assigned", "self"], weights=[6, 2, 2])[0]
        before = [v for v in visits_of.get(e.pk, []) if v.visited_on <= raised.date()]
        visit = before[-1] if source == "visit" and before else None
        co = [world.units[units[1]]] if rng.random() < 0.4 else []
        if source == "self":  # the enterprise raised it: the centre dispatches
            problem = sp.problem_raise(
                actor=None,
                now=raised,
                enterprise=e,
                category_id=categories[category].pk,
                title=title,
                content=content,
                source=source,
            )
            sent = raised + timedelta(minutes=rng.randrange(20, 120))
            sp.problem_whistle(
                actor=dispatcher, now=sent, problem=problem, units=[world.units[units[0]], *co]
            )
        else:  # 园区吹哨, 部门报到: the officer names the departments as it is raised
            problem = sp.problem_raise(
                actor=e.officer,
                now=raised,
                enterprise=e,
                category_id=categories[category].pk,
                title=title,
                content=content,
                source=source,
                visit=visit,
                units=[world.units[units[0]], *co],
            )
            sent = raised
        problems += 1
        if level != "district":
            sp.problem_escalate(
                actor=e.officer,
                now=sent + timedelta(days=2),
                problem=problem,
                level=level,
                to="市发展改革委" if level == "city" else "省发展改革委",
                note="超出区级权限，提请上级协调",
            )
            answered = rng.random() < 0.55
            if not answered:
                continue
        elif unsolved and n % 40 == 5:
            unsolved -= 1
            continue  # still being handled
        handler = world.users[f"{units[0]}_handler"]
        ticket = problem.ticket
        accepted = calendar.add_working_minutes(sent, rng.randrange(20, 240))
        ticket = ts.ticket_accept(ticket=ticket, actor=handler, now=accepted)
        replied = calendar.add_working_minutes(accepted, rng.randrange(600, 4000))
        if replied >= now:
            continue
        ticket = ts.ticket_reply(
            ticket=ticket,
            actor=handler,
            now=replied,
            result="solved",
            text=f"已会同相关部门研究解决：{title}。",
        )
        reviewed = replied + timedelta(hours=2)
        ticket = ts.ticket_review_pass(ticket=ticket, actor=dispatcher, now=reviewed)
        sp.problem_confirm(
            enterprise=e,
            now=reviewed + timedelta(hours=3),
            problem=problem,
            resolved=True,
            satisfaction="satisfied" if rng.random() < 0.9 else "basic",
        )
        solved += 1

    # -- 53 proxy cases of the year: all completed and rated satisfied -----------------
    late_left = LATE_STEPS
    for n in range(PROXY_CASES):
        e = enterprises[n % 60]
        service = services[n % len(services)] if n % 5 else services[-1]
        opened = _at(year_start + timedelta(days=int(n * (days - 30) / PROXY_CASES) + 5), 9, 30)
        case = px.case_open(
            actor=e.officer, now=opened, enterprise=e, service=service, project_name=""
        )
        moment = opened
        for step in case.steps.order_by("order"):
            step.refresh_from_db()
            code = next(c for c, u in world.units.items() if u.pk == step.unit_id)
            handler = world.users[f"{code}_handler"]
            moment = moment + timedelta(minutes=30)
            px.step_accept(actor=handler, now=moment, step=step)
            if late_left and n % 17 == 3:
                late_left -= 1
                moment = step.due_at + timedelta(days=1)
            else:
                moment = calendar.add_working_minutes(moment, max(60, step.days * 240))
            px.step_done(actor=handler, now=moment, step=step, note="已办结")
        px.case_rate(
            enterprise=e, now=moment + timedelta(hours=4), case=case, satisfaction="satisfied"
        )

    first = enterprises[0]
    return (
        f"{len(enterprises)} enterprises, {len(forces)} task forces, {len(groups)} service "
        f"groups, {visits} visits, {problems} problems ({solved} closed out), "
        f"{PROXY_CASES} proxy cases; logins: officer1 … officer8 (password {data.DEMO_PASSWORD}); "
        f"enterprise {first.name}: credit code {first.credit_code}, mobile {first.contact_phone} "
        f"at /enterprises/e/login/ (one-time code shown in development)"
    )
