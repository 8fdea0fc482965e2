"""环境污染举报: the service item of 东莞市生态环境局 (department ``dongguan-ecology``), in Python.

A citizen or an enterprise reports pollution (air, water, noise, solid waste, radiation …): where,
what was seen and when, optionally naming the polluting unit by its unified social credit code
(统一社会信用代码). ``submit`` checks the code, reads the unit from the registry of key pollutant
discharging units (``pollution-sources``, 重点排污单位), sets the report's priority and tells the
reporter the report was received. A reviewer of the bureau accepts it for investigation
(已受理) and concludes it with the finding (已办结), or rejects it (不予受理); each step is sent to
the reporter.

Built with componentize-py on the Python SDK (``yiwang.py``, a symlink to
``wit/sdk-python/yiwang.py``); see README.md.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Optional

import yiwang
from yiwang import Actor, CallContext, Case, Role, field_error

CODE = "environment-report"
VERSION = "1.0.0"
NAME = "环境污染举报"
DEPARTMENT = "dongguan-ecology"

DATASET = "pollution-sources"
"""The registry of key pollutant discharging units (重点排污单位), keyed by credit code."""
PURPOSE = "环境污染举报：核实被举报单位排污许可信息"
"""How a registry read appears in the unit's data-use ledger."""

POLLUTION_KINDS = ["大气污染", "水污染", "噪声污染", "固体废物污染", "辐射污染", "土壤污染", "生态破坏", "其他"]
RADIATION = "辐射污染"

SUBMITTED, ACCEPTED, CONCLUDED, REJECTED = "submitted", "accepted", "concluded", "rejected"
ACCEPT, CONCLUDE, REJECT = "accept", "conclude", "reject"

URGENT, NORMAL = "urgent", "normal"
PRIORITY_LABELS = {URGENT: "紧急", NORMAL: "一般"}

# GB 32100-2015: the 31 characters of a unified social credit code and the weights of its first 17.
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
CREDIT_PATTERN = "^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$"

FORM_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": NAME,
    "type": "object",
    "additionalProperties": False,
    "required": ["pollution_kind", "location", "description", "observed_at", "anonymous"],
    "properties": {
        "pollution_kind": {
            "type": "string",
            "title": "污染类型",
            "enum": POLLUTION_KINDS,
        },
        "location": {
            "type": "string",
            "title": "污染发生地点",
            "description": "镇街、村（社区）、路名门牌或明显参照物，如 东莞市长安镇某某工业区3号厂房东侧排水口",
            "minLength": 5,
            "maxLength": 200,
        },
        "description": {
            "type": "string",
            "title": "污染情况描述",
            "description": "看到、听到或闻到的情况：排放物的颜色、气味、声音、持续时间等",
            "minLength": 10,
            "maxLength": 2000,
        },
        "observed_at": {
            "type": "string",
            "title": "发现时间",
            "description": "如 2026-12-06 或 2026-12-06 21:30",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}( [0-9]{2}:[0-9]{2})?$",
        },
        "credit_code": {
            "type": "string",
            "title": "被举报单位统一社会信用代码（选填）",
            "description": "18位，见营业执照或单位门前公示牌；不清楚可不填",
            "pattern": CREDIT_PATTERN,
        },
        "enterprise_name": {
            "type": "string",
            "title": "被举报单位名称（选填）",
            "maxLength": 100,
        },
        "contact_phone": {
            "type": "string",
            "title": "联系电话（选填）",
            "description": "便于执法人员向您了解情况",
            "pattern": "^1[3-9][0-9]{9}$",
        },
        "anonymous": {
            "type": "boolean",
            "title": "对被举报单位保密举报人身份",
        },
    },
}


def credit_code_problem(code: str) -> Optional[str]:
    """Why ``code`` is not a unified social credit code (GB 32100-2015), or ``None``."""
    if len(code) != 18:
        return "统一社会信用代码应为18位。"
    if any(c not in CREDIT_ALPHABET for c in code):
        return "统一社会信用代码只含数字和大写字母（不含 I、O、Z、S、V）。"
    if not code[2:8].isdigit():
        return "统一社会信用代码第3至8位应为行政区划代码（数字）。"
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(code[:17], CREDIT_WEIGHTS))
    if CREDIT_ALPHABET[(31 - total % 31) % 31] != code[17]:
        return "统一社会信用代码校验位不正确，请核对后重新填写。"
    return None


def observed_on(text: str) -> Optional[date]:
    """The date part of ``observed_at`` (``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM``), if it is a date."""
    try:
        day = date.fromisoformat(text[:10])
    except ValueError:
        return None
    if len(text) > 10:
        hour, _, minute = text[11:].partition(":")
        if not (hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60):
            return None
    return day


def priority(kind: str, enterprise: Optional[dict[str, Any]]) -> tuple[str, list[str]]:
    """A report's priority and why: radiation, or a key monitored unit, is urgent."""
    reasons = []
    if kind == RADIATION:
        reasons.append("radiation")
    if enterprise and enterprise.get("key_monitored") is True:
        reasons.append("key-monitored-unit")
    return (URGENT if reasons else NORMAL), reasons


class Item(yiwang.Item):
    """环境污染举报."""

    def info(self) -> yiwang.ItemInfo:
        info = yiwang.item_info(CODE, VERSION, NAME, DEPARTMENT)
        info.summary = (
            "公民、法人和其他组织发现污染环境和破坏生态行为的，可在线向东莞市生态环境局举报："
            "填写污染类型、地点、发现时间和现场情况，知道被举报单位的可填写其统一社会信用代码。"
            "系统核对重点排污单位名录并确定办理优先级，辐射污染和重点排污单位的举报优先处理；"
            "生态环境局在5个工作日内决定是否受理，受理后调查处理并将处理结果告知举报人。"
            "举报人可要求对被举报单位保密身份。也可拨打 12369 环保举报热线。"
        )
        info.legal_basis = [
            "《中华人民共和国环境保护法》第五十七条",
            "《环境信访办法》（国家环境保护总局令第34号）",
            "《生态环境部关于实施生态环境违法行为举报奖励制度的指导意见》（环办执法〔2020〕8号）",
        ]
        info.audience = "公民、法人和其他组织"
        info.materials = [
            yiwang.material("现场照片或视频", "能反映污染情况的照片或视频，选填。", required=False),
        ]
        info.statutory_days = 60
        info.promised_days = 30
        info.channels = ["web", "mobile", "wechat"]
        info.form_schema = FORM_SCHEMA
        info.workflow = yiwang.Workflow(
            initial=SUBMITTED,
            states=[
                yiwang.state(SUBMITTED, "待受理", sla_days=5),
                yiwang.state(ACCEPTED, "已受理（调查处理中）", sla_days=25),
                yiwang.terminal(CONCLUDED, "已办结"),
                yiwang.terminal(REJECTED, "不予受理"),
            ],
            actions=[
                yiwang.action(ACCEPT, "受理", [SUBMITTED], [ACCEPTED], [Role.REVIEWER]),
                yiwang.action(
                    CONCLUDE, "办结", [ACCEPTED], [CONCLUDED], [Role.REVIEWER], comment_required=True
                ),
                yiwang.action(
                    REJECT, "不予受理", [SUBMITTED], [REJECTED], [Role.REVIEWER], comment_required=True
                ),
            ],
        )
        return info

    def submit(self, ctx: CallContext, applicant: Actor, form: dict[str, Any]) -> dict[str, Any]:
        errors = []
        day = observed_on(form["observed_at"])
        if day is None:
            errors.append(field_error("observed_at", "invalid-time", "发现时间不是有效的日期或时间。"))
        elif day > yiwang.today(ctx):
            errors.append(field_error("observed_at", "observed-in-future", "发现时间不能晚于今天。"))
        code = form.get("credit_code", "").strip().upper()
        if code:
            problem = credit_code_problem(code)
            if problem:
                errors.append(field_error("credit_code", "invalid-credit-code", problem))
        yiwang.raise_fields(errors)

        enterprise = None
        if code:
            record = yiwang.lookup_json(DATASET, code, PURPOSE)
            enterprise = {"credit_code": code, "found": record is not None}
            if record is not None:
                enterprise.update(
                    name=record.get("name"),
                    permit_number=record.get("permit_number"),
                    key_monitored=record.get("key_monitored") is True,
                    industry=record.get("industry"),
                )
        level, reasons = priority(form["pollution_kind"], enterprise)

        number = ctx.case_number or "（待分配）"
        yiwang.notify_applicant(
            "环境污染举报已收到",
            f"您提交的{form['pollution_kind']}举报（编号 {number}）已收到。东莞市生态环境局将在5个工作日内"
            "决定是否受理，受理后依法调查处理，并将处理结果告知您。"
            + ("按您的要求，您的身份将对被举报单位保密。" if form["anonymous"] else ""),
        )
        return {
            "pollution_kind": form["pollution_kind"],
            "observed_on": day.isoformat(),
            "enterprise": enterprise,
            "priority": level,
            "priority_label": PRIORITY_LABELS[level],
            "priority_reasons": reasons,
            "anonymous": form["anonymous"],
        }

    def on_action(
        self,
        ctx: CallContext,
        actor: Actor,
        case: Case,
        action: str,
        comment: Optional[str],
        input: dict[str, Any],
    ) -> yiwang.Transition:
        kind = case.form.get("pollution_kind", "环境污染")
        derived = dict(case.derived)
        if action == ACCEPT:
            derived["accepted_on"] = ctx.today
            yiwang.notify_applicant(
                "环境污染举报已受理",
                f"您的{kind}举报（编号 {case.number}）已受理，生态环境部门正在调查处理，办结后将告知处理结果。",
            )
            return yiwang.transition(ACCEPTED, "举报已受理，调查处理中。", derived)
        if action == CONCLUDE:
            finding = yiwang.reason(comment)
            derived.update(finding=finding, concluded_on=ctx.today)
            yiwang.notify_applicant(
                "环境污染举报已办结",
                f"您的{kind}举报（编号 {case.number}）已办结。调查处理结果：{finding}",
            )
            return yiwang.transition(CONCLUDED, f"已办结。调查处理结果：{finding}", derived)
        if action == REJECT:
            why = yiwang.reason(comment)
            derived.update(rejection_reason=why, rejected_on=ctx.today)
            yiwang.notify_applicant(
                "环境污染举报不予受理",
                f"您的{kind}举报（编号 {case.number}）不予受理，理由：{why}。如有新的线索，可重新举报或拨打 12369。",
            )
            return yiwang.transition(REJECTED, f"不予受理：{why}", derived)
        yiwang.refuse(f"未知的操作：{action}")
