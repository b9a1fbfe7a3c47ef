"""The user admin, with least privilege: only a superuser grants or changes rights.

A non-superuser allowed to change users (the « Administrateurs » group) manages the accounts'
identity and activity, but sees superuser status, staff status, groups and permissions
read-only, so no role can raise its own rights or anyone's. They cannot change a superuser's
account either (nor its password): that would be a way to act as one.

Every admin registered here by Django or a third-party app (groups, django-axes' login
attempts) is registered again with bounded delete pages (``core.admin_delete``), as the
domain's are.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from core.admin_delete import BoundedDeletePagesMixin

#: The fields that give rights: read-only for anyone but a superuser.
RIGHTS_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions")

User = get_user_model()


class LeastPrivilegeUserAdmin(BoundedDeletePagesMixin, UserAdmin):
    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += [name for name in RIGHTS_FIELDS if name not in readonly]
        return readonly

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, LeastPrivilegeUserAdmin)


def with_bounded_delete_pages(site=admin.site) -> None:
    """Register again, with ``BoundedDeletePagesMixin``, every admin of ``site`` that lacks it."""
    for model, model_admin in list(site._registry.items()):
        if not isinstance(model_admin, BoundedDeletePagesMixin):
            bounded = type(type(model_admin).__name__, (BoundedDeletePagesMixin, type(model_admin)), {})
            site.unregister(model)
            site.register(model, bounded)


with_bounded_delete_pages()  # Group and django-axes' admins, registered before this module
