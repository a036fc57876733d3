"""A manager restricts a contact or a person and names who may see it (issue 13)."""

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


class PersonRestrictForm(RestrictForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = "Why is this person restricted?"
        self.fields["reason"].help_text = (
            "For example: a member of staff's child. The people you name below, and you, can see this person and "
            "every contact naming them; anyone else searching or recording is told only that a restricted record "
            "may match, and to ask a manager.")
        self.fields["reason"].error_messages["required"] = "Say why this person is restricted"


@require_http_methods(["GET", "POST"])
def person_restrict(request, pk: int):
    person = selectors.get_person_for_user(request.user, pk)
    deny_unless(has_role(request.user, Role.MANAGER))
    form = PersonRestrictForm(request.POST or None, actor=request.user,
                              initial={"reason": person.restricted_reason})
    if request.method == "POST" and form.is_valid() and run_service(
            form, services.person_restrict, actor=request.user, person=person,
            reason=form.cleaned_data["reason"], users=form.cleaned_data["users"]):
        messages.success(request, f"{person} is restricted: only the people you named, and you, see them.")
        return redirect(person)
    services.person_record_view(actor=request.user, person=person)
    return render(request, "contacts/restrict.html", {"person": person, "form": form},
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
