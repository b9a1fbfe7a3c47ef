"""The user admin, with least privilege: only a superuser grants or changes rights.

A non-superuser allowed to change users (the « Administrateurs » group) manages the accounts'
identity and activity, but sees superuser status, staff status, groups and permissions
read-only, so no role can raise its own rights or anyone's. They cannot change a superuser's
account either (nor its password): that would be a way to act as one.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

#: The fields that give rights: read-only for anyone but a superuser.
RIGHTS_FIELDS = ("is_superuser", "is_staff", "groups", "user_permissions")

User = get_user_model()


class LeastPrivilegeUserAdmin(UserAdmin):
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
