"""The callback scripts weixi ships with (version 1 of each); operators may publish new versions.

Chinese text first (Simplified), English alongside. Score questions use the five-point scale
1 (very dissatisfied) … 5 (very satisfied).
"""

from __future__ import annotations

from weixi.callbacks.script import END, CallbackScript, Choice, Question, QuestionType

YES_NO, SCORE, CHOICE, TEXT = (
    QuestionType.YES_NO,
    QuestionType.SCORE,
    QuestionType.CHOICE,
    QuestionType.TEXT,
)
_SCALE_ZH = "请按1到5分评价，5分为非常满意。"
_SCALE_EN = "Please answer from 1 to 5, where 5 means very satisfied."

RESOLUTION_CALLBACK = CallbackScript(
    code="resolution",
    version=1,
    name_zh="投诉/故障处理回访",
    name_en="Complaint and fault resolution callback",
    confirmation="resolved",
    satisfaction=("handling", "attitude"),
    questions=(
        Question(
            "resolved",
            YES_NO,
            "您反映的问题现在是否已经解决？",
            "Has the problem you reported been resolved?",
            next={"no": "remaining"},
            default_next="handling",
        ),
        Question(
            "remaining",
            TEXT,
            "请问还有哪些问题没有解决？",
            "What is still not resolved?",
        ),
        Question(
            "handling",
            SCORE,
            "您对本次问题的处理过程满意吗？" + _SCALE_ZH,
            "How satisfied are you with how the problem was handled? " + _SCALE_EN,
        ),
        Question(
            "attitude",
            SCORE,
            "您对工作人员的服务态度满意吗？" + _SCALE_ZH,
            "How satisfied are you with the staff's attitude? " + _SCALE_EN,
        ),
    ),
)

RETENTION_REASONS = (
    Choice("network", "网络信号或质量", "Network coverage or quality"),
    Choice("billing", "账单或计费问题", "Bill or charging problems"),
    Choice("service", "服务问题", "Customer service"),
    Choice("price", "资费价格偏高", "Price too high"),
    Choice("competitor_offer", "其他运营商的优惠", "A competitor's offer"),
    Choice("device", "手机终端问题", "Handset or device"),
    Choice("moving", "搬迁或长期外出", "Moving away"),
    Choice("other", "其他原因", "Other"),
)

RETENTION_CALLBACK = CallbackScript(
    code="retention",
    version=1,
    name_zh="预警挽留回访",
    name_en="Retention (warning order) callback",
    # A warning order is resolved when the customer stays: accepting the offer confirms it.
    confirmation="offer_accepted",
    satisfaction=("score",),
    questions=(
        Question(
            "reason",
            CHOICE,
            "请问您主要对哪方面不满意？",
            "What are you mainly dissatisfied with?",
            choices=RETENTION_REASONS,
            next={"other": "reason_other"},
            default_next="offer_accepted",
        ),
        Question("reason_other", TEXT, "请具体说一说原因。", "Please tell us the reason."),
        Question(
            "offer_accepted",
            YES_NO,
            "您是否愿意接受我们为您提供的方案？",
            "Do you accept the offer we made you?",
        ),
        Question(
            "score",
            SCORE,
            "您对本次沟通满意吗？" + _SCALE_ZH,
            "How satisfied are you with this conversation? " + _SCALE_EN,
        ),
    ),
)

ONBOARDING_CALLBACK = CallbackScript(
    code="onboarding",
    version=1,
    name_zh="新入网关怀回访",
    name_en="Onboarding care callback",
    satisfaction=("score",),
    questions=(
        Question(
            "manual",
            YES_NO,
            "办理业务时，工作人员是否向您提供了使用手册或业务说明？",
            "Were you given the user manual or service description when you signed up?",
        ),
        Question(
            "demo",
            YES_NO,
            "工作人员是否为您演示了手机和业务的使用方法？",
            "Did our staff show you how to use the handset and the services?",
        ),
        Question(
            "score",
            SCORE,
            "您对入网以来的服务满意吗？" + _SCALE_ZH,
            "How satisfied are you with our service since you joined? " + _SCALE_EN,
        ),
    ),
)

#: Exit reasons: the churn-reason taxonomy of telecom-domain.md §3.6, values in lower case.
EXIT_REASONS = (
    Choice("network_coverage", "信号覆盖不好", "Poor coverage"),
    Choice("network_quality", "通话或上网质量差（掉话、网速慢）", "Poor quality (drops, speed)"),
    Choice("price_tariff", "资费太贵", "Prices and tariffs"),
    Choice("billing_dispute", "计费或账单有争议", "Billing dispute"),
    Choice("customer_service", "对服务不满意", "Customer service"),
    Choice("competitor_offer", "其他运营商优惠更好", "A competitor's better offer"),
    Choice("device_handset", "手机终端原因", "Handset or device"),
    Choice("relocation", "搬迁或离开本地", "Moved away"),
    Choice("contract_end", "合约到期", "Contract ended"),
    Choice("involuntary_nonpayment", "欠费停机", "Suspended for non-payment"),
    Choice("other", "其他原因", "Other or unknown"),
)

#: MIIT's three appeal classes (§3.3) for the exit reasons that map onto one.
EXIT_REASON_MIIT_CLASS: dict[str, str] = {
    "network_coverage": "network_quality",  # 网络质量
    "network_quality": "network_quality",
    "price_tariff": "billing_dispute",  # 收费争议
    "billing_dispute": "billing_dispute",
    "customer_service": "user_service",  # 用户服务
}

EXIT_CALLBACK = CallbackScript(
    code="exit",
    version=1,
    name_zh="离网客户回访",
    name_en="Exit callback for churned customers",
    questions=(
        Question(
            "reason",
            CHOICE,
            "请问您停止使用我们服务的主要原因是什么？",
            "What is the main reason you stopped using our service?",
            choices=EXIT_REASONS,
            next={"other": "reason_other"},
            default_next="come_back",
        ),
        Question("reason_other", TEXT, "请具体说一说原因。", "Please tell us the reason."),
        Question(
            "come_back",
            TEXT,
            "如果条件合适，您是否愿意再次使用我们的服务？请谈谈您的想法。",
            "Would you come back to us, and on what terms? In your own words.",
            required=False,
            default_next=END,
        ),
    ),
)

DEFAULT_SCRIPTS: dict[str, CallbackScript] = {
    script.code: script
    for script in (RESOLUTION_CALLBACK, RETENTION_CALLBACK, ONBOARDING_CALLBACK, EXIT_CALLBACK)
}
#: Scripts that close the loop (闭环): the customer confirms resolution in them.
CLOSED_LOOP_SCRIPTS = frozenset({RESOLUTION_CALLBACK.code})
