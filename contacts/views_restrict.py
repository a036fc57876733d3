"""A manager restricts a contact and names who may see it (issue 13)."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from mash.access import Role, deny_unless, has_role
from mash.forms import run_service

from . import selectors, services


class RestrictForm(forms.Form):
    reason = forms.CharField(
        label="Why is this record restricted?", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: a member of staff's family. The people you name below, and you, can see it; "
                  "nobody else finds it in any list or search.",
        error_messages={"required": "Say why this record is restricted"})
    users = forms.ModelMultipleChoiceField(
        label="Who may see it", queryset=None, required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["users"].queryset = selectors.mash_screeners().exclude(pk=actor.pk)
        self.fields["users"].label_from_instance = lambda user: user.get_full_name() or user.get_username()


@require_http_methods(["GET", "POST"])
def contact_restrict(request, reference: str):
    contact = selectors.get_contact_for_user(request.user, reference)
    deny_unless(has_role(request.user, Role.MANAGER))
    form = RestrictForm(request.POST or None, actor=request.user,
                        initial={"reason": contact.restricted_reason})
    if request.method == "POST" and form.is_valid() and run_service(
            form, services.contact_restrict, actor=request.user, contact=contact,
            reason=form.cleaned_data["reason"], users=form.cleaned_data["users"]):
        messages.success(request, f"{contact.reference} is restricted: only the people you named, and you, see it.")
        return redirect(contact)
    return render(request, "contacts/restrict.html", {"contact": contact, "form": form},
                  status=400 if form.errors else 200)


class BreakGlassForm(forms.Form):
    reference = forms.CharField(label="Contact reference", max_length=32,
                                error_messages={"required": "Enter the restricted record's reference"})
    reason = forms.CharField(
        label="Why do you need to open it?", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Whoever restricted it is told, with your reason; the look is recorded.",
        error_messages={"required": "Say why you need to open this restricted record"})


@require_http_methods(["GET", "POST"])
def break_glass(request):
    """A manager opens a restricted record they were not granted (an emergency): audited, and its owner told."""
    deny_unless(has_role(request.user, Role.MANAGER))
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        contact = run_service(form, services.contact_break_glass, actor=request.user, **form.cleaned_data)
        if contact:
            messages.warning(request, f"You opened the restricted record {contact.reference}. Its owner has been "
                                      "told, with your reason.")
            return redirect(contact)
    return render(request, "contacts/break_glass.html", {"form": form}, status=400 if form.errors else 200)
