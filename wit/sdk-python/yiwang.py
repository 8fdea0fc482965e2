"""Write Yiwang service items in Python, against the contract ``yiwang:service@0.2.0``.

``yiwang_sdk`` 0.2.0 for Python: one pure-Python module, versioned like the contract and the Rust
SDK (``wit/sdk-rust``), whose helpers it mirrors. componentize-py generates the bindings module
``wit_world`` from the item's own world (``wit/world.wit``) at build time; this module wraps it.

The minimal item, a whole ``app.py``::

    import yiwang

    class Item(yiwang.Item):
        def info(self) -> yiwang.ItemInfo:
            info = yiwang.item_info("minimal-item", "1.0.0", "最小事项", "demo-dept")
            info.legal_basis.append("《示例办法》")
            return info

The class must be called ``Item`` and live in the module given to ``componentize-py
componentize`` (``app``). Only :meth:`Item.info` is required; ``submit``, ``on_action``,
``query`` and ``batch`` have defaults like the Rust SDK's, and an item overrides them with plain
Python values: the form, inputs and case data arrive as dicts, and what the item returns (a dict of
derived data, a state name, a dict of query output) is serialised to JSON for the host.

Errors are raised: :class:`Fields` (field errors for the applicant; :func:`field_error` builds
one), :func:`refuse` and :func:`fail`; the adapter turns each into componentize-py's
``Err(...)`` carrying the WIT ``submit-error`` or ``item-error``. Any other exception becomes
``item-error::failed`` naming its type and where it was raised.

The host interfaces are reached through helpers (:func:`lookup_json`, :func:`notify_applicant`,
:func:`get_record`, ...). The item's world (``wit/world.wit``) alone decides what the component
imports: componentize-py imports every interface the world lists and generates a binding only for
those, so this module imports each binding if it exists, and a helper whose interface the world
lacks fails the call naming it. An item whose world lacks an interface still builds, and the SDK
never adds an import: the host refuses a component importing an interface its grants do not cover.
"""

from __future__ import annotations

import json
import sys
import traceback
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Iterable, NoReturn, Optional, Sequence, Union

from componentize_py_types import Err
from wit_world import exports
from wit_world.imports import types

# The host interfaces the item's world imports. componentize-py generates a binding module only
# for the interfaces the world lists, and a component imports every interface its world lists
# whether the code calls it or not; so the world (``wit/world.wit``) alone decides the imports,
# and a module missing here means the world does not import that interface. They are imported
# now, while componentize-py pre-initialises the app at build time: a module first imported
# during a call is not found (the build's file system is gone by then).
try:
    from wit_world.imports import registries as _registries
except ImportError:
    _registries = None
try:
    from wit_world.imports import notify as _notify
except ImportError:
    _notify = None
try:
    from wit_world.imports import records as _records
except ImportError:
    _records = None
try:
    from wit_world.imports import certificates as _certificates
except ImportError:
    _certificates = None
try:
    from wit_world.imports import delivery as _delivery
except ImportError:
    _delivery = None
try:
    from wit_world.imports import log as _log
except ImportError:
    _log = None

__version__ = "0.2.0"
"""The SDK's version: 0.2.x builds items for contract ``yiwang:service@0.2.0``."""

CONTRACT = "yiwang:service@0.2.0"
"""The WIT package and version the SDK targets."""

# The WIT records an item handles, under their own names.
Role = types.Role
Actor = types.Actor
CallContext = types.CallContext
FieldError = types.FieldError
ItemInfo = types.ItemInfo
Workflow = types.Workflow
State = types.State
Action = types.Action
Material = types.Material
Fee = types.Fee
Label = types.Label
Labels = types.Labels
CaseInfo = types.CaseInfo
Accepted = types.Accepted
Transition = types.Transition
Step = types.Step
Decision = types.Decision

SUBMITTED = "submitted"
"""The state a case starts in under the default workflow."""
COMPLETED = "completed"
"""The default workflow's end state for an approved case."""
REJECTED = "rejected"
"""The default workflow's end state for a refused case."""

INVALID_FORM = "invalid-form"
"""The stable code of a form (or input) that is not a JSON object."""

JsonObject = dict
"""A JSON object as Python sees it (``dict[str, Any]``)."""


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


class ItemException(Exception):
    """An answer the item gives by raising: the adapter turns it into the WIT error.

    Raise a subclass (:class:`Fields`, :class:`Refused`, :class:`Failed`), or use the helpers
    :func:`refuse` and :func:`fail`.
    """

    def item_error(self) -> types.ItemError:
        """The error as an ``item-error`` (``on-action``, ``query``, ``batch``)."""
        raise NotImplementedError

    def submit_error(self) -> types.SubmitError:
        """The error as a ``submit-error``; anything but field errors is ``submit-error::item``."""
        return types.SubmitError_Item(self.item_error())


class Fields(ItemException):
    """Field errors the applicant can correct (HTTP 422).

    In ``submit`` it is ``submit-error::fields``; in an action, query or batch it is
    ``item-error::invalid``. Give one or more :class:`FieldError` (or lists of them)::

        raise yiwang.Fields(yiwang.field_error("place", "too-vague", "请写明具体地点。"))
    """

    def __init__(self, *errors: Union[FieldError, Iterable[FieldError]]) -> None:
        flat: list[FieldError] = []
        for error in errors:
            if isinstance(error, FieldError):
                flat.append(error)
            else:
                flat.extend(error)
        if not flat:
            raise ValueError("Fields needs at least one field error")
        self.errors: list[FieldError] = flat
        super().__init__("; ".join(f"{e.field}: {e.code}: {e.message}" for e in flat))

    def item_error(self) -> types.ItemError:
        """``item-error::invalid`` with the field errors."""
        return types.ItemError_Invalid(list(self.errors))

    def submit_error(self) -> types.SubmitError:
        """``submit-error::fields`` with the field errors."""
        return types.SubmitError_Fields(list(self.errors))


class Refused(ItemException):
    """The request is understood but cannot be done now (``item-error::refused``, HTTP 409)."""

    def __init__(self, message: str) -> None:
        self.message: str = message
        super().__init__(message)

    def item_error(self) -> types.ItemError:
        """``item-error::refused`` with the message."""
        return types.ItemError_Refused(self.message)


class Failed(ItemException):
    """Something the item relies on failed (``item-error::failed``, HTTP 502)."""

    def __init__(self, message: str) -> None:
        self.message: str = message
        super().__init__(message)

    def item_error(self) -> types.ItemError:
        """``item-error::failed`` with the message."""
        return types.ItemError_Failed(self.message)


def field_error(field: str, code: str, message: str) -> FieldError:
    """A refusal of one form field (``plate_number``, or a JSON pointer such as ``/children/0``).

    ``code`` is stable and kebab-case (``insurance-expired``); ``message`` a Chinese sentence for
    the applicant. Collect several in a list and raise them with :class:`Fields` or
    :func:`raise_fields`.
    """
    return FieldError(field=field, code=code, message=message)


def whole_error(code: str, message: str) -> FieldError:
    """A refusal of the application as a whole (a field error with an empty ``field``)."""
    return field_error("", code, message)


def raise_fields(errors: Iterable[FieldError]) -> None:
    """Raise :class:`Fields` with ``errors`` if there is at least one; otherwise do nothing."""
    errors = list(errors)
    if errors:
        raise Fields(errors)


def refuse(message: str) -> NoReturn:
    """Answer ``item-error::refused(message)`` (HTTP 409); in ``submit``, as ``submit-error::item``."""
    raise Refused(message)


def fail(message: str) -> NoReturn:
    """Answer ``item-error::failed(message)`` (HTTP 502); in ``submit``, as ``submit-error::item``."""
    raise Failed(message)


def host_failure(call: str, error: Any) -> Failed:
    """The item's failure for a failed host call: ``registries.lookup: denied: <host's reason>``.

    ``error`` is the ``host-error`` a binding raised (inside ``Err``), or anything else, which is
    shown as it is.
    """
    if isinstance(error, Err):
        error = error.value
    kind = {
        "HostError_Denied": "denied",
        "HostError_Invalid": "invalid",
        "HostError_Unavailable": "unavailable",
    }.get(type(error).__name__)
    if kind is None:
        return Failed(f"{call}: {error}")
    return Failed(f"{call}: {kind}: {error.value}")


def reason(comment: Optional[str]) -> str:
    """The actor's comment, trimmed; a missing or blank one is ``invalid`` on ``comment``.

    The host already refuses a missing comment where the workflow says ``comment-required``; this
    also keeps a blank one out.
    """
    text = (comment or "").strip()
    if not text:
        raise Fields(field_error("comment", "comment-required", "请填写理由。"))
    return text


# ---------------------------------------------------------------------------------------------
# The catalog entry
# ---------------------------------------------------------------------------------------------


def _role(role: Union[Role, str]) -> Role:
    if isinstance(role, Role):
        return role
    return Role[str(role).upper()]


def state(name: str, label: str, sla_days: Optional[int] = None) -> State:
    """A state in which staff (or a courier) work the case, overdue after ``sla_days`` working days."""
    return State(name=name, label=label, terminal=False, sla_days=sla_days, waits_on_applicant=False)


def waiting_on_applicant(name: str, label: str) -> State:
    """A state in which the case waits on the applicant (补正材料): the service clock pauses."""
    return State(name=name, label=label, terminal=False, sla_days=None, waits_on_applicant=True)


def terminal(name: str, label: str) -> State:
    """A final state (办结, 不予办理): no action leaves it."""
    return State(name=name, label=label, terminal=True, sla_days=None, waits_on_applicant=False)


def action(
    name: str,
    label: str,
    from_: Sequence[str],
    to: Sequence[str],
    roles: Sequence[Union[Role, str]],
    *,
    departments: Sequence[str] = (),
    comment_required: bool = False,
) -> Action:
    """An action taken by one of ``roles`` (``Role`` or ``"reviewer"``) from ``from_`` to ``to``.

    ``departments`` names the departments whose staff take it instead of the item's own
    (并联审批); ``comment_required`` makes the actor give a reason.
    """
    return Action(
        name=name,
        label=label,
        from_=list(from_),
        to=list(to),
        roles=[_role(r) for r in roles],
        departments=list(departments),
        comment_required=comment_required,
    )


def material(name: str, description: str, required: bool = True) -> Material:
    """An application material (申请材料)."""
    return Material(name=name, description=description, required=required)


def fee(name: str, amount_fen: int, basis: str) -> Fee:
    """A fee of ``amount_fen`` fen (分), charged on ``basis`` (收费依据)."""
    return Fee(name=name, amount_fen=amount_fen, basis=basis)


def label(code: str, text: str) -> Label:
    """What people see instead of a certificate kind or delivery content code."""
    return Label(code=code, text=text)


def default_workflow() -> Workflow:
    """The workflow of a simple application: ``submitted`` (待审核) → ``approve`` (办结) →
    ``completed`` (已办结), or ``reject`` with a reason → ``rejected`` (不予办理), both by the
    department's reviewers."""
    return Workflow(
        initial=SUBMITTED,
        states=[
            state(SUBMITTED, "待审核"),
            terminal(COMPLETED, "已办结"),
            terminal(REJECTED, "不予办理"),
        ],
        actions=[
            action("approve", "办结", [SUBMITTED], [COMPLETED], [Role.REVIEWER]),
            action("reject", "不予办理", [SUBMITTED], [REJECTED], [Role.REVIEWER], comment_required=True),
        ],
    )


def item_info(code: str, version: str, name: str, department: str) -> ItemInfo:
    """A catalog entry with the Rust SDK builder's defaults, for the item to change.

    The summary is the name, the audience 群众和企业, channels web and mobile, 20 statutory and 10
    promised working days, free, no materials, any JSON object as the form and
    :func:`default_workflow`. Legal basis has no default: the catalog check refuses an entry
    without one. The result is the WIT record (a mutable dataclass): set ``info.summary``, append
    to ``info.legal_basis``, assign ``info.form_schema`` a dict or a JSON string, replace
    ``info.workflow``, add ``info.labels.certificates.append(label(...))``.
    """
    return ItemInfo(
        code=code,
        version=version,
        name=name,
        department=department,
        summary=name,
        legal_basis=[],
        audience="群众和企业",
        materials=[],
        statutory_days=20,
        promised_days=10,
        fees=[],
        channels=["web", "mobile"],
        form_schema='{"type":"object"}',
        workflow=default_workflow(),
        labels=Labels(certificates=[], deliveries=[]),
    )


def _normalised(info: ItemInfo) -> ItemInfo:
    """``info`` as the WIT wants it: a dict schema serialised, role names turned into ``Role``."""
    if not isinstance(info.form_schema, str):
        info.form_schema = to_json(info.form_schema)
    for act in info.workflow.actions:
        act.roles = [_role(r) for r in act.roles]
    return info


def schema_problems(schema: JsonObject) -> list[str]:
    """What a form schema lacks for applicants: every property should have a Chinese ``title``
    and be listed in ``required`` (ask only what is needed). Empty when the schema is fine."""
    properties = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    problems = []
    for name, prop in properties.items():
        if name not in required:
            problems.append(f"{name} is not required")
        title = prop.get("title", "") if isinstance(prop, dict) else ""
        if not any("\u4e00" <= c <= "\u9fa5" for c in title):
            problems.append(f"{name} has no Chinese title")
    return problems


# ---------------------------------------------------------------------------------------------
# JSON and what an item returns
# ---------------------------------------------------------------------------------------------


def to_json(value: Any) -> str:
    """Compact JSON text, Chinese kept as it is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _parse_object(text: str) -> Optional[JsonObject]:
    try:
        value = json.loads(text) if text.strip() else {}
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def parse_stored(what: str, text: str) -> JsonObject:
    """Parse what the item stored itself (a case's form or derived data) as a JSON object; a
    mismatch is the item's own failure (``failed``), not the caller's. Blank text is ``{}``."""
    value = _parse_object(text)
    if value is None:
        fail(f"{what}: not a JSON object")
    return value


@dataclass
class Case:
    """A case as the item's ``on_action`` and ``batch`` see it: the WIT ``case-info`` with the
    form and derived data parsed into dicts. ``info`` is the record as the host sent it."""

    number: str
    state: str
    form: JsonObject
    derived: JsonObject
    applicant: Actor
    submitted_at: str
    info: CaseInfo

    @classmethod
    def of(cls, info: CaseInfo) -> "Case":
        """Parse ``info``; a form or derived data that is not a JSON object is ``failed``."""
        return cls(
            number=info.number,
            state=info.state,
            form=parse_stored("case.form", info.form),
            derived=parse_stored("case.derived", info.derived),
            applicant=info.applicant,
            submitted_at=info.submitted_at,
            info=info,
        )


def accepted(derived: Optional[JsonObject] = None, then: Optional[Step] = None) -> Accepted:
    """``submit``'s answer: derived data to store with the case, and an automatic first step."""
    return Accepted(derived=to_json(derived or {}), then=then)


def step(action: str, to: str, note: Optional[str] = None) -> Step:
    """An automatic first step after ``submit``, taken as the ``system`` role."""
    return Step(action=action, to=to, note=note)


def transition(to: str, note: Optional[str] = None, derived: Optional[JsonObject] = None) -> Transition:
    """An action's outcome: the next state, a note for the applicant's timeline, and the case's
    new derived data (a dict replacing the old one; ``None`` keeps it)."""
    return Transition(to=to, derived=None if derived is None else to_json(derived), note=note)


def decision(
    case_number: str, action: str, input: Optional[JsonObject] = None, comment: Optional[str] = None
) -> Decision:
    """What a ``batch`` decided for one case: take ``action`` on it with ``input``."""
    return Decision(case_number=case_number, action=action, comment=comment, input=to_json(input or {}))


def today(ctx: CallContext) -> date:
    """``ctx.today`` as a ``datetime.date`` (items never read the clock themselves)."""
    try:
        return date.fromisoformat(ctx.today)
    except ValueError:
        fail(f"ctx.today: not a YYYY-MM-DD date: {ctx.today!r}")


# ---------------------------------------------------------------------------------------------
# The host interfaces, through the bindings imported above
# ---------------------------------------------------------------------------------------------


def _binding(module: Any, interface: str, call: str) -> Any:
    """The binding of ``interface``, or ``failed`` naming the call when the world lacks it."""
    if module is None:
        fail(f"{call}: the item's world (wit/world.wit) does not import yiwang:service/{interface}@0.2.0")
    return module


def _call(name: str, function: Callable[..., Any], *args: Any) -> Any:
    try:
        return function(*args)
    except Err as error:
        raise host_failure(name, error) from None


def lookup(dataset: str, key: str, purpose: str) -> Optional[str]:
    """``registries.lookup``: the record's JSON text, or ``None``. Needs ``import registries``."""
    registries = _binding(_registries, "registries", "registries.lookup")
    return _call("registries.lookup", registries.lookup, dataset, key, purpose)


def lookup_json(dataset: str, key: str, purpose: str) -> Optional[JsonObject]:
    """The record with ``key`` in ``dataset`` as a dict, or ``None`` when there is none.

    ``purpose`` is shown to the person the record is about in their data-use ledger
    (``核验车辆登记信息``). A host error is ``failed`` as ``registries.lookup: denied: …``; a
    record that is not a JSON object is ``failed`` too. Needs ``import registries`` in the world.
    """
    text = lookup(dataset, key, purpose)
    if text is None:
        return None
    value = _parse_object(text)
    if value is None:
        fail(f"registries.lookup: malformed record in {dataset}")
    return value


def notify_applicant(subject: str, body: str) -> None:
    """Queue a message to the applicant of the current case (``notify.send``); a refusal is the
    item's failure, ``notify.send: denied: …``. Needs ``import notify`` in the world."""
    notify = _binding(_notify, "notify", "notify.send")
    _call("notify.send", notify.send, subject, body)


def get_record(key: str) -> Optional[str]:
    """The item's own record ``key`` (``records.get``), or ``None``. Needs ``import records``."""
    records = _binding(_records, "records", "records.get")
    return _call("records.get", records.get, key)


def get_record_json(key: str) -> Any:
    """The item's own record ``key`` parsed as JSON, or ``None`` when there is none."""
    text = get_record(key)
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        fail(f"records.get: record {key} is not JSON")


def set_record(key: str, value: Any) -> None:
    """Store the item's record ``key`` (``records.set``): a string as it is, anything else as
    JSON. Takes effect when the call succeeds. Needs ``import records``."""
    records = _binding(_records, "records", "records.set")
    _call("records.set", records.set, key, value if isinstance(value, str) else to_json(value))


def delete_record(key: str) -> None:
    """Delete the item's record ``key`` (``records.delete``). Needs ``import records``."""
    records = _binding(_records, "records", "records.delete")
    _call("records.delete", records.delete, key)


def issue_certificate(kind: str, data: JsonObject, valid_days: Optional[int] = None) -> Any:
    """Issue a certificate of a granted ``kind`` to the applicant of the current case
    (``certificates.issue``), valid ``valid_days`` from today (``None``: no expiry). Returns the
    WIT ``certificate`` record (``serial``, ``valid_until`` …; its ``data`` is JSON text). Needs
    ``import certificates``."""
    certificates = _binding(_certificates, "certificates", "certificates.issue")
    return _call("certificates.issue", certificates.issue, kind, to_json(data), valid_days)


def find_certificates(kind: str, holder: str) -> list[Any]:
    """The valid certificates of a granted ``kind`` held by ``holder`` (``certificates.find``).
    Needs ``import certificates``."""
    certificates = _binding(_certificates, "certificates", "certificates.find")
    return _call("certificates.find", certificates.find, kind, holder)


def request_pickup(name: str, phone: str, address: str, contents: Sequence[str]) -> str:
    """Ask a courier to collect ``contents`` from the applicant (``delivery.request-pickup``);
    returns the tracking number. Needs ``import delivery``."""
    delivery = _binding(_delivery, "delivery", "delivery.request-pickup")
    where = delivery.Address(name=name, phone=phone, address=address)
    return _call("delivery.request-pickup", delivery.request_pickup, where, list(contents))


def request_shipment(name: str, phone: str, address: str, contents: Sequence[str]) -> str:
    """Ask a courier to deliver ``contents`` to the applicant (``delivery.request-shipment``);
    returns the tracking number. Needs ``import delivery``."""
    delivery = _binding(_delivery, "delivery", "delivery.request-shipment")
    where = delivery.Address(name=name, phone=phone, address=address)
    return _call("delivery.request-shipment", delivery.request_shipment, where, list(contents))


def log(level: str, message: str) -> None:
    """A line in the host's log for the item's developers; ``level`` is ``debug``, ``info``,
    ``warn`` or ``error``. Needs ``import log`` in the world; without it the line goes to stderr."""
    if _log is None:
        print(f"[{level}] {message}", file=sys.stderr)
        return
    _log.write(_log.Level[level.upper()], message)


# ---------------------------------------------------------------------------------------------
# The item
# ---------------------------------------------------------------------------------------------


def _unexpected(error: BaseException) -> Failed:
    """An exception the item did not mean to raise, as ``failed`` naming its type and place."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f" ({frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno})" if frames else ""
    traceback.print_exception(error, file=sys.stderr)
    return Failed(f"{type(error).__name__}: {error}{where}")


def _answer(call: Callable[[], Any], submit: bool = False) -> Any:
    """Run ``call``, turning what it raises into the WIT error ``Err(...)``."""
    try:
        return call()
    except ItemException as error:
        raise Err(error.submit_error() if submit else error.item_error()) from None
    except Err as error:
        if submit and type(error.value).__name__.startswith("ItemError_"):
            raise Err(types.SubmitError_Item(error.value)) from None
        raise
    except (MemoryError, RecursionError):
        raise
    except Exception as error:
        failure = _unexpected(error)
        raise Err(failure.submit_error() if submit else failure.item_error()) from None


def _parse_input(text: str) -> JsonObject:
    value = _parse_object(text)
    if value is None:
        raise Fields(whole_error(INVALID_FORM, "输入内容无法识别，应为 JSON 对象。"))
    return value


class Item(exports.Item):
    """A service item: subclass it as ``class Item(yiwang.Item)`` in ``app.py``.

    Implement :meth:`info` and whichever of :meth:`submit`, :meth:`on_action`, :meth:`query`
    and :meth:`batch` the item needs, with the signatures below; the SDK keeps the WIT functions
    (``describe``, ``submit`` … with JSON text) as adapters around them. Each call runs on a fresh
    instance: keep nothing in ``self`` between calls.
    """

    _WRAPPED = ("submit", "on_action", "query", "batch")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in Item._WRAPPED:
            own = cls.__dict__.get(name)
            if own is not None and not getattr(own, "_yiwang_adapter", False):
                setattr(cls, f"_item_{name}", own)
                setattr(cls, name, getattr(Item, name))

    # -- what an item implements ---------------------------------------------------------------

    def info(self) -> ItemInfo:
        """The catalog entry, form schema and workflow. Build it with :func:`item_info`. Must
        not call host interfaces."""
        raise NotImplementedError("an item must implement info()")

    def _item_submit(self, ctx: CallContext, applicant: Actor, form: JsonObject) -> Any:
        """``submit(ctx, applicant, form)``: a new application, ``form`` a dict the host checked
        against the schema. Return the derived data (a dict), ``None`` for none, or
        :func:`accepted` with a first step. Raise :class:`Fields` for what the applicant can
        correct. By default every application is accepted as it is."""
        return None

    def _item_on_action(
        self,
        ctx: CallContext,
        actor: Actor,
        case: Case,
        action: str,
        comment: Optional[str],
        input: JsonObject,
    ) -> Any:
        """``on_action(ctx, actor, case, action, comment, input)``: an action on a case, already
        checked against the workflow. Return the next state's name, a :func:`transition`, or
        ``None`` for the default: the action's only target state (an action with several targets
        must be decided here, or it is refused)."""
        return None

    def _item_query(self, ctx: CallContext, actor: Actor, input: JsonObject) -> Any:
        """``query(ctx, actor, input)``: an information service (查询); return a dict, sent as
        JSON. By default the item offers none (``refused``)."""
        refuse("本事项不提供查询服务")

    def _item_batch(
        self, ctx: CallContext, actor: Actor, state: str, cases: list[Case], input: JsonObject
    ) -> list[Decision]:
        """``batch(ctx, actor, state, cases, input)``: a staff-run operation over the item's
        cases in ``state``; return :func:`decision` values. By default the item has none
        (``refused``)."""
        refuse("本事项没有批量办理")

    def default_transition(self, action: str) -> Transition:
        """The default outcome of ``action``: its only target state, or ``refused`` when the
        workflow gives it several (or does not declare it)."""
        declared = [a for a in self.info().workflow.actions if a.name == action]
        if len(declared) == 1 and len(declared[0].to) == 1:
            return Transition(to=declared[0].to[0], derived=None, note=None)
        refuse(f"{action}: more than one next state; the item must choose in on_action")

    # -- the WIT functions, called by the host -------------------------------------------------

    def describe(self) -> ItemInfo:
        """WIT ``describe``: :meth:`info`, with a dict form schema serialised."""
        return _normalised(self.info())

    def submit(self, ctx: CallContext, applicant: Actor, form: str) -> Accepted:  # type: ignore[override]
        """WIT ``submit``: parses the form, calls the item's ``submit``, serialises its answer."""

        def run() -> Accepted:
            parsed = _parse_object(form)
            if parsed is None:
                raise Fields(whole_error(INVALID_FORM, "申请表内容无法识别，请检查后重新提交。"))
            result = self._item_submit(ctx, applicant, parsed)
            if result is None:
                return accepted()
            if isinstance(result, Accepted):
                if not isinstance(result.derived, str):
                    result.derived = to_json(result.derived)
                return result
            return accepted(result)

        return _answer(run, submit=True)

    def on_action(  # type: ignore[override]
        self,
        ctx: CallContext,
        actor: Actor,
        case: CaseInfo,
        action: str,
        comment: Optional[str],
        input: str,
    ) -> Transition:
        """WIT ``on-action``: parses the case and input, calls the item's ``on_action``."""

        def run() -> Transition:
            result = self._item_on_action(ctx, actor, Case.of(case), action, comment, _parse_input(input))
            if result is None:
                return self.default_transition(action)
            if isinstance(result, str):
                return Transition(to=result, derived=None, note=None)
            if result.derived is not None and not isinstance(result.derived, str):
                result.derived = to_json(result.derived)
            return result

        return _answer(run)

    def query(self, ctx: CallContext, actor: Actor, input: str) -> str:  # type: ignore[override]
        """WIT ``query``: parses the input, serialises the item's answer as JSON."""
        return _answer(lambda: to_json(self._item_query(ctx, actor, _parse_input(input))))

    def batch(  # type: ignore[override]
        self, ctx: CallContext, actor: Actor, state: str, cases: list[CaseInfo], input: str
    ) -> list[Decision]:
        """WIT ``batch``: parses the cases and input, calls the item's ``batch``."""

        def run() -> list[Decision]:
            decisions = list(
                self._item_batch(ctx, actor, state, [Case.of(c) for c in cases], _parse_input(input))
            )
            for d in decisions:
                if not isinstance(d.input, str):
                    d.input = to_json(d.input)
            return decisions

        return _answer(run)


for _name in Item._WRAPPED:
    getattr(Item, _name)._yiwang_adapter = True
del _name
