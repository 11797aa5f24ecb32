"""What people read instead of the platform's codes: one registry of display labels.

Workflow states (``in_progress``), transitions (``submit``), ledger actions
(``inspection.task.flag_follow_up``), actors (``user:officer-3209…``), region codes (``320903``),
department codes (``scjg``) and the field keys and English texts of service errors
(``note: describe the finding``) are codes: stored, signed, exchanged. People read their names.

Each app owns the names of its own codes, in a module ``<app>/labels.py`` that this registry
imports on first use (like the admin's ``admin.py``), so no app imports another to show its
codes and ``core`` imports none::

    # crossreg/inspections/labels.py
    from django.utils.translation import gettext_lazy as _
    from crossreg.core.labels import actions_register, states_register, verbs_register
    from crossreg.inspections.models import TaskStatus

    states_register("inspection.task", TaskStatus.choices)
    verbs_register({"flag_follow_up": _("标记需后续处理")})
    actions_register({"inspection.task.create": _("生成检查任务")})

Labels are ``gettext_lazy`` Chinese source strings; the app's English catalogue translates them.
Templates use the filters of ``{% load labels %}`` (``state``, ``transition``, ``action``,
``actor``, ``region``, ``dept``), views use :func:`problem_text` for errors. A code with no
registered label is shown as it is, so that the page walk (``web/tests/test_labels_walk.py``)
finds it and someone registers its name.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from crossreg.core.errors import DomainError, Problem

_STATES: dict[tuple[str, str], Any] = {}  # (namespace, code) -> label; namespace "" = any
_VERBS: dict[str, Any] = {}  # a transition or an action's last part -> label
_ACTIONS: dict[str, Any] = {}  # a whole ledger action -> label
_SUBJECTS: dict[str, Any] = {}  # an action's prefix ("inspection.task") -> label of the noun
_FIELDS: dict[str, Any] = {}  # a field key ("note", "rules.B.ratio") -> label
_MESSAGES: dict[str, Any] = {}  # an English service text -> its Chinese source string
_SYSTEM_ACTORS: dict[str, Any] = {}  # "system:demo" -> label
_CODES: dict[tuple[str, str], Any] = {}  # (kind, code) -> label, e.g. ("sampling.basis", "random")
_PATTERNS: list[tuple[re.Pattern[str], Any]] = []  # English texts with a variable part

_lock = threading.Lock()
_discovered = False


def _discover() -> None:
    """Import every app's ``labels`` module once (they register on import)."""
    global _discovered
    if _discovered:
        return
    with _lock:
        if _discovered:
            return
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("labels")  # the apps' own names first: they win over the generic
        _register_model_choices()
        _discovered = True


# --- registration ---------------------------------------------------------------------------


def states_register(namespace: str, choices: Iterable[tuple[str, Any]]) -> None:
    """Name the states of ``namespace`` (e.g. ``"inspection.task"``) from ``(code, label)`` pairs.

    The first label registered for a code also answers for that code in any namespace."""
    for code, label in choices:
        _STATES[(namespace, str(code))] = label
        _STATES.setdefault(("", str(code)), label)


def verbs_register(labels: Mapping[str, Any]) -> None:
    """Name transitions and the verbs that end action codes (``submit``, ``flag_follow_up``)."""
    _VERBS.update(labels)


def actions_register(labels: Mapping[str, Any]) -> None:
    """Name whole ledger actions (``"sampling.draw"``) where noun + verb would not read well."""
    _ACTIONS.update(labels)


def subjects_register(labels: Mapping[str, Any]) -> None:
    """Name the nouns that begin action codes (``"inspection.task"`` → 检查任务)."""
    _SUBJECTS.update(labels)


def fields_register(labels: Mapping[str, Any]) -> None:
    """Name the field keys services put in their errors (``"note"`` → 检查情况说明)."""
    _FIELDS.update(labels)


def messages_register(labels: Mapping[str, Any]) -> None:
    """Give the English texts services raise (``"describe the finding"``) their Chinese source
    string, which the English catalogue translates back."""
    _MESSAGES.update(labels)


def system_actors_register(labels: Mapping[str, Any]) -> None:
    _SYSTEM_ACTORS.update(labels)


def codes_register(kind: str, choices: Iterable[tuple[str, Any]]) -> None:
    """Name the codes of one kind (``"sampling.basis"``: ``random``, ``credit`` …)."""
    for code, label in choices:
        _CODES[(kind, str(code))] = label


# --- display --------------------------------------------------------------------------------


def state_label(code: str | None, namespace: str = "") -> str:
    """The state's name; ``∅`` (no state, before creation) is shown as "—"."""
    _discover()
    if not code:
        return "—"
    label = _STATES.get((namespace, code)) or _STATES.get(("", code))
    return str(label) if label is not None else code


def transition_label(code: str | None) -> str:
    _discover()
    if not code:
        return ""
    label = _VERBS.get(code)
    return str(label) if label is not None else code


def action_label(code: str | None) -> str:
    """``inspection.task.flag_follow_up`` → "检查任务 · 标记需后续处理"."""
    _discover()
    if not code:
        return ""
    if code in _ACTIONS:
        return str(_ACTIONS[code])
    parts = code.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        noun, verb = ".".join(parts[:cut]), "_".join(parts[cut:])
        if noun in _SUBJECTS and (verb in _VERBS or ".".join(parts[cut:]) in _VERBS):
            v = _VERBS.get(verb) or _VERBS[".".join(parts[cut:])]
            return f"{_SUBJECTS[noun]} · {v}"
    return code


def code_label(kind: str, code: str | None) -> str:
    _discover()
    if code is None or code == "":
        return ""
    label = _CODES.get((kind, str(code)))
    return str(label) if label is not None else str(code)


def field_label(key: str | None) -> str:
    """A field key as people read it: registered keys, then ``rules.B.ratio`` by its parts."""
    _discover()
    if not key:
        return ""
    if key in _FIELDS:
        return str(_FIELDS[key])
    parts = key.split(".")
    if len(parts) > 1:
        named = [str(_FIELDS[p]) if p in _FIELDS else p for p in parts]
        if any(p in _FIELDS for p in parts):
            return " ".join(named)
    return key


def message_patterns_register(patterns: Iterable[tuple[str, Any]]) -> None:
    """Texts with a variable part: ``(r"^your role may not (?P<transition>\\w+) this task$",
    _("您的角色不能对此任务执行“%(transition)s”"))``; a ``transition`` or ``state`` group is
    itself shown by its name."""
    for rx, label in patterns:
        _PATTERNS.append((re.compile(rx), label))


def message_text(message: str) -> str:
    """A service's English text in the current language (as it is if unregistered)."""
    _discover()
    label = _MESSAGES.get(message)
    if label is not None:
        return str(label)
    for rx, lab in _PATTERNS:
        m = rx.match(message)
        if m:
            groups = dict(m.groupdict())
            if "transition" in groups:
                groups["transition"] = transition_label(groups["transition"])
            if "state" in groups:
                groups["state"] = state_label(groups["state"])
            return str(lab) % groups
    # a known text inside a longer one, e.g. a library's "(File is not a zip file)"
    out = message
    for head in sorted(_MESSAGES, key=len, reverse=True):
        if head in out:
            out = out.replace(head, str(_MESSAGES[head]))
    return out


def problem_text(problem: Problem) -> str:
    """One problem of a refused request, for a person: "检查情况说明：请说明发现的问题"."""
    msg = message_text(problem.message)
    if problem.row is not None:
        msg = gettext("第 %(row)s 行：") % {"row": problem.row} + msg
    if problem.field:
        return gettext("%(field)s：%(message)s") % {"field": field_label(problem.field), "message": msg}
    return msg


def error_texts(exc: DomainError) -> list[str]:
    return [problem_text(p) for p in exc.problems]


def problems_by_field(exc: DomainError, fields: Iterable[str]) -> tuple[dict[str, list[str]], list[str]]:
    """Split the problems into those of the given form ``fields`` (shown next to the field,
    without the field's name) and the rest (shown at the top, named)."""
    known = set(fields)
    per: dict[str, list[str]] = {}
    rest: list[str] = []
    for p in exc.problems:
        key = (p.field or "").split(".")[0]
        if p.field in known:
            per.setdefault(str(p.field), []).append(message_text(p.message))
        elif key in known:
            per.setdefault(key, []).append(problem_text(p))
        else:
            rest.append(problem_text(p))
    return per, rest


def problems_to_form(form: Any, exc: DomainError) -> None:
    """Put the problems on the Django ``form``: each next to its field, the rest at the top."""
    per, rest = problems_by_field(exc, form.fields)
    for name, msgs in per.items():
        for m in msgs:
            form.add_error(name, m)
    for m in rest:
        form.add_error(None, m)


# --- actors, regions, departments (looked up by label: core imports no app) -------------------


class Names:
    """Looks up people's, departments' and regions' names, memoised for one page."""

    def __init__(self) -> None:
        self.users: dict[str, str] = {}
        self.depts: dict[str, str] | None = None
        self.regions: dict[str, str] | None = None
        self.industries: dict[str, str] | None = None

    def _model(self, name: str) -> Any:
        from django.apps import apps

        return apps.get_model("orgs", name)

    def dept(self, code: str) -> str:
        if self.depts is None:
            self.depts = dict(self._model("Department").objects.values_list("code", "name"))
        return self.depts.get(code, code)

    def industry(self, code: str) -> str:
        """A GB/T 4754 division by its name: ``51`` → "批发业"."""
        if self.industries is None:
            from django.apps import apps

            self.industries = dict(apps.get_model("entities", "Industry").objects.values_list("code", "name"))
        return self.industries.get(code, code)

    def region(self, code: str) -> str:
        if self.regions is None:
            rows = self._model("Division").objects.values_list("code", "name")
            self.regions = {}
            for c, n in rows:
                self.regions[c] = n
                if len(c) > 6 and c.endswith("000000"):  # 12-digit form of a county code
                    self.regions.setdefault(c[:6], n)
        name = self.regions.get(code)
        if name is None and len(code) == 12 and code.endswith("000000"):
            name = self.regions.get(code[:6])
        if name is None and len(code) == 6 and code != code[:4] + "00":
            name = self.regions.get(code + "000000")
        return name or code

    def prime(self, labels: Iterable[str]) -> None:
        """Look up every ``user:…`` actor among ``labels`` in one query (a page's whole timeline)."""
        # pooled tasks' actors name their user inside: system:pool:user:<name>
        plain = [lab.removeprefix("system:pool:") for lab in labels if lab]
        wanted = {lab.partition(":")[2] for lab in plain if lab.startswith("user:")} - set(self.users)
        if not wanted:
            return
        rows = (
            self._model("User")
            .objects.filter(username__in=wanted)
            .values_list("username", "display_name", "department__name")
        )
        for username, name, dept in rows:
            who = name or username
            self.users[username] = f"{who}（{dept}）" if dept else who
        for username in wanted - set(self.users):
            self.users[username] = username

    def user(self, username: str) -> str:
        if username not in self.users:
            row = (
                self._model("User")
                .objects.filter(username=username)
                .values_list("display_name", "department__name")
                .first()
            )
            if row is None:
                self.users[username] = username
            else:
                name, dept = row
                who = name or username
                self.users[username] = f"{who}（{dept}）" if dept else who
        return self.users[username]

    def actor(self, label: str | None) -> str:
        _discover()
        if not label:
            return ""
        kind, _sep, rest = label.partition(":")
        if kind == "user" and rest:
            return self.user(rest)
        if kind == "token" and rest:
            return gettext("接口令牌 %(prefix)s") % {"prefix": rest}
        if kind == "system" and rest.startswith("pool:"):
            # a pooled task, created by the platform on behalf of whoever consolidated the period
            return gettext("汇总比对（%(who)s）") % {"who": self.actor(rest[len("pool:") :])}
        if label in _SYSTEM_ACTORS:
            return str(_SYSTEM_ACTORS[label])
        if kind == "system" or label == "system":
            return gettext("系统")
        if kind == "public" or label in {"public", "anonymous"}:
            return gettext("公众")
        return label


system_actors_register(
    {
        "system": _("系统"),
        "system:seed": _("系统（模拟城市）"),
        "system:demo": _("系统（演示数据）"),
    }
)


# --- the shared vocabulary: verbs most workflows use -------------------------------------------

verbs_register(
    {
        "create": _("创建"),
        "created": _("已创建"),
        "edit": _("编辑"),
        "update": _("更新"),
        "updated": _("已更新"),
        "save": _("保存"),
        "submit": _("提交"),
        "submitted": _("已提交"),
        "publish": _("发布"),
        "published": _("已发布"),
        "approve": _("批准"),
        "approved": _("已批准"),
        "refuse": _("不予批准"),
        "reject": _("不予调整"),
        "return": _("退回"),
        "cancel": _("撤销"),
        "cancelled": _("已撤销"),
        "withdraw": _("撤回"),
        "pass": _("审核通过"),
        "import": _("导入"),
        "export": _("导出"),
        "issue": _("签发"),
        "revoke": _("吊销"),
        "change": _("修改"),
        "delete": _("删除"),
        "add": _("添加"),
        "close": _("办结"),
        "closed": _("已办结"),
        "record": _("登记"),
        "accept": _("受理"),
        "merge": _("合并"),
        "start": _("开始"),
        "complete": _("完成"),
        "confirm": _("确认"),
        "reopen": _("重新打开"),
        "assign": _("指派"),
        "set": _("设置"),
        "sign": _("签署"),
        "verify": _("核验"),
        "draft": _("起草"),
        "split": _("拆分"),
        "apply": _("申请"),
        "train": _("训练"),
        "relink": _("重新关联"),
        "decide": _("作出决定"),
        "extend": _("延期"),
        "notify": _("通知"),
        "seed": _("生成"),
        "failed": _("失败"),
        "succeeded": _("成功"),
        "password_set": _("设置密码"),
    }
)
subjects_register(
    {
        "city": _("模拟城市"),
        "user": _("用户"),
        "api_token": _("接口令牌"),
        "admin.user": _("后台 · 用户"),
        "admin.officer": _("后台 · 执法人员"),
        "admin.entity": _("后台 · 市场主体"),
        "admin.department": _("后台 · 部门"),
        "job": _("后台任务"),
        "entity": _("市场主体"),
    }
)
fields_register(
    {
        "file": _("文件"),
        "name": _("名称"),
        "reason": _("理由"),
        "note": _("说明"),
        "transition": _("操作"),
        "department": _("部门"),
        "division": _("区划"),
        "period": _("周期"),
        "uscc": _("统一社会信用代码"),
        "entity": _("市场主体"),
        "code": _("编码"),
        "photo": _("照片"),
        "version": _("版本"),
        "status": _("状态"),
        "state": _("状态"),
        "comment": _("意见"),
        "content": _("内容"),
        "title": _("标题"),
        "phone": _("电话"),
        "address": _("地址"),
        "amount": _("金额"),
        "deadline": _("期限"),
        "date": _("日期"),
        "items": _("监管事项"),
        "rules": _("抽查规则"),
        "ratio": _("抽查比例"),
        "A": _("A 类"),
        "B": _("B 类"),
        "C": _("C 类"),
        "D": _("D 类"),
    }
)
messages_register(
    {
        "File is not a zip file": _("文件不是有效的 XLSX(zip)文件"),
        "not a valid file": _("不是有效的文件"),
    }
)


def _register_model_choices() -> None:
    """Every model field with choices names its codes: ``<app>.<model>.<field>``, and a state
    field (``status``, ``state``, ``stage``) also under ``<app>.<model>`` and for any namespace."""
    from django.apps import apps

    later: list[tuple[str, Any]] = []
    for model in apps.get_models():
        if not model.__module__.startswith("crossreg."):
            continue
        ns = f"{model._meta.app_label}.{model._meta.model_name}"
        for f in model._meta.get_fields():
            choices = getattr(f, "choices", None)
            if not choices or not getattr(f, "name", None):
                continue
            pairs = [(str(k), v) for k, v in choices if not isinstance(v, list | tuple)]
            codes_register(f"{ns}.{f.name}", pairs)
            if f.name in {"status", "state", "stage", "to_state", "from_state"}:
                for code, label in pairs:
                    _STATES.setdefault((ns, code), label)
                    _STATES.setdefault(("", code), label)
            else:
                later.append((ns, pairs))
    for _ns, pairs in later:  # other coded fields answer only where no state took the code
        for code, label in pairs:
            _STATES.setdefault(("", code), label)


def field_errors(exc: DomainError) -> dict[str, list[str]]:
    """The problems by field key, each without its field's name (shown next to the field);
    problems with no field under ``""`` (shown at the top)."""
    out: dict[str, list[str]] = {}
    for p in exc.problems:
        out.setdefault(p.field or "", []).append(message_text(p.message) if p.field else problem_text(p))
    return out
