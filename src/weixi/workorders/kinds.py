"""Enumerations of the work-order domain (pure)."""

from __future__ import annotations

from enum import StrEnum


class WorkOrderKind(StrEnum):
    WARNING = "warning"  # 预警工单: retention
    ONBOARDING_CARE = "onboarding_care"  # 导入期关怀
    COMPLAINT = "complaint"  # 投诉
    FAULT = "fault"  # 故障
    INSTALL = "install"  # 装机
    MOVE = "move"  # 移机
    REPAIR = "repair"  # 修机
    CALLBACK = "callback"  # 回访 (e.g. exit callback for churned customers)
    HOT_ISSUE_FIX = "hot_issue_fix"  # 热点问题整改
    NETWORK_CARE = "network_care"  # 网络关怀
    HANDOVER = "handover"  # 客户经理交接


class Status(StrEnum):
    NEW = "new"
    DISPATCHED = "dispatched"
    ACCEPTED = "accepted"
    WAITING_CUSTOMER = "waiting_customer"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class PoolKind(StrEnum):
    """Where a dispatch rule sends an order."""

    ACCOUNT_MANAGER = "account_manager"  # the customer's own account manager
    COUNTY_TEAM = "county_team"  # account-manager team of the customer's county
    DEPARTMENT = "department"  # a department queue (network, billing, …)
    EXPERT_SEATS = "expert_seats"  # 10010 expert seats
    HALL = "hall"  # the hall that logged it


class Department(StrEnum):
    NETWORK = "network"
    BILLING = "billing"
    MARKETING = "marketing"
    IT = "it"
    FIXED_LINE = "fixed_line"


class Category(StrEnum):
    """Complaint categories; MIIT publishes appeals as service / network / billing."""

    NETWORK = "network"
    BILLING = "billing"
    SERVICE = "service"
    PRODUCT = "product"
    FIXED_LINE_TIMELINESS = "fixed_line_timeliness"
    OTHER = "other"


#: Kinds that close only after a callback in which the customer confirms resolution (闭环).
CLOSED_LOOP_KINDS: frozenset[WorkOrderKind] = frozenset(
    {
        WorkOrderKind.COMPLAINT,
        WorkOrderKind.FAULT,
        WorkOrderKind.INSTALL,
        WorkOrderKind.MOVE,
        WorkOrderKind.REPAIR,
    }
)

OPEN_STATUSES: frozenset[Status] = frozenset(
    {
        Status.NEW,
        Status.DISPATCHED,
        Status.ACCEPTED,
        Status.WAITING_CUSTOMER,
        Status.RESOLVED,
        Status.REOPENED,
    }
)
