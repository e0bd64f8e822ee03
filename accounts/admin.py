from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import Affiliation, User


class AffiliationInline(admin.TabularInline):
    model = Affiliation
    extra = 0
    readonly_fields = ["consented_at"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "display_name", "email", "is_active", "is_staff", "date_joined"]
    search_fields = ["username", "display_name", "email"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Profile", {"fields": ("display_name", "bio", "privacy_accepted_at")}),
    )
    readonly_fields = ["privacy_accepted_at", "last_login", "date_joined"]
    inlines = [AffiliationInline]
