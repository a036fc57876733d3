"""Find a child: the search results page behind the header's search box."""

from django import forms
from django.shortcuts import render
from django.views.decorators.http import require_GET

from mash.access import require_perms
from mash.forms import run_service

from . import search, services


class SearchForm(forms.Form):
    q = search.QUERY.form_field(widget=forms.TextInput(attrs={
        "type": "search", "spellcheck": "false", "autocomplete": "off", "class": "govuk-input--width-30"}))


@require_GET
@require_perms("contacts.view_person")
def person_search(request):
    """People matching what was typed, exact matches first, with why each was found; every search audited."""
    form = SearchForm(request.GET or None)
    results, status = None, 200
    if form.is_bound:
        if form.is_valid():
            results = run_service(form, search.people_search, user=request.user, text=form.cleaned_data["q"])
        if results is None:
            status = 400
        else:
            services.people_search_record(actor=request.user, terms=results.terms, found=len(results.results),
                                          more=results.more)
            services.people_found(actor=request.user, people=[result.person for result in results.results])
    return render(request, "contacts/search.html", {"form": form, "results": results, "limit": search.SEARCH_LIMIT},
                  status=status)
