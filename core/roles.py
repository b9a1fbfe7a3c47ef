"""The roles of DOMAIN.md §1 as Django groups, with the least privileges each needs."""

from django.utils.translation import gettext_lazy as _

AGENT = "Agents de la Métropole"
FINANCE = "Service des finances"
ADMINISTRATOR = "Administrateurs"

DOMAIN_APPS = ("conventions", "beneficiaries", "budgets", "indicators", "documents", "finance", "compliance", "dossier",
               "campaigns", "deliberations", "registration", "messaging")

#: For each role: (app label, model name or "*", actions). Staff edit agreements; finance reads
#: them and acts on payments; administrators manage reference data and users.
ROLE_PERMISSIONS = {
    AGENT: [
        ("conventions", "convention", ("view", "add", "change")),
        ("conventions", "amendment", ("view", "add", "change")),
        ("conventions", "tranche", ("view", "add", "change", "delete")),
        ("conventions", "statuschange", ("view",)),
        ("conventions", "funder", ("view",)),
        ("finance", "paymentrequest", ("view", "approve_as_staff")),
        ("finance", "recovery", ("view", "add")),
        ("conventions", "notification", ("view",)),
        ("dossier", "requirementwaiver", ("view",)),
        ("documents", "document", ("view", "add", "change")),
        ("documents", "vaultpaper", ("view", "change")),  # review the associations' permanent papers
        ("conventions", "conventionclause", ("view", "change")),
        ("conventions", "clausetemplate", ("view",)),
        ("conventions", "clausetemplatesection", ("view",)),
        ("beneficiaries", "*", ("view", "add", "change")),
        ("budgets", "*", ("view", "add", "change", "delete")),
        ("indicators", "indicatorreport", ("view", "add", "change")),
        ("indicators", "indicatorvalue", ("view", "add", "change", "delete")),
        ("indicators", "indicatorset", ("view",)),
        ("indicators", "indicatordefinition", ("view",)),
        ("campaigns", "programme", ("view",)),
        ("campaigns", "campaign", ("view",)),
        ("campaigns", "application", ("view", "change")),
        ("campaigns", "applicationversion", ("view",)),
        ("campaigns", "applicationdocument", ("view",)),
        ("deliberations", "deliberation", ("view", "add", "change", "vote_deliberation")),
        ("deliberations", "deliberationline", ("view", "add", "change", "delete")),
        ("deliberations", "letter", ("view",)),
        ("registration", "registration", ("view", "verify_registration")),
        ("messaging", "message", ("view", "add")),
    ],
    FINANCE: [
        ("conventions", "*", ("view",)),
        ("documents", "*", ("view",)),
        ("finance", "*", ("view",)),
        ("dossier", "*", ("view",)),
        ("finance", "paymentrequest", ("approve_as_finance", "mark_paid")),
        ("finance", "recovery", ("change",)),
        ("beneficiaries", "beneficiary", ("view",)),
        ("budgets", "*", ("view",)),
        ("indicators", "*", ("view",)),
        ("campaigns", "*", ("view",)),
        ("deliberations", "*", ("view",)),
    ],
    ADMINISTRATOR: [
        *[(app, "*", ("view", "add", "change", "delete")) for app in DOMAIN_APPS],
        ("auth", "user", ("view", "add", "change")),
        ("auth", "group", ("view",)),
    ],
}

ROLE_LABELS = {AGENT: _("Agent instructeur"), FINANCE: _("Finances"), ADMINISTRATOR: _("Administrateur")}


def _is_audit_record(content_type) -> bool:
    """Return True for django-simple-history's historical models: the audit trail."""
    model = content_type.model_class()
    return model is not None and hasattr(model, "instance_type")


def _permissions_for(spec):
    from django.contrib.auth.models import Permission

    wanted = []
    for app_label, model, actions in spec:
        qs = Permission.objects.filter(content_type__app_label=app_label).select_related("content_type")
        if model != "*":
            qs = qs.filter(content_type__model=model)
        # An action is either a prefix of Django's default codenames ("view") or a full codename.
        # Nobody is given any permission on the audit trail: it is read through each object's
        # history page (allowed with the object's own view permission), never written.
        wanted.extend(
            p for p in qs
            if (p.codename in actions or p.codename.split("_", 1)[0] in actions)
            and not _is_audit_record(p.content_type)
        )
    return wanted


def sync_role_groups(app_config=None, **kwargs):
    """Create the role groups and give each exactly its permissions (idempotent).

    Connected to ``post_migrate`` (``core.apps``): it runs once, after the last app with models,
    when every app's permissions exist.
    """
    from django.apps import apps

    if app_config is not None and app_config is not [c for c in apps.get_app_configs() if c.models_module][-1]:
        return
    from django.contrib.auth.models import Group

    for name, spec in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.set(_permissions_for(spec))


def has_role(user, role: str) -> bool:
    """Return True when ``user`` belongs to ``role`` (superusers have every role)."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return any(group.name == role for group in user.groups.all())
