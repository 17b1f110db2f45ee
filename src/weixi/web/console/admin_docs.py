"""The configuration documents an administrator edits, each validated before a new version.

Documents are JSON or TOML text. Dispatch rules, SLA policies and callback scripts are
checked by the same functions the work-order, callback and tiering code use to load them,
so a saved version can always be used.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from weixi.callbacks.default_scripts import DEFAULT_SCRIPTS
from weixi.callbacks.script import script_from_dict, script_to_dict, validate_script
from weixi.callbacks.service import script_document
from weixi.customers.tiers import parse_tier_rules, read_toml
from weixi.errors import ValidationFailed
from weixi.web.console.i18n import N_
from weixi.workorders.dispatch import DEFAULT_RULES, rules_from_dicts
from weixi.workorders.service import DISPATCH_RULES
from weixi.workorders.sla_defaults import rule_from_mapping
from weixi.workorders.sla_service import SLA_POLICIES

TIER_RULES = "tier_rules"
Body = dict[str, Any]


@dataclass(frozen=True)
class DocumentKind:
    """One editable document: its stored name, title (message id), default and validator."""

    name: str
    title: str
    default: Callable[[], Body]
    validate: Callable[[Body], Body]


def parse(text: str) -> Body:
    """JSON if it looks like JSON, else TOML; a table at the top either way."""
    stripped = text.strip()
    try:
        data = json.loads(stripped) if stripped.startswith("{") else tomllib.loads(stripped)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ValidationFailed(f"cannot read the text: {exc}") from exc
    if not isinstance(data, dict):
        raise ValidationFailed("the document must be a table (a JSON object)")
    return data


def _rules_list(body: Body, *aliases: str) -> list[dict[str, Any]]:
    for key in ("rules", *aliases):
        if key in body:
            rules = body[key]
            if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
                raise ValidationFailed(f"'{key}' must be a list of tables")
            return rules
    raise ValidationFailed("the document needs a 'rules' list")


def _validate_dispatch(body: Body) -> Body:
    rules = _rules_list(body)
    if not rules:
        raise ValidationFailed("at least one dispatch rule is needed")
    rules_from_dicts(0, rules)
    return {"rules": rules}


def _validate_sla(body: Body) -> Body:
    rules = _rules_list(body, "rule")
    for index, rule in enumerate(rules, start=1):
        try:
            rule_from_mapping(rule)
        except (KeyError, ValueError) as exc:
            raise ValidationFailed(f"SLA rule {index}: {exc}") from exc
    return {"rules": rules}


def _validate_tiers(body: Body) -> Body:
    try:
        parse_tier_rules(body)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValidationFailed(f"tier rules: {exc}") from exc
    return body


def _script_kind(code: str) -> DocumentKind:
    closed_loop = code == "resolution"

    def validate(body: Body) -> Body:
        if body.get("code") != code:
            raise ValidationFailed(f"the script's code must stay '{code}'")
        try:
            script = script_from_dict({**body, "version": 1})
        except (KeyError, TypeError, ValueError) as exc:
            raise ValidationFailed(f"the script is incomplete: {exc}") from exc
        validate_script(script, closed_loop=closed_loop)
        return {k: v for k, v in script_to_dict(script).items() if k != "version"}

    def default() -> Body:
        return {k: v for k, v in script_to_dict(DEFAULT_SCRIPTS[code]).items() if k != "version"}

    return DocumentKind(script_document(code), N_("Callback script"), default, validate)


DOCUMENTS: dict[str, DocumentKind] = {
    DISPATCH_RULES: DocumentKind(
        DISPATCH_RULES, N_("Dispatch rules"), lambda: {"rules": DEFAULT_RULES}, _validate_dispatch
    ),
    SLA_POLICIES: DocumentKind(
        SLA_POLICIES, N_("SLA policies"), lambda: {"rules": []}, _validate_sla
    ),
    TIER_RULES: DocumentKind(
        TIER_RULES, N_("Tier rules"), lambda: read_toml(None, "tier_rules.toml"), _validate_tiers
    ),
    **{script_document(code): _script_kind(code) for code in sorted(DEFAULT_SCRIPTS)},
}
