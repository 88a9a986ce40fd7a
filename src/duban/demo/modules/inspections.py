"""The inspections module's demo content, built through its services and the ticket engine's.

- The 创文 programme with a 9 / 72 / 140 checklist ("对照9个测评项目板块、72项测评内容、140条测评
  标准") and some two hundred sites across the four streets under the 分包责任制 (局委包路段,
  streets answer for their communities, 县级干部/领导班子成员 oversee);
- thirteen weekly rounds (一周一督查) whose findings echo the reports' totals (335 店外经营/
  占道经营/流动摊贩, 190 乱涂乱画/乱堆, 150 小广告, 200 灯箱广告和横幅), most fixed on the spot,
  the rest rectified through tickets of kind ``inspection`` (the unit accepts and replies with a
  photo through the engine), 回头看 visits confirming or reopening them, one city-level round;
- the drinking-water programme for 滨湖街道's three villages with its problem ledger: 3 items,
  6 problems, all fixed on the spot ("立行立改问题3项6个").

Logins: ``inspector1`` … ``inspector4`` (督查员) and ``cwb`` (创文办: its 回头看 takes the
engine's review, call-back and reopen under the module's grant, no dispatcher role), password
as every demo login.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile

from duban.inspections import services as s
from duban.inspections.models import Finding, Programme, Site, Standard
from duban.org.models import Unit, UnitKind, User
from duban.org.roles import Role
from duban.org.services import unit_create, user_create
from duban.tickets.choices import State

TZ = ZoneInfo("Asia/Shanghai")
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)
WEEKS = 13
CHECKS_PER_WEEK = 72

ROADSIDE = ("main_road", "back_street", "market", "school")
ALL = ()  # every site type
# (board, site types, [(item, [standards], site types or None)])
CHECKLIST: list[
    tuple[str, tuple[str, ...], list[tuple[str, list[str], tuple[str, ...] | None]]]
] = [
    (
        "市容秩序",
        ROADSIDE,
        [
            ("店外经营", ["无店外经营、出店经营", "落实门前五包责任制"], None),
            ("占道经营", ["无占道经营", "无占道堆放经营物品"], None),
            ("流动摊贩", ["无流动摊贩", "早夜市规范设置、定时撤离"], None),
            (
                "乱涂乱画",
                ["无乱涂乱画", "墙面整洁无污损"],
                ("main_road", "back_street", "residential", "school"),
            ),
            (
                "小广告",
                ["无乱贴乱画小广告", "无乱挂乱吊物品"],
                ("main_road", "back_street", "residential", "school"),
            ),
            (
                "灯箱广告",
                ["户外灯箱广告完好无破损", "门头牌匾规范、无一店多招"],
                ("main_road", "back_street", "market"),
            ),
            (
                "横幅标语",
                ["无破损、过期横幅", "横幅悬挂规范并经审批"],
                ("main_road", "back_street", "market", "school"),
            ),
            ("乱搭乱建", ["无乱搭乱建", "无违规设置遮阳棚、雨棚"], None),
        ],
    ),
    (
        "环境卫生",
        ALL,
        [
            (
                "道路保洁",
                ["路面干净无垃圾、无积水", "绿化带内无垃圾杂物"],
                ("main_road", "back_street", "market", "school"),
            ),
            (
                "垃圾收集",
                ["垃圾桶摆放整齐、无满溢", "垃圾分类标识清晰"],
                ("main_road", "back_street", "residential", "market"),
            ),
            ("垃圾中转站", ["中转站内外整洁、无异味", "垃圾日产日清"], ("transfer",)),
            ("公厕卫生", ["公厕干净无异味", "公厕设施完好、有人管理"], ("toilet",)),
            (
                "乱堆乱放",
                ["无乱堆乱放杂物", "无建筑垃圾乱倒"],
                ("main_road", "back_street", "residential", "market"),
            ),
            (
                "卫生死角",
                ["无卫生死角", "无病媒生物孳生地"],
                ("back_street", "residential", "market", "transfer"),
            ),
            ("水体环境", ["河道水面无漂浮物", "无污水直排"], ("main_road", "back_street")),
            (
                "餐饮油烟",
                ["油烟净化设施正常使用", "无露天烧烤"],
                ("main_road", "back_street", "market"),
            ),
        ],
    ),
    (
        "交通秩序",
        ("main_road", "back_street", "school"),
        [
            ("机动车停放", ["机动车按位停放", "无占用盲道、消防通道停车"], None),
            (
                "电动车乱停乱放",
                ["电动车、自行车有序停放", "共享单车规范摆放"],
                ("main_road", "back_street", "school", "residential"),
            ),
            ("行人通行", ["行人走人行横道、不闯红灯", "人行道通行顺畅"], None),
            ("非机动车通行", ["非机动车不逆行、不闯红灯", "骑电动车佩戴头盔"], None),
            ("交通设施", ["交通标志标线清晰", "信号灯正常运行"], ("main_road",)),
            ("公交站点", ["公交站台整洁、站牌信息完整", "站点候车秩序良好"], ("main_road",)),
            ("渣土运输", ["渣土车密闭运输", "无抛洒滴漏"], ("main_road",)),
            ("校园周边交通", ["上下学时段护学岗在岗", "学校周边无乱停车"], ("school",)),
        ],
    ),
    (
        "公共设施",
        ("main_road", "back_street", "residential"),
        [
            ("路灯", ["路灯完好亮灯", "灯杆无破损、无乱贴"], None),
            ("井盖", ["井盖完好无缺失", "井盖无沉降、异响"], None),
            ("护栏", ["护栏完好整洁", "护栏无破损松动"], ("main_road",)),
            ("公共座椅", ["公共座椅完好", "座椅周边整洁"], None),
            ("盲道", ["盲道连续无占用", "盲道无破损"], ("main_road", "back_street")),
            ("无障碍设施", ["无障碍坡道完好", "无障碍标识清晰"], None),
            ("消防设施", ["消防栓完好", "消防通道畅通"], None),
            ("文明提示牌", ["提示牌内容规范", "提示牌设置醒目完好"], None),
        ],
    ),
    (
        "农贸市场",
        ("market",),
        [
            ("场内经营", ["划行归市、摊位整齐", "场内无占道出摊"], None),
            ("市场卫生", ["地面干净无污水", "垃圾及时清运"], None),
            ("食品安全", ["索证索票齐全", "生熟分开存放"], None),
            ("计量器具", ["公平秤设置并正常使用", "计量器具检定合格"], None),
            ("活禽管理", ["活禽宰杀区隔离", "无违规宰杀活禽"], None),
            ("市场公厕", ["市场公厕干净、有人管理", "市场公厕设施完好"], None),
            ("市场周边", ["市场周边无占道经营", "市场周边车辆有序停放"], None),
            ("公示信息", ["价格公示清晰", "投诉电话公示"], None),
        ],
    ),
    (
        "小区与背街小巷",
        ("residential", "back_street"),
        [
            ("飞线充电", ["无飞线充电、私拉电线", "楼道内无电动车停放充电"], ("residential",)),
            ("充电设施", ["集中充电设施正常使用", "充电区消防器材齐全"], ("residential",)),
            ("楼道环境", ["楼道无杂物堆放", "楼道无小广告"], ("residential",)),
            ("小区绿化", ["无毁绿种菜", "绿化带整洁"], ("residential",)),
            ("小区停车", ["小区车辆有序停放", "小区消防通道畅通"], ("residential",)),
            ("物业管理", ["物业服务内容公示", "门岗有人值守"], ("residential",)),
            ("老旧小区", ["外墙无破损脱落", "管线规范整齐"], None),
            ("文明养犬", ["文明养犬宣传到位", "无犬只粪便"], None),
        ],
    ),
    (
        "公共文明行为",
        ("main_road", "back_street", "market", "school", "residential"),
        [
            ("文明用语", ["服务人员文明用语", "无争吵斗殴"], None),
            ("控烟", ["公共场所无吸烟", "禁烟标识齐全"], None),
            ("卫生习惯", ["无随地吐痰", "无乱扔垃圾"], None),
            ("排队礼让", ["排队有序", "机动车礼让行人"], None),
            ("志愿服务", ["志愿服务站点正常运行", "志愿者在岗服务"], None),
            (
                "文明餐桌",
                ["公勺公筷宣传到位", "光盘行动提示醒目"],
                ("main_road", "back_street", "market"),
            ),
            ("爱护公物", ["无损坏公物现象", "无践踏草坪"], None),
            ("文明出行", ["不乱穿马路", "不随意停车上下客"], ("main_road", "school")),
        ],
    ),
    (
        "窗口服务",
        ("service_hall",),
        [
            ("服务大厅", ["大厅整洁有序", "导引标识清晰"], None),
            ("办事流程", ["办事指南公开", "落实一次性告知"], None),
            ("工作人员", ["持证上岗、着装规范", "无脱岗离岗"], None),
            ("便民设施", ["便民设施齐全", "无障碍设施完好"], None),
            ("投诉渠道", ["意见箱、投诉电话公开", "12345热线公示"], None),
            ("创建宣传", ["创建宣传栏内容更新", "电子屏播放公益广告"], None),
            ("好差评", ["好差评系统正常使用", "差评及时整改"], None),
            ("大厅卫生间", ["卫生间干净无异味", "有专人保洁"], None),
        ],
    ),
    (
        "公益广告宣传",
        ("main_road", "back_street", "residential", "school", "market", "service_hall"),
        [
            ("公益广告数量", ["主次干道公益广告达到规定数量", "小区公益广告醒目"], None),
            ("公益广告质量", ["公益广告无破损褪色", "公益广告更新及时"], None),
            ("核心价值观宣传", ["社会主义核心价值观宣传到位", "宣传形式多样"], None),
            ("好人榜", ["好人榜按时更新", "道德模范宣传到位"], None),
            ("工地围挡", ["工地围挡公益广告规范"], ("main_road",)),
            ("未成年人宣传", ["学校周边未成年人思想道德建设宣传"], ("school",)),
            ("文明宣传栏", ["宣传栏内容按时更新"], None),
            ("电子显示屏", ["电子屏播放公益广告"], ("main_road", "service_hall")),
        ],
    ),
]
# The reports' totals since August, by the items (standard index) that record them.
REPORTED = [
    (("店外经营", 0), 120),
    (("占道经营", 0), 125),
    (("流动摊贩", 0), 90),  # 335
    (("乱涂乱画", 0), 110),
    (("乱堆乱放", 0), 80),  # 190
    (("小广告", 0), 150),
    (("灯箱广告", 0), 120),
    (("横幅标语", 0), 80),  # 200
    (("飞线充电", 0), 60),
    (("电动车乱停乱放", 0), 80),
    (("公厕卫生", 0), 30),
    (("垃圾中转站", 0), 20),
    (("楼道环境", 0), 30),
    (("机动车停放", 1), 25),
]
WATER = [
    ("水源保护", ["水源地保护范围标识清晰", "水源地周边无污染源"]),
    ("供水设施", ["供水设施运行正常、有人管护", "消毒设备正常使用"]),
    ("水质检测", ["定期开展水质检测", "检测结果公示"]),
]
OVERSEERS = ["王志强", "李建国", "张晓明", "刘红梅", "陈立新", "杨卫东", "赵国庆", "孙丽华"]


def _photo(name: str = "p.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TZ)


def _user(username: str, role: str, unit: Unit, name: str) -> User:
    from duban.demo import data

    existing = User.objects.filter(username=username).first()
    if existing is not None:
        return existing
    return user_create(
        username=username,
        role=role,
        unit=unit,
        full_name=name,
        password=data.DEMO_PASSWORD,
    )


def _rows() -> list[s.StandardRow]:
    rows: list[s.StandardRow] = []
    n = 0
    for b, (board, board_types, items) in enumerate(CHECKLIST, start=1):
        for i, (item, texts, types) in enumerate(items, start=1):
            for text in texts:
                n += 1
                rows.append(
                    s.StandardRow(
                        board_code=f"{b}",
                        board_name=board,
                        item_code=f"{b}.{i}",
                        item_name=item,
                        code=f"{b}.{i}.{texts.index(text) + 1}",
                        text=text,
                        site_types=tuple(types if types is not None else board_types),
                        photo_required=b != 8,
                    )
                )
    return rows


def _sites(world: Any, office: User, now: datetime, rng: random.Random) -> list[Site]:
    units = world.units
    road_units = [units["urban"], units["housing"], units["transport"]]
    sites: list[Site] = []
    from duban.demo import data

    def add(code: str, name: str, type_: str, street: Unit, unit: Unit, place: str, who: str):
        sites.append(
            s.site_create(
                actor=office,
                now=now,
                code=code,
                name=name,
                type=type_,
                street=street,
                unit=unit,
                place=place,
                overseer=who,
            )
        )

    for street, (scode, sname, roads, _communities) in zip(
        world.streets, data.STREETS, strict=True
    ):
        leader = f"区领导 {rng.choice(OVERSEERS)}"
        for r, road in enumerate(roads):
            for section in range(6):
                dept = road_units[(r + section) % 3]
                add(
                    f"{scode}-r{r}-{section}",
                    f"{road}第{section + 1}段",
                    "main_road",
                    street,
                    dept,
                    f"{road}{section * 300}–{section * 300 + 300}米",
                    f"局委包路段：{dept.name}",
                )
        for b in range(8):
            add(
                f"{scode}-b{b}",
                f"{sname[:2]}{'东西南北'[b % 4]}{b // 4 + 1}巷",
                "back_street",
                street,
                street,
                f"{roads[b % 3]}以{'东西南北'[b % 4]}",
                leader,
            )
        for community in world.communities.get(scode, []):
            cadre = f"县级干部 {rng.choice(OVERSEERS)}"
            for k in range(3):
                add(
                    f"{community.code}-x{k}",
                    f"{community.name}{'一二三'[k]}号小区",
                    "residential",
                    street,
                    street,
                    community.name,
                    cadre,
                )
        for m in range(3):
            add(
                f"{scode}-m{m}",
                f"{sname[:2]}农贸市场{m + 1}",
                "market",
                street,
                units["market"],
                roads[m],
                leader,
            )
        for t in range(5):
            add(
                f"{scode}-t{t}",
                f"{roads[t % 3]}公厕{t + 1}",
                "toilet",
                street,
                units["urban"],
                roads[t % 3],
                leader,
            )
        for t in range(2):
            add(
                f"{scode}-z{t}",
                f"{sname[:2]}垃圾中转站{t + 1}",
                "transfer",
                street,
                units["urban"],
                roads[t],
                leader,
            )
        for t in range(3):
            add(
                f"{scode}-s{t}",
                f"{sname[:2]}第{t + 1}小学周边",
                "school",
                street,
                units["edu"],
                roads[t],
                leader,
            )
        add(f"{scode}-h", f"{sname}便民服务中心", "service_hall", street, street, roads[0], leader)
    return sites


def _plan_findings(
    standards: dict[tuple[str, int], Standard], rng: random.Random
) -> list[Standard]:
    planned: list[Standard] = []
    for key, count in REPORTED:
        planned += [standards[key]] * count
    rng.shuffle(planned)
    return planned


def build(world: Any, *, now: datetime) -> str:
    district: Unit = world.district
    if Programme.objects.filter(district=district, code="cw").exists():
        return "already built"
    rng = random.Random(13)
    office_unit = Unit.objects.filter(code="cwb").first() or unit_create(
        code="cwb", name="区创文办", kind=UnitKind.DEPARTMENT, parent=district
    )
    office = _user("cwb", Role.INSPECTION_OFFICE, office_unit, "创文办 周主任")
    inspectors = [
        _user(f"inspector{i}", Role.INSPECTOR, office_unit, f"督查员{'甲乙丙丁'[i - 1]}")
        for i in range(1, 5)
    ]
    start_day = (now - timedelta(weeks=WEEKS)).astimezone(TZ).date()
    start_day -= timedelta(days=start_day.weekday())
    t0 = _at(start_day, 8) - timedelta(days=3)
    programme = s.programme_create(
        actor=office,
        now=t0,
        code="cw",
        name="创建全国文明城市",
        description="对照9个测评项目板块、72项测评内容、140条测评标准，一周一督查，一月一汇总。"
        "19个社区建成充电桩1500个。",
    )
    s.checklist_import(actor=office, now=t0, programme=programme, rows=_rows())
    standards = {
        (st.item.name, int(st.code.rsplit(".", 1)[1]) - 1): st
        for st in Standard.objects.filter(programme=programme).select_related("item")
    }
    sites = _sites(world, office, t0, rng)
    planned = _plan_findings(standards, rng)
    by_type: dict[str, list[Standard]] = {}
    all_standards = list(standards.values())
    for site_type in {site.type for site in sites}:
        by_type[site_type] = [st for st in all_standards if st.applies_to(site_type)]
    staff = world.staff
    counts: Counter[str] = Counter()
    pending: list[tuple[datetime, Finding]] = []
    per_week = max(1, len(planned) // WEEKS)
    cursor = 0
    for week in range(WEEKS):
        monday = start_day + timedelta(weeks=week)
        level = "city" if week == 6 else "district"
        chosen = rng.sample(sites, CHECKS_PER_WEEK)
        assignments = [(site, inspectors[i % len(inspectors)]) for i, site in enumerate(chosen)]
        round_ = s.round_plan(
            actor=office,
            now=_at(monday, 8),
            programme=programme,
            name=f"{monday:%-m月%-d日}当周督查" + ("（市级暗访）" if level == "city" else ""),
            starts_on=monday,
            ends_on=monday + timedelta(days=6),
            assignments=assignments,
            level=level,
        )
        quota = planned[cursor : cursor + per_week] if week < WEEKS - 1 else planned[cursor:]
        cursor += len(quota)
        for i, assignment in enumerate(round_.assignments.select_related("site", "inspector")):
            at = _at(monday + timedelta(days=i % 5), 9 + (i % 8), (i * 7) % 60)
            if at >= now:
                continue
            site = assignment.site
            applicable = by_type[site.type]
            fails: dict[int, Standard] = {}
            for st in list(quota):
                if len(fails) >= 3:
                    break
                if st.applies_to(site.type) and st.pk not in fails:
                    fails[st.pk] = st
                    quota.remove(st)
            if not fails and rng.random() < 0.25:
                extra = rng.choice(applicable)
                fails[extra.pk] = extra
            results = []
            for st in applicable:
                if st.pk not in fails:
                    results.append(s.StandardResult(st.pk, "pass"))
                    continue
                fixed = rng.random() < 0.72
                results.append(
                    s.StandardResult(
                        st.pk,
                        "fail",
                        f"{st.item.name}：{st.text[1:] if st.text[0] == '无' else st.text}不到位",
                        place=site.place,
                        fixed_on_spot=fixed,
                        photos=[_photo()] if st.photo_required else [],
                        after_photos=[_photo()] if fixed else [],
                    )
                )
            check = s.check_submit(
                actor=assignment.inspector,
                now=at,
                assignment=assignment,
                client_token=f"demo-{round_.pk}-{site.pk}",
                results=results,
            ).check
            for finding in check.findings.select_related("ticket", "unit"):
                counts["findings"] += 1
                counts["fixed" if finding.fixed_on_spot else "ticketed"] += 1
                if finding.ticket_id:
                    pending.append((at, finding))
    _rectify(pending, staff, office, now, rng, counts)
    water = _water(world, office, inspectors[0], now, rng)
    return (
        f"创文 9/72/140, {len(sites)} sites, {WEEKS} weekly rounds, {counts['findings']} findings "
        f"({counts['fixed']} fixed on the spot, {counts['ticketed']} tickets, "
        f"{counts['rejected']} 回头看 rejected, {counts['confirmed']} confirmed); {water}; "
        "logins inspector1-4 (督查员), cwb (创文办)"
    )


def _rectify(
    pending: list[tuple[datetime, Finding]],
    staff: dict[str, list[User]],
    office: User,
    now: datetime,
    rng: random.Random,
    counts: Counter[str],
) -> None:
    """The units rectify through the engine; 回头看 confirms or (one in eight) rejects once."""
    for found_at, finding in pending:
        people = staff.get(finding.unit.code) or []
        if not people:
            continue
        unit_user = people[-1]
        late = rng.random() < 0.12
        reply_at = found_at + timedelta(days=rng.randint(8, 11) if late else rng.randint(1, 4))
        if reply_at >= now - timedelta(days=2) or rng.random() < 0.05:
            continue  # still being rectified: the desk shows it
        s.finding_rectify(
            actor=unit_user,
            now=reply_at,
            finding=finding,
            text="已按要求整改到位，附整改后照片。",
            photos=[_photo()],
        )
        verify_at = reply_at + timedelta(days=rng.randint(1, 3))
        if verify_at >= now:
            continue  # awaiting 回头看
        if rng.random() < 0.125:
            s.finding_verify(
                actor=office,
                now=verify_at,
                finding=finding,
                confirmed=False,
                reason="回头看发现问题反弹，整改不彻底",
            )
            counts["rejected"] += 1
            again = verify_at + timedelta(days=2)
            if again >= now:
                continue
            s.finding_rectify(
                actor=unit_user,
                now=again,
                finding=finding,
                text="已再次整改并建立长效机制。",
                photos=[_photo()],
            )
            verify_at = again + timedelta(days=1)
            if verify_at >= now:
                continue
        finding.refresh_from_db()
        if finding.state == Finding.State.AWAITING and finding.ticket.state != State.CLOSED:
            s.finding_verify(actor=office, now=verify_at, finding=finding, confirmed=True)
            counts["confirmed"] += 1


def _water(world: Any, office: User, inspector: User, now: datetime, rng: random.Random) -> str:
    """饮水安全: 滨湖街道's three villages, 3 items / 6 problems, all fixed on the spot."""
    street = next(u for u in world.streets if u.code == "binhu")
    villages = [u for u in world.communities.get("binhu", []) if u.name.endswith("村")][:3]
    t0 = now - timedelta(days=40)
    programme = s.programme_create(
        actor=office, now=t0, code="water", name="农村饮水安全专项督查", repeat_window_days=60
    )
    rows = [
        s.StandardRow(
            "1", "农村饮水安全", f"1.{i}", item, f"1.{i}.{k}", text, site_types=("water",), line=0
        )
        for i, (item, texts) in enumerate(WATER, start=1)
        for k, text in enumerate(texts, start=1)
    ]
    s.checklist_import(actor=office, now=t0, programme=programme, rows=rows)
    sites = [
        s.site_create(
            actor=office,
            now=t0,
            code=f"water-{v.code}",
            name=f"{v.name}集中供水工程",
            type="water",
            street=street,
            unit=v,
            place=v.name,
            overseer="区纪工委包村干部",
        )
        for v in villages
    ]
    day = (now - timedelta(days=30)).astimezone(TZ).date()
    round_ = s.round_plan(
        actor=office,
        now=_at(day, 8),
        programme=programme,
        name="饮水安全专项督查",
        starts_on=day,
        ends_on=day + timedelta(days=6),
        level="district",
        assignments=[(site, inspector) for site in sites],
    )
    standards = list(Standard.objects.filter(programme=programme).order_by("code"))
    # Six problems over the three items (水源保护, 供水设施, 水质检测), two at each village.
    problems = {0: [0, 2], 1: [3, 4], 2: [1, 5]}
    for v, assignment in enumerate(
        round_.assignments.select_related("site").order_by("site__code")
    ):
        results = []
        for j, st in enumerate(standards):
            if j in problems[v]:
                results.append(
                    s.StandardResult(
                        st.pk,
                        "fail",
                        f"{st.text}不到位",
                        fixed_on_spot=True,
                        photos=[_photo()],
                        after_photos=[_photo()],
                    )
                )
            else:
                results.append(s.StandardResult(st.pk, "pass"))
        s.check_submit(
            actor=inspector,
            now=_at(day + timedelta(days=v), 10),
            assignment=assignment,
            client_token=f"demo-water-{assignment.pk}",
            results=results,
        )
    return f"饮水安全 {len(sites)} villages, 3 items / 6 problems fixed on the spot"
