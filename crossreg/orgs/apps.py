from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "crossreg.orgs"
    label = "orgs"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from crossreg.core.subjects import SubjectType, subject_type_register
        from crossreg.orgs import selectors as s

        for name, label, visible in (
            ("division", _("行政区划"), s.reference_subject_visible),
            ("gridcell", _("网格"), s.reference_subject_visible),
            ("domain", _("监管领域"), s.reference_subject_visible),
            ("department", _("部门"), s.department_subject_visible),
            ("team", _("执法队伍"), s.team_subject_visible),
            ("orgs.officer", _("执法人员"), s.officer_subject_visible),
            ("officer", _("执法人员"), s.officer_pk_subject_visible),
            ("user", _("用户"), s.user_subject_visible),
            ("api_token", _("接口令牌"), s.api_token_subject_visible),
        ):
            subject_type_register(SubjectType(name=name, label=label, visible=visible))

        from crossreg.orgs import security  # noqa: F401 - connects the sign-in event receivers
