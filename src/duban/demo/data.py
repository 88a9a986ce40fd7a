"""The demo district: 平顶山市城乡一体化示范区 — units, places, people, categories, phrases.

Plain data only; :mod:`duban.demo.builder` turns it into rows. Unit codes are ASCII
slugs and double as the stem of the demo usernames (``binhu_handler``).
"""

from __future__ import annotations

DEMO_PASSWORD = "duban-demo"

DISTRICT = ("pds-demo", "平顶山市城乡一体化示范区", ["示范区", "城乡一体化示范区"])
CENTRE = ("centre", "示范区12345服务中心", ["12345服务中心", "便民服务中心"])

# (code, name, aliases)
DEPARTMENTS: list[tuple[str, str, list[str]]] = [
    ("fgj", "发改局", ["发展和改革局"]),
    ("zzrs", "组织人社局", ["人社局", "人力资源和社会保障"]),
    ("jgw", "纪工委", ["纪检监察"]),
    ("ghsj", "规划设计中心", ["规划"]),
    ("czj", "财政局", []),
    ("housing", "住建局", ["住房和城乡建设局"]),
    ("urban", "城管局", ["城市管理局", "综合执法"]),
    ("eco", "生态环境分局", ["环保局"]),
    ("edu", "教育文体局", ["教体局"]),
    ("health", "卫健委", ["卫生健康委员会"]),
    ("transport", "交通运输局", ["交通局"]),
    ("market", "市场监管局", ["市场监督管理局"]),
    ("commerce", "商务局", []),
    ("police", "公安分局", ["派出所"]),
    ("land", "自然资源局", ["国土"]),
    ("safety", "应急管理局", ["应急局"]),
    ("agri", "农业农村局", ["农业局"]),
    ("civil", "民政局", []),
    ("power", "供电公司", ["国网示范区供电"]),
    ("water", "水务公司", ["自来水公司"]),
    ("gas", "燃气公司", ["新奥燃气"]),
]

# Streets/towns: (code, name, roads, [(community code, name, [grid names])])
STREETS: list[tuple[str, str, list[str], list[tuple[str, str, list[str]]]]] = [
    (
        "binhu",
        "滨湖街道",
        ["滨湖路", "叶营路", "白鹭洲路"],
        [
            ("dongliu", "东留村", []),
            ("xiliu", "西留村", []),
            ("yeying", "叶营村", []),
            ("caolou", "曹楼村", []),
            ("lanwan", "蓝湾社区", ["蓝湾社区第一网格", "蓝湾社区第二网格"]),
            ("binhe", "滨河社区", []),
        ],
    ),
    (
        "hubinlu",
        "湖滨路街道",
        ["湖滨路", "建设路", "新华路"],
        [
            ("jianye", "建业社区", ["建业社区第一网格"]),
            ("yanzhuang", "闫庄", []),
            ("dongwa", "东洼村", []),
            ("huguang", "湖光社区", []),
            ("xinhua", "新华社区", []),
        ],
    ),
    (
        "yingbin",
        "应滨街道",
        ["应滨路", "龙翔大道", "平安大道"],
        [
            ("yinghe", "应河社区", []),
            ("longxiang", "龙翔社区", ["龙翔社区第一网格"]),
            ("mengzhuang", "孟庄村", []),
            ("songzhuang", "宋庄村", []),
            ("pingan", "平安社区", []),
        ],
    ),
    (
        "xingyang",
        "滎阳镇",
        ["滎阳大道", "北渡路", "S329省道"],
        [
            ("xingyangcun", "滎阳村", []),
            ("beidu", "北渡村", []),
            ("zhangzhuang", "张庄村", []),
            ("mazhuang", "马庄村", []),
            ("wangzhuang", "王庄村", []),
            ("lizhuang", "李庄村", []),
        ],
    ),
]

# Share of appeals located in each street (people live unevenly).
STREET_WEIGHTS = {"binhu": 0.30, "hubinlu": 0.32, "yingbin": 0.22, "xingyang": 0.16}

# Named places used in texts (estates, markets, schools) with their street.
LANDMARKS: list[tuple[str, str]] = [
    ("吾悦广场", "hubinlu"),
    ("建业森林半岛", "hubinlu"),
    ("碧桂园小区", "binhu"),
    ("白鹭洲公园", "binhu"),
    ("示范区第一小学", "yingbin"),
    ("龙翔菜市场", "yingbin"),
    ("滎阳镇中心卫生院", "xingyang"),
    ("滎阳集贸市场", "xingyang"),
    ("湖滨花园小区", "hubinlu"),
    ("蓝湾新城", "binhu"),
]

# Users beyond the per-unit handler/head pairs: (username, role, unit code, full name).
CENTRE_USERS = [
    ("operator1", "operator", "centre", "王丽"),
    ("operator2", "operator", "centre", "李静"),
    ("operator3", "operator", "centre", "张敏"),
    ("dispatcher1", "dispatcher", "centre", "刘洋"),
    ("dispatcher2", "dispatcher", "centre", "陈晨"),
    ("supervisor1", "supervisor", "jgw", "赵刚"),
    ("supervisor2", "supervisor", "jgw", "孙伟"),
    ("leader1", "leader", "pds-demo", "周建国"),
    ("leader2", "leader", "pds-demo", "吴志强"),
    ("service_officer1", "service_officer", "commerce", "郑海峰"),
    ("project_reporter1", "project_reporter", "fgj", "冯雪"),
    ("admin", "admin", "pds-demo", "系统管理员"),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红建国建华志强海燕春梅国庆文斌红梅小红晓东"

# --- the three-level category catalogue ----------------------------------------------------
#
# Level-1 → level-2 → level-3 leaves. A leaf is
#   (name, unit code or "*" for territorial, weight, appeal types, issues)
# where an issue is "title phrase|detail phrase". Weights are relative shares of appeals.

Leaf = tuple[str, str, float, str, list[str]]

APPEAL_CATALOGUE: dict[str, dict[str, list[Leaf]]] = {
    "城乡建设": {
        "住房保障": [
            (
                "公租房申请",
                "housing",
                2,
                "consultation,help",
                [
                    "公租房申请条件咨询|想了解公租房申请需要哪些材料、多久能审批",
                    "公租房分配进度|去年提交的公租房申请至今没有结果",
                ],
            ),
            (
                "房屋质量",
                "housing",
                3,
                "complaint,help",
                [
                    "新房墙体开裂渗水|交房不到一年，卧室墙体开裂、雨天渗水，开发商一直推诿",
                    "楼顶防水层破损|顶楼住户家中漏水严重，物业称需维修基金",
                ],
            ),
            (
                "不动产办证",
                "land",
                3,
                "consultation,complaint",
                [
                    "购房多年无法办理房产证|购房已满五年，开发商至今未办理不动产权证",
                    "不动产登记办理流程|想了解二手房过户需要准备哪些材料",
                ],
            ),
        ],
        "物业管理": [
            (
                "物业服务",
                "*",
                6,
                "complaint,help",
                [
                    "物业不作为|小区物业收费却不打扫卫生，垃圾堆放多日无人清理",
                    "电梯经常故障|小区电梯一周内故障三次，老人出行困难",
                    "楼道灯不亮|单元楼道灯坏了一个多月，物业一直不修",
                ],
            ),
            (
                "维修基金",
                "housing",
                1.5,
                "consultation,help",
                ["维修基金使用|小区外墙脱落需要使用维修基金，不知如何申请"],
            ),
        ],
        "市政设施": [
            (
                "道路破损",
                "urban",
                4,
                "complaint,help",
                [
                    "路面坑洼积水|道路多处塌陷坑洼，雨后积水严重，电动车经过容易摔倒",
                    "人行道砖松动|人行道地砖大面积松动，行人容易绊倒",
                ],
            ),
            (
                "路灯照明",
                "urban",
                3,
                "help,complaint",
                ["路灯不亮|路段多盏路灯夜间不亮，行人出行存在安全隐患"],
            ),
            (
                "井盖缺失",
                "urban",
                2,
                "help,report",
                ["井盖缺失破损|路边窨井盖缺失，存在严重安全隐患，请尽快处理"],
            ),
        ],
        "拆迁安置": [
            (
                "安置房建设",
                "housing",
                2,
                "consultation,complaint",
                ["安置房交付延期|安置房原定去年交房，至今未交付，过渡费也停发了"],
            ),
            (
                "征迁补偿",
                "land",
                1.5,
                "complaint,consultation",
                ["征迁补偿标准|对房屋征收补偿标准有疑问，希望公开评估依据"],
            ),
        ],
    },
    "环境保护": {
        "大气污染": [
            (
                "工地扬尘",
                "eco",
                3,
                "complaint,report",
                [
                    "工地扬尘严重|工地未覆盖裸土，车辆进出带泥上路，扬尘很大",
                    "渣土车撒漏|渣土车沿路撒漏，路面尘土飞扬",
                ],
            ),
            ("露天焚烧", "*", 2, "report", ["露天焚烧垃圾|有人在路边焚烧垃圾和秸秆，浓烟很大"]),
        ],
        "噪声污染": [
            (
                "施工噪声",
                "eco",
                3,
                "complaint",
                ["夜间施工噪音扰民|工地晚上十一点后仍在施工，噪音影响休息"],
            ),
            (
                "商业噪声",
                "urban",
                2,
                "complaint",
                ["商铺高音喇叭扰民|沿街商铺每天用高音喇叭促销，噪音很大"],
            ),
        ],
        "水污染": [
            (
                "污水排放",
                "eco",
                2,
                "report,complaint",
                ["污水直排河道|有厂区污水直接排入河道，水面发黑发臭"],
            ),
        ],
    },
    "城市管理": {
        "市容环境": [
            (
                "占道经营",
                "*",
                4,
                "complaint,report",
                [
                    "流动摊贩占道经营|早晚有大量摊贩占道经营，造成交通拥堵",
                    "店外经营|商户在店外摆放货物，占用人行道",
                ],
            ),
            (
                "垃圾清运",
                "*",
                5,
                "complaint,help",
                [
                    "垃圾清运不及时|垃圾桶满溢多日无人清运，气味难闻",
                    "建筑垃圾乱倒|空地被倾倒大量建筑垃圾",
                ],
            ),
            ("违章搭建", "urban", 2.5, "report", ["私搭乱建|有住户在楼顶违规加盖彩钢房"]),
        ],
        "园林绿化": [
            (
                "绿化养护",
                "urban",
                1.5,
                "help,suggestion",
                ["树木遮挡影响采光|小区旁行道树过高遮挡低层住户采光，希望修剪"],
            ),
        ],
        "停车管理": [
            (
                "乱停乱放",
                "police",
                2,
                "complaint",
                ["车辆乱停堵塞消防通道|车辆长期占用消防通道，存在安全隐患"],
            ),
        ],
    },
    "村居事务": {
        "村务管理": [
            (
                "村务公开",
                "*",
                2,
                "complaint,consultation",
                ["村务财务不公开|村里集体收入支出长期不公开，村民有意见"],
            ),
            ("宅基地", "*", 2, "consultation,help", ["宅基地审批|想了解农村宅基地建房审批流程"]),
            (
                "农村人居环境",
                "*",
                2.5,
                "complaint,suggestion",
                [
                    "村内道路泥泞|村内主干道未硬化，雨天泥泞难行",
                    "村内坑塘脏乱|村口坑塘堆满垃圾，夏天蚊蝇很多",
                ],
            ),
        ],
        "邻里纠纷": [
            (
                "邻里纠纷",
                "*",
                3,
                "help,complaint",
                [
                    "邻居占用公共通道|邻居在公共通道堆放杂物，多次协商无果",
                    "楼上漏水纠纷|楼上住户卫生间漏水到我家，对方拒绝维修",
                ],
            ),
        ],
    },
    "交通运输": {
        "公共交通": [
            (
                "公交线路",
                "transport",
                2.5,
                "suggestion,consultation,complaint",
                [
                    "建议增设公交线路|小区附近没有公交站，出行不便，建议增设线路",
                    "公交车不按时发车|公交车经常晚点，等车超过半小时",
                ],
            ),
            (
                "出租车网约车",
                "transport",
                1.5,
                "complaint",
                ["出租车拒载绕路|乘坐出租车遭遇拒载、绕路多收费"],
            ),
        ],
        "道路交通": [
            (
                "交通信号设施",
                "police",
                1.5,
                "suggestion,help",
                ["建议增设红绿灯|路口车流量大，没有信号灯，存在安全隐患"],
            ),
            ("农村公路", "transport", 1.5, "help", ["农村公路破损|通村公路多处破损，大车通行困难"]),
        ],
    },
    "劳动和社会保障": {
        "劳动关系": [
            (
                "拖欠工资",
                "zzrs",
                5,
                "complaint,help",
                [
                    "拖欠农民工工资|在工地务工三个月，工资至今未结清",
                    "公司拖欠工资|公司已拖欠两个月工资，老板联系不上",
                ],
            ),
            (
                "劳动合同",
                "zzrs",
                1.5,
                "consultation,complaint",
                ["未签劳动合同|入职半年单位一直不签劳动合同"],
            ),
        ],
        "社会保险": [
            (
                "养老保险",
                "zzrs",
                3,
                "consultation",
                [
                    "养老保险缴费咨询|想了解灵活就业人员养老保险怎么缴费",
                    "养老金领取|想咨询退休后养老金领取手续",
                ],
            ),
            (
                "医疗保险",
                "health",
                3,
                "consultation,help",
                [
                    "医保报销咨询|异地就医住院费用如何报销",
                    "城乡居民医保缴费|今年城乡居民医保缴费时间和标准",
                ],
            ),
        ],
        "就业创业": [
            (
                "就业培训",
                "zzrs",
                1.5,
                "consultation",
                ["免费技能培训|想参加政府组织的免费技能培训，如何报名"],
            ),
        ],
        "社会救助": [
            (
                "低保救助",
                "civil",
                2,
                "help,consultation",
                ["低保申请|家中老人患病无劳动能力，想申请低保"],
            ),
            (
                "养老服务",
                "civil",
                1,
                "consultation,suggestion",
                ["社区养老服务|希望社区增设老年食堂和日间照料"],
            ),
        ],
    },
    "教育文体": {
        "学前和义务教育": [
            (
                "入学咨询",
                "edu",
                3,
                "consultation",
                ["小学入学划片|孩子今年上一年级，想了解学区划分和报名时间"],
            ),
            (
                "校外培训",
                "edu",
                1.5,
                "report,complaint",
                ["校外培训机构违规收费|培训机构一次性预收一年学费，退费困难"],
            ),
            (
                "学校管理",
                "edu",
                1.5,
                "complaint,suggestion",
                ["学校周边交通拥堵|上下学时段校门口交通拥堵严重，存在安全隐患"],
            ),
        ],
        "文体设施": [
            (
                "健身设施",
                "edu",
                1,
                "help,suggestion",
                ["健身器材损坏|广场健身器材损坏多时，存在安全隐患"],
            ),
        ],
    },
    "卫生计生": {
        "医疗服务": [
            (
                "医疗服务",
                "health",
                2,
                "complaint,praise",
                ["医院服务态度|就诊时医护人员态度冷淡，排队时间过长"],
            ),
            (
                "疫苗接种",
                "health",
                1.5,
                "consultation",
                ["儿童疫苗接种|想咨询儿童疫苗接种地点和时间"],
            ),
        ],
        "公共卫生": [
            ("病媒防治", "*", 1, "help", ["老鼠蟑螂多|小区老鼠蟑螂较多，希望组织消杀"]),
        ],
    },
    "商贸旅游": {
        "商贸流通": [
            (
                "预付卡消费",
                "commerce",
                1.5,
                "complaint",
                ["健身房跑路|办理的健身卡还有余额，门店突然关门"],
            ),
            (
                "农贸市场",
                "commerce",
                1,
                "complaint,suggestion",
                ["农贸市场环境差|市场内污水横流，摊位混乱"],
            ),
        ],
    },
    "市场监管": {
        "食品安全": [
            (
                "餐饮卫生",
                "market",
                3,
                "report,complaint",
                ["餐馆卫生差|餐馆后厨卫生脏乱，食用后腹泻", "无证经营|小作坊无证生产食品"],
            ),
        ],
        "价格和质量": [
            (
                "价格欺诈",
                "market",
                2,
                "complaint,report",
                ["商家虚假宣传|商家虚标原价促销，涉嫌价格欺诈"],
            ),
            (
                "产品质量",
                "market",
                1.5,
                "complaint",
                ["购买商品质量问题|购买的电动车质量问题，商家拒绝退换"],
            ),
        ],
    },
    "公共安全": {
        "治安管理": [
            (
                "治安问题",
                "police",
                2,
                "report,help",
                ["深夜聚众喧哗|夜间有人聚集饮酒喧哗，影响休息", "电动车被盗|电动车在小区内被盗"],
            ),
            ("电信诈骗", "police", 1, "report,help", ["疑似电信诈骗|接到冒充客服电话被骗转账"]),
        ],
        "安全生产": [
            (
                "安全隐患",
                "safety",
                2,
                "report",
                [
                    "门店违规存放液化气|门店内存放多罐液化气，存在安全隐患",
                    "电动车楼道充电|有住户在楼道内私拉电线给电动车充电",
                ],
            ),
        ],
        "消防安全": [
            (
                "消防通道",
                "safety",
                1,
                "report,complaint",
                ["消防通道堵塞|小区消防通道被杂物和车辆堵塞"],
            ),
        ],
    },
    "供水供电供气": {
        "供水": [
            (
                "停水",
                "water",
                4,
                "help,complaint",
                [
                    "突然停水无通知|小区突然停水，没有任何通知，生活受影响",
                    "水压低|高层住户水压低，白天经常没水",
                ],
            ),
            ("水质", "water", 1.5, "complaint", ["自来水浑浊|自来水发黄浑浊，有异味"]),
        ],
        "供电": [
            (
                "停电",
                "power",
                4,
                "help,complaint",
                ["频繁停电|最近一周频繁停电，家用电器受损", "线路老化|村里电线老化，电压不稳"],
            ),
        ],
        "供气": [
            (
                "燃气",
                "gas",
                2,
                "help,consultation,complaint",
                ["燃气开户|新房想开通天然气，如何办理", "燃气费用|燃气费用突然增高，怀疑表计不准"],
            ),
        ],
    },
    "农业农村": {
        "农业生产": [
            (
                "农业补贴",
                "agri",
                1.5,
                "consultation",
                ["种粮补贴发放|想了解今年种粮补贴发放标准和时间"],
            ),
            (
                "农资质量",
                "agri",
                1,
                "complaint,report",
                ["假种子|购买的玉米种子出苗率很低，怀疑是假种子"],
            ),
        ],
    },
    "政务服务": {
        "政策咨询": [
            (
                "政策咨询",
                "fgj",
                1.5,
                "consultation,suggestion",
                ["惠民政策咨询|想了解示范区最新惠民政策"],
            ),
            (
                "规划咨询",
                "ghsj",
                1,
                "consultation,suggestion",
                ["片区规划|想了解片区规划和学校建设安排"],
            ),
        ],
        "作风建设": [
            (
                "工作作风",
                "jgw",
                1,
                "report,complaint",
                ["工作人员办事推诿|窗口工作人员办事推诿、态度生硬"],
            ),
            ("表扬", "*", 1.5, "praise", ["感谢工作人员|工作人员热心帮忙解决困难，特此表扬"]),
        ],
    },
}

ENTERPRISE_CATALOGUE: dict[str, dict[str, list[Leaf]]] = {
    "企业服务": {
        "要素保障": [
            (
                "融资",
                "czj",
                2,
                "help,consultation",
                ["企业融资困难|企业流动资金紧张，希望对接银行贷款和贴息政策"],
            ),
            ("用工", "zzrs", 2, "help", ["企业招工难|企业扩产急需一线工人，希望协助招聘"]),
            ("用地", "land", 1.5, "help", ["项目用地手续|扩建项目用地手续迟迟未办结"]),
            (
                "水电气",
                "power",
                1.5,
                "help,complaint",
                ["企业用电扩容|新增生产线需要增容，报装进度缓慢"],
            ),
        ],
        "政务服务": [
            ("审批", "fgj", 1.5, "help,complaint", ["项目审批进度|项目备案和环评审批进度慢"]),
            (
                "政策兑现",
                "commerce",
                1.5,
                "consultation,help",
                ["奖补资金兑现|去年申报的奖补资金至今未兑现"],
            ),
            ("物流", "transport", 1, "help", ["园区物流通行|货车进出园区道路受限"]),
        ],
    },
}

INSPECTION_CATALOGUE: dict[str, dict[str, list[Leaf]]] = {
    "创文督查": {
        "市容市貌": [
            ("门头牌匾", "urban", 1, "report", ["门头牌匾破损|沿街门头牌匾破损、不规范"]),
            ("公益广告", "*", 1, "report", ["公益广告缺失|围挡公益广告缺失、褪色"]),
        ],
        "环境卫生": [
            ("卫生死角", "*", 2, "report", ["背街小巷卫生死角|背街小巷垃圾堆积、卫生死角多"]),
            ("农贸市场秩序", "market", 1, "report", ["市场秩序混乱|农贸市场内摊位越线经营"]),
        ],
    },
}

PROJECT_CATALOGUE: dict[str, dict[str, list[Leaf]]] = {
    "项目建设": {
        "项目推进": [
            ("手续办理", "fgj", 1, "help", ["项目手续办理|项目施工许可办理缓慢，影响开工"]),
            ("施工环境", "*", 1, "help", ["施工环境协调|项目施工遭周边群众阻工，需属地协调"]),
            ("配套设施", "power", 1, "help", ["项目配套电力|项目配套电力接入进度滞后"]),
        ],
    },
}

CATALOGUES = {
    "appeal": APPEAL_CATALOGUE,
    "enterprise": ENTERPRISE_CATALOGUE,
    "inspection": INSPECTION_CATALOGUE,
    "project": PROJECT_CATALOGUE,
}

KEY_PROJECTS = [
    "吾悦广场",
    "京东数智物流产业园",
    "平高新松机器人",
    "新能源智能矿山装备制造产业园",
    "年产3万吨PLA塑料制品项目",
]
ENTERPRISES = ["平高集团通用电气", "真实生物", "九州通医药", "平顶山中原环保", "示范区绿能科技"]

# --- phrases -------------------------------------------------------------------------------

DURATIONS = ["近一周", "半个多月", "一个多月", "三天前开始", "已经很长时间", "多次"]
REQUESTS = [
    "希望相关部门尽快处理",
    "请有关部门核实处理",
    "希望尽快给予答复",
    "请尽快协调解决",
    "希望政府重视",
]
SPAM_TEXTS = [
    "测试",
    "无声电话",
    "骚扰来电，反复拨打无实际诉求",
    "咨询与本市无关事项",
    "来电人辱骂话务员",
]
INVALID_REASONS = ["无实际诉求", "骚扰电话", "非本区管辖事项", "信息不全无法联系"]
RETURN_REASONS = [
    "该事项不属于本单位职责范围",
    "诉求地点不在本辖区",
    "该事项已进入司法程序",
    "应由属地街道办理",
]
REPLY_TEXTS = {
    "solved": "经核实，已安排工作人员现场处理，问题已解决，并与来电人沟通确认。",
    "partly": "已协调相关方进行处理，问题已部分解决，剩余事项正在推进，将持续跟进。",
    "explained": "已电话联系来电人，就相关政策和办理流程进行了详细解释说明，来电人表示理解。",
    "cannot": "经核实，该诉求涉及历史遗留问题，目前暂不具备解决条件，已向来电人解释。",
}
CANNOT_REASONS = ["涉及历史遗留问题", "诉求超出现行政策规定", "需上级部门统筹解决"]
EXTENSION_REASONS = ["需协调多个部门联合处理", "涉及资金审批，流程较长", "需等待天气条件施工"]
URGE_NOTES = ["请加快办理进度", "工单已超期，请尽快答复", "群众反映强烈，请优先办理"]
REVIEW_REJECT_REASONS = ["答复内容未回应诉求", "缺少办理结果和佐证材料", "答复过于笼统，请补充"]
REOPEN_REASONS = ["来电人反映问题仍未解决", "来电人对处理结果不满意，要求重办"]
