"""Base classes of the staff admin: history on every domain model, French number input."""

from django.contrib import admin
from django.db import models
from simple_history.admin import SimpleHistoryAdmin

#: Amounts typed and shown the French way (« 66 000,00 »), in forms and inlines alike.
FRENCH_NUMBERS = {models.DecimalField: {"localize": True}}


class DomainAdmin(SimpleHistoryAdmin):
    formfield_overrides = FRENCH_NUMBERS


class DomainTabularInline(admin.TabularInline):
    formfield_overrides = FRENCH_NUMBERS


class DomainStackedInline(admin.StackedInline):
    formfield_overrides = FRENCH_NUMBERS
