"""The suggested topics an office starts from: what citizens' comments on government units
are commonly about, with the words that name each (data, copied into an evaluation's rules)."""

from __future__ import annotations

# (code, Chinese name, English name, keywords)
DEFAULT_TOPICS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    (
        "attitude",
        "服务态度",
        "Service attitude",
        ("态度", "服务态度", "热情", "耐心", "不耐烦", "冷漠", "推诿", "脸色"),
    ),
    (
        "efficiency",
        "办事效率",
        "Efficiency",
        ("效率", "办事效率", "拖延", "排队", "等待", "太慢", "跑腿", "多次"),
    ),
    ("procedures", "审批手续", "Procedures", ("审批", "材料", "手续", "证明", "流程", "简化")),
    (
        "online",
        "网上办事",
        "Online services",
        ("网上", "网上办理", "线上", "app", "小程序", "一网通办"),
    ),
    ("hours", "服务时间", "Opening hours", ("服务时间", "节假日", "周末", "延长", "下班", "午休")),
    (
        "hygiene",
        "环境卫生",
        "Cleanliness",
        ("环境卫生", "卫生", "垃圾", "脏", "脏乱差", "厕所", "公厕"),
    ),
    ("fees", "收费", "Fees", ("收费", "乱收费", "费用", "罚款")),
    ("parking", "停车", "Parking", ("停车", "停车位", "车位", "停车场", "乱停车")),
    ("noise", "噪音", "Noise", ("噪音", "噪声", "扰民", "施工")),
    ("information", "政策宣传", "Policy information", ("政策", "宣传", "公开", "告知")),
)
