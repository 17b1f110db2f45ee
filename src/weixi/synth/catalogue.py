"""Fixed catalogues of the synthetic operator: tariff plans, handsets, names and contact texts.

3G prices follow telecom-domain.md §3.2 (China Unicom's October 2009 launch tiers, the 66-yuan
student plan, and the uncertain 2010 46/66-yuan entry tiers). 2G, fixed-line and broadband
prices are plausible 2010 Shandong values that no source in this project confirms: they are
marked ``uncertain`` and only shape the synthetic data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from weixi.ingest.schema import ProductKind


@dataclass(frozen=True)
class Plan:
    code: str
    name: str
    kind: ProductKind
    monthly_fee: float
    voice_minutes: int
    data_mb: int
    launched_on: dt.date
    share: float
    """Share of the kind's customers on this plan (synthetic mix)."""
    uncertain: bool


_3G_LAUNCH = dt.date(2009, 10, 1)
_2010 = dt.date(2010, 1, 1)
_OLD = dt.date(2000, 1, 1)
_3G = ProductKind.MOBILE_3G
_2G = ProductKind.MOBILE_2G

PLANS: tuple[Plan, ...] = (
    Plan("3G-ST-66", "沃3G学生套餐66元", _3G, 66, 300, 300, _3G_LAUNCH, 0.07, False),
    Plan("3G-A-46", "沃3G A计划46元", _3G, 46, 50, 150, _2010, 0.10, True),
    Plan("3G-A-66", "沃3G A计划66元", _3G, 66, 50, 300, _2010, 0.12, True),
    Plan("3G-96", "沃3G基本套餐96元", _3G, 96, 260, 300, _3G_LAUNCH, 0.24, False),
    Plan("3G-126", "沃3G基本套餐126元", _3G, 126, 320, 400, _3G_LAUNCH, 0.17, False),
    Plan("3G-156", "沃3G基本套餐156元", _3G, 156, 420, 500, _3G_LAUNCH, 0.10, False),
    Plan("3G-186", "沃3G基本套餐186元", _3G, 186, 510, 650, _3G_LAUNCH, 0.08, False),
    Plan("3G-226", "沃3G基本套餐226元", _3G, 226, 700, 750, _3G_LAUNCH, 0.04, False),
    Plan("3G-286", "沃3G基本套餐286元", _3G, 286, 900, 950, _3G_LAUNCH, 0.03, False),
    Plan("3G-386", "沃3G基本套餐386元", _3G, 386, 1250, 1300, _3G_LAUNCH, 0.02, False),
    Plan("3G-586", "沃3G基本套餐586元", _3G, 586, 1950, 2000, _3G_LAUNCH, 0.02, False),
    Plan("3G-886", "沃3G基本套餐886元", _3G, 886, 3000, 3000, _3G_LAUNCH, 0.01, False),
    Plan("2G-RYT-0", "如意通标准资费", _2G, 0, 0, 0, _OLD, 0.38, True),
    Plan("2G-RYT-18", "如意通18元套餐", _2G, 18, 100, 10, _OLD, 0.22, True),
    Plan("2G-SJF-38", "世界风38元套餐", _2G, 38, 200, 30, _OLD, 0.18, True),
    Plan("2G-SJF-58", "世界风58元套餐", _2G, 58, 350, 50, _OLD, 0.12, True),
    Plan("2G-SJF-88", "世界风88元套餐", _2G, 88, 600, 100, _OLD, 0.07, True),
    Plan("2G-SJF-128", "世界风128元套餐", _2G, 128, 1000, 150, _OLD, 0.03, True),
    Plan("FX-25", "固定电话月租25元", ProductKind.FIXED_LINE, 25, 0, 0, _OLD, 1.0, True),
    Plan("BB-1M-60", "宽带1M包月60元", ProductKind.BROADBAND, 60, 0, 0, _OLD, 0.35, True),
    Plan("BB-2M-80", "宽带2M包月80元", ProductKind.BROADBAND, 80, 0, 0, _OLD, 0.50, True),
    Plan("BB-4M-100", "宽带4M包月100元", ProductKind.BROADBAND, 100, 0, 0, _OLD, 0.15, True),
)


def plans_of(kind: ProductKind) -> tuple[Plan, ...]:
    return tuple(p for p in PLANS if p.kind == kind)


IPHONE_3GS_ON = dt.date(2009, 10, 30)
"""China Unicom began selling the iPhone 3GS in China."""
IPHONE_4_ON = dt.date(2010, 9, 25)

DEVICES_2G = (
    "Nokia 1208", "Nokia 2630", "Nokia 5130", "Nokia 6300", "Nokia 2700c", "Samsung E1100",
    "Samsung E2210", "Motorola W230", "Lenovo i908", "Amoi A60", "Tianyu K-Touch A630",
)  # fmt: skip
DEVICES_3G = (
    "Samsung I9000", "Samsung W699", "HTC Desire", "Motorola XT800", "Nokia 5230", "Nokia N97",
    "Huawei U8500", "ZTE U880", "Coolpad 5820", "LG KM900", "Sony Ericsson X10",
)  # fmt: skip

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏建红波辉宁斌宇浩凯健俊帆帅旭鑫琳雪丹梅"
    "慧颖峰海燕东亮晶飞志文博欣佳晨阳婷玲林"
)

CONTACT_TEXTS: dict[str, tuple[str, ...]] = {
    "network": (
        "家里信号差，经常掉话", "3G上网速度慢", "室内没有信号", "通话断断续续，有杂音",
        "小区附近基站信号弱", "手机经常显示无服务", "视频通话接不通", "上网经常掉线",
    ),
    "billing": (
        "本月话费异常偏高", "不认可流量费用", "套餐外费用不清楚", "被扣了不明增值业务费",
        "国际漫游费用太高", "预存话费未到账", "月租扣费有误",
    ),
    "service": (
        "营业厅排队时间太长", "客服人员态度不好", "问题反映多次没人处理", "客户经理联系不上",
        "回访承诺没有兑现",
    ),
    "product": (
        "套餐变更没有生效", "iPhone功能设置问题", "积分兑换失败", "合约机优惠未兑现",
        "手机上网设置不会用",
    ),
    "fixed_line_timeliness": (
        "宽带报修超过时限未修复", "固话装机一直没人上门", "移机超时未完成", "宽带安装延期",
    ),
    "enquiry": (
        "查询话费余额", "咨询3G套餐资费", "咨询iPhone合约计划", "查询积分", "咨询国际漫游开通",
        "咨询宽带资费", "查询本月流量",
    ),
    "transaction": ("办理套餐变更", "缴纳话费", "补换SIM卡", "开通国际漫游", "办理停机保号"),
    "suggestion": ("建议增加营业厅网点", "建议延长营业时间", "建议优化短信提醒"),
    "fault_network": ("手机无法上网", "无法拨打电话", "短信发不出去"),
    "fault_fixed_line": ("宽带无法连接", "固话无拨号音", "宽带速度很慢"),
}  # fmt: skip
