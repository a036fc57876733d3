from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from simple_history.admin import SimpleHistoryAdmin

from mash.admin import AuditedConfigAdmin
from mash.errors import DomainError

from . import thresholds
from .codes import ThresholdStatus
from .models import LevelOfNeed, ThresholdCriterion, ThresholdDocument

# Contacts and people are not in the Django admin (issue 13): a child's record is read through the service's own
# pages, which scope it to the user and audit every look; the admin would list every child with no trace.


# --- the threshold document: drafts are edited, published versions only read (contacts.thresholds) ------------


class ThresholdPartAdmin(AuditedConfigAdmin, SimpleHistoryAdmin):
    """Saves and deletes go through contacts.thresholds, which refuses any change to a published version; a
    published version's pages are read-only."""

    def _document(self, obj):
        raise NotImplementedError

    def _published(self, obj) -> bool:
        document = self._document(obj) if obj is not None else None
        return document is not None and document.is_published

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._published(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._published(obj)

    def config_save(self, request, obj, form, change):
        thresholds.threshold_part_save(actor=request.user, obj=obj)

    def config_delete(self, request, obj):
        thresholds.threshold_part_delete(actor=request.user, obj=obj)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            thresholds.threshold_part_delete(actor=request.user, obj=obj)
        for obj in instances:
            thresholds.threshold_part_save(actor=request.user, obj=obj)
        formset.save_m2m()

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:  # a version published while the page was open
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(request.path)


class _DraftOnlyInline:
    """An inline that adds, changes and deletes only while its document is a draft."""

    def _editable(self, obj) -> bool:
        document = obj if isinstance(obj, ThresholdDocument) else getattr(obj, "document", None)
        return document is None or not document.is_published

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._editable(obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._editable(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._editable(obj)


class LevelOfNeedInline(_DraftOnlyInline, admin.TabularInline):
    model = LevelOfNeed
    extra = 0


class ThresholdCriterionInline(_DraftOnlyInline, admin.TabularInline):
    model = ThresholdCriterion
    extra = 0


@admin.register(ThresholdDocument)
class ThresholdDocumentAdmin(ThresholdPartAdmin):
    list_display = ["title", "version", "status", "published_on", "active"]
    list_filter = ["status", "active"]
    readonly_fields = ["status", "published_on", "published_at", "published_by", "based_on", "active"]
    inlines = [LevelOfNeedInline]
    actions = ["make_draft", "publish"]

    def _document(self, obj):
        return obj

    @admin.action(description="Make a new draft from the selected version")
    def make_draft(self, request, queryset):
        for document in queryset:
            version = _next_version(document)
            try:
                draft = thresholds.threshold_draft_create(actor=request.user, from_document=document,
                                                          version=version)
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(request, f"{draft} made from {document}: change it, then publish it.",
                                  messages.SUCCESS)

    @admin.action(description="Publish the selected draft (it becomes the version new screenings use)")
    def publish(self, request, queryset):
        for document in queryset:
            try:
                thresholds.threshold_publish(actor=request.user, document=document)
            except DomainError as error:
                self.message_user(request, "; ".join(m for _, m in error.errors), messages.ERROR)
            else:
                self.message_user(request, f"{document.title} version {document.version} published: new "
                                           "screenings use it, and it can no longer change.", messages.SUCCESS)


def _next_version(document) -> str:
    """The version after `document`'s that no version of its title has yet: 1 -> 2, "2024" -> "2024.1"."""
    taken = set(ThresholdDocument.objects.filter(title=document.title).values_list("version", flat=True))
    if document.version.isdigit():
        candidate = int(document.version) + 1
        while str(candidate) in taken:
            candidate += 1
        return str(candidate)
    n = 1
    while f"{document.version}.{n}" in taken:
        n += 1
    return f"{document.version}.{n}"


@admin.register(LevelOfNeed)
class LevelOfNeedAdmin(ThresholdPartAdmin):
    list_display = ["document", "number", "name", "usual_rating"]
    list_filter = ["document"]
    list_select_related = ["document"]
    inlines = [ThresholdCriterionInline]

    def _document(self, obj):
        return obj.document

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "document":
            kwargs["queryset"] = ThresholdDocument.objects.filter(status=ThresholdStatus.DRAFT)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(ThresholdCriterion)
class ThresholdCriterionAdmin(ThresholdPartAdmin):
    list_display = ["code", "text", "level"]
    list_filter = ["level__document"]
    list_select_related = ["level__document"]
    search_fields = ["code", "text"]

    def _document(self, obj):
        return obj.level.document

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "level":
            kwargs["queryset"] = LevelOfNeed.objects.filter(
                document__status=ThresholdStatus.DRAFT).select_related("document")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
