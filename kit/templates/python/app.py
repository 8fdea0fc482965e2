"""{{name}}: a service item of {{department}}, in Python on the Yiwang SDK (yiwang.py).

A citizen fills in the form; ``submit`` reads the applicant's household registration
(``household-registry``, keyed by their ID number), keeps what it found with the case and tells
the applicant the application was received; a reviewer then completes or rejects it (the SDK's
default workflow). Build, test, sign and upload: see README.md.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import yiwang
from yiwang import Actor, CallContext, field_error

CODE = "{{code}}"
VERSION = "0.1.0"  # raise it for every upload: the host takes only versions above the last
NAME = "{{name}}"
DEPARTMENT = "{{department}}"

HOUSEHOLD_REGISTRY = "household-registry"
PURPOSE = f"{NAME}：核验申请人户籍信息"  # shown to the applicant in their data-use ledger

FORM_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": NAME,
    "type": "object",
    "additionalProperties": False,
    "required": ["topic", "phone", "preferred_date"],
    "properties": {
        "topic": {"type": "string", "title": "申请事项说明", "minLength": 2, "maxLength": 500},
        "phone": {"type": "string", "title": "手机号码", "pattern": "^1[3-9][0-9]{9}$"},
        "preferred_date": {
            "type": "string",
            "title": "希望办理日期",
            "description": "如 2026-12-31，不早于今天",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
        },
    },
}


class Item(yiwang.Item):
    """{{name}}. componentize-py exports the class named ``Item`` of the ``app`` module."""

    def info(self) -> yiwang.ItemInfo:
        # The SDK's defaults: summary = name, 群众和企业, 20/10 working days, web and mobile, free,
        # and the workflow submitted → approve → completed | reject (reason) → rejected.
        info = yiwang.item_info(CODE, VERSION, NAME, DEPARTMENT)
        info.legal_basis.append("《国务院关于加快推进“互联网+政务服务”工作的指导意见》（国发〔2016〕55号）")
        info.form_schema = FORM_SCHEMA
        return info

    def submit(self, ctx: CallContext, applicant: Actor, form: dict[str, Any]) -> dict[str, Any]:
        # The host has checked the form against FORM_SCHEMA; check what a schema cannot.
        try:
            preferred = date.fromisoformat(form["preferred_date"])
        except ValueError:
            raise yiwang.Fields(field_error("preferred_date", "invalid-date", "请填写有效的日期。"))
        if preferred < yiwang.today(ctx):
            raise yiwang.Fields(field_error("preferred_date", "date-in-past", "希望办理日期不能早于今天。"))

        if not applicant.id_number:
            yiwang.refuse("您的账号尚未登记居民身份证号码，请完成实名认证后再申请。")
        household = yiwang.lookup_json(HOUSEHOLD_REGISTRY, applicant.id_number, PURPOSE)
        if household is None:
            yiwang.refuse("未查询到您的户籍登记信息，请到户籍所在地派出所核实后再申请。")

        yiwang.notify_applicant(
            f"{NAME}：申请已收到",
            f"您的申请（{NAME}，编号 {ctx.case_number}）已收到，我们将尽快办理。",
        )
        # Returned as the case's derived data (serialised to JSON by the SDK).
        return {"household_address": household.get("address"), "preferred_date": form["preferred_date"]}
