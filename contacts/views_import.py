"""The manager's page for importing a CSV file of police notifications (format: contacts/importing.py).

Synchronous: the file is at most IMPORT_MAX_BYTES (5 MB by default), checked and imported within the request.
For bigger files, or a progress bar, use `manage.py import_notifications`.
"""

from django import forms
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from mash.access import require_perms
from mash.errors import DomainError

from . import importing


class NotificationImportForm(forms.Form):
    file = forms.FileField(
        label="Upload a CSV file of police notifications",
        help_text="UTF-8 CSV, one row per person per notification, at most 5 MB.",
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
        error_messages={"required": "Select a CSV file of police notifications",
                        "empty": "The file is empty"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = (
            f"UTF-8 CSV, one row per person per notification, at most {importing.size_label(importing.max_bytes())}."
        )


@require_http_methods(["GET", "POST"])
@require_perms("contacts.decide_rating")
def notifications_import_page(request):
    context = {"columns": importing.COLUMNS, "types": importing.TYPES, "risk_grades": importing.RISK_GRADES}
    if request.method == "GET":
        return render(request, "contacts/import.html", {**context, "form": NotificationImportForm()})

    form = NotificationImportForm(request.POST, request.FILES)
    problems: list[importing.RowError] = []
    if form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > importing.max_bytes():
            problems = [importing.RowError(None, importing.too_large_message())]
        else:
            notifications, problems = importing.parse_notifications(upload)
        if not problems:
            try:
                result = importing.notifications_import(actor=request.user, notifications=notifications)
            except DomainError as error:
                problems = [importing.RowError(None, error.message)]
            else:
                return render(request, "contacts/import.html", {**context, "result": result,
                                                                "form": NotificationImportForm()})
        if len(problems) == 1 and problems[0].row is None:
            form.add_error("file", problems[0].message)
            problems = []
        else:
            form.add_error("file", f"The file has {len(problems)} problem(s), listed below: nothing was imported. "
                                   f"Correct the file and upload it again.")
    return render(request, "contacts/import.html", {**context, "form": form, "problems": problems}, status=400)
