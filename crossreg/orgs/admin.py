"""Admin UI for organisations: divisions, grid cells, domains, departments, teams, officers, users and
API tokens.

Every change made here is recorded: admin saves and deletes call :func:`crossreg.core.audit.audit_record`
in the admin's own transaction (Django wraps each add/change/delete view in one), so a change and its
record commit together. API tokens are issued and revoked only through ``crossreg.orgs.services``; the
secret of a new token is shown once, on the page that answers the add form, and is stored nowhere.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm
from django.db.models import Model, QuerySet
from django.forms.models import model_to_dict
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crossreg.core.audit import audit_record
from crossreg.orgs.models import (
    ApiToken,
    DataAccess,
    Department,
    Division,
    Domain,
    GridCell,
    Officer,
    Team,
    User,
)
from crossreg.orgs.services import KNOWN_SCOPES, api_token_issue, api_token_revoke, user_password_set

admin.site.site_header = _("盐城市跨部门综合监管平台 · 系统管理")
admin.site.site_title = _("跨部门综合监管平台管理")
admin.site.index_title = _("系统管理")

# Never copied into an audit record.
_SECRET_FIELDS = frozenset({"password", "secret_sha256"})


def _jsonable(value: Any) -> Any:
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, list | tuple | set | QuerySet):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


class AuditedAdmin(admin.ModelAdmin):
    """Records every admin save and delete as an audit event (``admin.<model>.create|change|delete``)."""

    def _audit(self, request: HttpRequest, obj: Model, verb: str, fields: list[str]) -> None:
        data = model_to_dict(obj)
        payload = {k: _jsonable(data.get(k)) for k in fields if k not in _SECRET_FIELDS and k in data}
        audit_record(
            actor=request.user if request.user.is_authenticated else "system:admin",
            action=f"admin.{obj._meta.model_name}.{verb}",
            subject_type=str(obj._meta.model_name),
            subject_id=str(obj.pk),
            payload={"fields": payload},
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        request._crossreg_audit = (obj, "change" if change else "create", list(form.changed_data))  # type: ignore[attr-defined]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # After the many-to-many fields are saved, so the record shows them as stored.
        super().save_related(request, form, formsets, change)
        pending = getattr(request, "_crossreg_audit", None)
        if pending is not None:
            obj, verb, fields = pending
            del request._crossreg_audit  # type: ignore[attr-defined]
            self._audit(request, obj, verb, fields)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self._audit(request, obj, "delete", [])
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self._audit(request, obj, "delete", [])
        super().delete_queryset(request, queryset)


@admin.register(Division)
class DivisionAdmin(AuditedAdmin):
    list_display = ("code", "name", "level", "parent", "gb2260")
    list_filter = ("level", "gb2260")
    search_fields = ("code", "name")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)


@admin.register(GridCell)
class GridCellAdmin(AuditedAdmin):
    list_display = ("code", "name", "division")
    search_fields = ("code", "name", "division__name")
    list_select_related = ("division",)
    autocomplete_fields = ("division",)


@admin.register(Domain)
class DomainAdmin(AuditedAdmin):
    list_display = ("code", "name", "key")
    list_filter = ("key",)
    search_fields = ("code", "name")


class TeamInline(admin.TabularInline):
    model = Team
    extra = 0
    fields = ("name", "kind", "division")
    autocomplete_fields = ("division",)
    show_change_link = True


@admin.register(Department)
class DepartmentAdmin(AuditedAdmin):
    list_display = ("code", "name", "short_name", "role", "division", "parent")
    list_filter = ("role", "division__level")
    search_fields = ("code", "name", "short_name")
    list_select_related = ("division", "parent")
    autocomplete_fields = ("division", "parent")
    filter_horizontal = ("domains",)
    inlines = (TeamInline,)


@admin.register(Team)
class TeamAdmin(AuditedAdmin):
    list_display = ("name", "kind", "department", "division")
    list_filter = ("kind",)
    search_fields = ("name", "department__name")
    list_select_related = ("department", "division")
    autocomplete_fields = ("department", "division")
    filter_horizontal = ("domains",)


class CertificateFilter(admin.SimpleListFilter):
    title = _("执法证")
    parameter_name = "certificate"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("valid", _("有效")), ("expired", _("已过期"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        today = timezone.localdate()
        if self.value() == "valid":
            return queryset.filter(valid_from__lte=today, valid_until__gte=today)
        if self.value() == "expired":
            return queryset.filter(valid_until__lt=today)
        return queryset


@admin.register(Officer)
class OfficerAdmin(AuditedAdmin):
    list_display = ("certificate_no", "name", "department", "team", "division", "status", "valid_until")
    list_filter = ("status", CertificateFilter, "department__role", "department")
    search_fields = ("certificate_no", "name", "department__name")
    list_select_related = ("department", "team", "division")
    autocomplete_fields = ("department", "team", "division", "user")
    filter_horizontal = ("domains",)
    date_hierarchy = "valid_until"
    actions = ("suspend", "reinstate")

    def _set_status(self, request: HttpRequest, queryset: QuerySet[Officer], status: str) -> int:
        n = 0
        for officer in queryset.exclude(status=status):
            officer.status = status
            officer.save(update_fields=["status"])
            self._audit(request, officer, "change", ["status"])
            n += 1
        return n

    @admin.action(description=_("暂停所选人员执法"))
    def suspend(self, request: HttpRequest, queryset: QuerySet[Officer]) -> None:
        n = self._set_status(request, queryset, Officer.Status.SUSPENDED)
        self.message_user(request, _("已暂停 %(n)d 名执法人员。") % {"n": n}, messages.SUCCESS)

    @admin.action(description=_("恢复所选人员执法"))
    def reinstate(self, request: HttpRequest, queryset: QuerySet[Officer]) -> None:
        n = self._set_status(request, queryset, Officer.Status.ACTIVE)
        self.message_user(request, _("已恢复 %(n)d 名执法人员。") % {"n": n}, messages.SUCCESS)


class AuditedAdminPasswordChangeForm(AdminPasswordChangeForm):
    """The admin's "change password" form, whose write goes through ``user_password_set``.

    Django's view calls ``form.save()`` and then, with the request, ``construct_change_message``;
    ``save`` only validates the form's state, and :meth:`UserAdmin.construct_change_message` calls
    :meth:`commit` with the signed-in administrator as the actor, so the new password and its audit
    record are written together. A form that is saved but never committed changes nothing.
    """

    def save(self, commit: bool = True) -> Any:
        return self.user

    def commit(self, *, actor: Any) -> User:
        usable = self.cleaned_data.get("set_usable_password", True)
        password = self.cleaned_data["password1"] if usable else None
        return user_password_set(actor=actor, user=self.user, password=password, via="admin")


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    change_password_form = AuditedAdminPasswordChangeForm
    list_display = ("username", "display_name", "role", "department", "is_active", "is_staff", "last_login")
    list_filter = ("role", "is_active", "is_staff", "is_superuser", "department__role")
    search_fields = ("username", "display_name", "first_name", "last_name", "email", "department__name")
    list_select_related = ("department",)
    autocomplete_fields = ("department",)
    fieldsets = (
        *(DjangoUserAdmin.fieldsets or ()),
        (_("岗位"), {"fields": ("display_name", "role", "department")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("岗位"), {"fields": ("display_name", "role", "department")}),
    )

    def construct_change_message(
        self, request: HttpRequest, form: Any, formsets: Any, add: bool = False
    ) -> list[dict[str, Any]]:
        if isinstance(form, AuditedAdminPasswordChangeForm):
            form.commit(actor=request.user)
        return super().construct_change_message(request, form, formsets, add)


class ApiTokenIssueForm(forms.ModelForm):
    """Issue a token: name, department, scopes and optional expiry. The secret is generated."""

    scopes = forms.MultipleChoiceField(
        label=_("权限范围"),
        choices=[(s, s) for s in sorted(KNOWN_SCOPES)],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ApiToken
        fields = ("name", "department", "scopes", "expires_at")

    def clean_name(self) -> str:
        name = str(self.cleaned_data.get("name") or "").strip()
        if not name:
            raise forms.ValidationError(_("令牌需要一个名称。"))
        return name

    def clean_expires_at(self) -> Any:
        expires_at = self.cleaned_data.get("expires_at")
        if expires_at is not None and expires_at <= timezone.now():
            raise forms.ValidationError(_("到期时间必须晚于现在。"))
        return expires_at


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued (add form) and revoked (action); never edited or deleted."""

    list_display = (
        "prefix",
        "name",
        "department",
        "scope_list",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )
    list_filter = ("department", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("prefix", "name", "department__name")
    list_select_related = ("department",)
    autocomplete_fields = ("department",)
    actions = ("revoke",)
    readonly_fields = (
        "name",
        "department",
        "prefix",
        "scopes",
        "created_by",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    )
    fields = readonly_fields

    @admin.display(description=_("权限范围"))
    def scope_list(self, obj: ApiToken) -> str:
        return ", ".join(obj.scopes or [])

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["form"] = ApiTokenIssueForm
            kwargs["fields"] = ApiTokenIssueForm.Meta.fields
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ApiTokenIssueForm.Meta.fields if obj is None else self.readonly_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if obj is None else self.readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        if change:  # pragma: no cover - every field is read-only after issue
            return
        token, secret = api_token_issue(
            actor=request.user,  # type: ignore[arg-type]
            name=form.cleaned_data["name"],
            department=form.cleaned_data["department"],
            scopes=list(form.cleaned_data["scopes"]),
            expires_at=form.cleaned_data.get("expires_at"),
        )
        obj.pk = token.pk
        obj.prefix = token.prefix
        obj.secret_sha256 = token.secret_sha256
        obj.created_at = token.created_at
        obj.created_by = token.created_by
        obj.scopes = token.scopes
        request._crossreg_token_secret = secret  # type: ignore[attr-defined]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """The token has no relations to save beyond what the service wrote."""

    def response_add(
        self, request: HttpRequest, obj: ApiToken, post_url_continue: str | None = None
    ) -> HttpResponse:
        secret = getattr(request, "_crossreg_token_secret", None)
        if secret is None:  # pragma: no cover - save_model always sets it
            return super().response_add(request, obj, post_url_continue)
        context = {
            **self.admin_site.each_context(request),
            "title": _("令牌已签发"),
            "token": obj,
            "secret": secret,
            "opts": self.opts,
        }
        response = TemplateResponse(request, "admin/orgs/apitoken/issued.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("撤销所选令牌"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        n = 0
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(actor=request.user, token=token)  # type: ignore[arg-type]
            n += 1
        self.message_user(request, _("已撤销 %(n)d 个令牌。") % {"n": n}, messages.SUCCESS)


@admin.register(DataAccess)
class DataAccessAdmin(admin.ModelAdmin):
    """The read audit, read-only (its rows are never edited or deleted)."""

    list_display = ("at", "actor", "department", "kind", "subject_type", "subject_id", "what", "rows")
    list_filter = ("kind", "subject_type", "department")
    search_fields = ("actor", "subject_id", "what")
    date_hierarchy = "at"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in DataAccess._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        from crossreg.orgs.permissions import Principal
        from crossreg.orgs.selectors import data_access_may_query

        return data_access_may_query(Principal.of(request))

    def get_queryset(self, request: HttpRequest) -> QuerySet[DataAccess]:
        from crossreg.orgs.permissions import Principal
        from crossreg.orgs.selectors import data_access_visible

        return data_access_visible(Principal.of(request))
