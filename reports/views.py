"""The national returns page: Ofsted's Annex A lists and the CIN census file, for managers. Every download is
audited by the service that makes it."""

import csv
import tempfile
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from mash.access import deny_unless, require_perms
from mash.errors import DomainError
from mash.forms import add_domain_errors, run_service

from . import performance, rules, selectors, services, summaries
from .annex_a import Period
from .forms import CensusYearForm, PeriodForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _page(request, *, period_form=None, census_form=None, status=200):
    return render(request, "reports/returns.html", {
        "period_form": period_form or PeriodForm(initial=PeriodForm.default_initial()),
        "census_form": census_form or CensusYearForm(),
    }, status=status)


@require_GET
@require_perms("reports.export_returns")
def returns(request):
    return _page(request)


@require_GET
@require_perms("reports.export_returns")
def annex_a_download(request):
    form = PeriodForm(request.GET)
    # The rows go to a temporary file as they are read (constant memory), then are streamed from it.
    target = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it once sent)
    if form.is_valid() and run_service(form, services.annex_a_export, actor=request.user, target=target,
                                       **form.cleaned_data):
        target.seek(0)
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        return FileResponse(target, as_attachment=True, content_type=XLSX,
                            filename=f"annex-a-{start:%Y-%m-%d}-to-{end:%Y-%m-%d}.xlsx")
    target.close()
    return _page(request, period_form=form, status=400)


@require_GET
@require_perms("reports.export_returns")
def cin_census_download(request):
    form = CensusYearForm(request.GET)
    target = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it once sent)
    if form.is_valid() and run_service(form, services.cin_census_export, actor=request.user, target=target,
                                       year=form.cleaned_data.get("year")):
        target.seek(0)
        year = form.cleaned_data["year"]
        return FileResponse(target, as_attachment=True, content_type="application/xml",
                            filename=f"cin-census-{year}-{settings.LA_CODE}.xml")
    target.close()
    return _page(request, census_form=form, status=400)


def _performance_period(request):
    """The period asked for (this month so far when nothing was asked), or the form with its errors."""
    if not any(key.startswith(("start", "end")) for key in request.GET):
        period = performance.default_period(timezone.localdate())
        return PeriodForm(initial={"start": period.start, "end": period.end}), period
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return form, None
    try:
        start, end = rules.period_clean(start=form.cleaned_data["start"], end=form.cleaned_data["end"])
    except DomainError as error:
        add_domain_errors(error, form)
        return form, None
    return form, Period(start, end)


@require_GET
@require_perms("reports.view_performance")
def performance_dashboard(request):
    form, period = _performance_period(request)
    context = {"form": form, "partner_agency": request.user.agency
               if performance.scope_sources(request.user) is not None else None}
    if period is None:
        return render(request, "reports/performance.html", context, status=400)
    previous = performance.previous_period(period)
    tables = performance.figures(user=request.user, period=period)
    context.update(period=period, previous=previous, tables=tables, query=_period_query(period),
                   header=tables[0].header(period, previous), refreshed_at=summaries.refreshed_at(),
                   refresh_minutes=max(1, round(settings.PERFORMANCE_REFRESH_SECONDS / 60)))
    return render(request, "reports/performance.html", context)


def _period_query(period) -> str:
    return urlencode({"start-day": period.start.day, "start-month": period.start.month,
                      "start-year": period.start.year, "end-day": period.end.day, "end-month": period.end.month,
                      "end-year": period.end.year})


@require_GET
@require_perms("reports.view_performance")
def performance_csv(request, key: str):
    form, period = _performance_period(request)
    if period is None:
        return render(request, "reports/performance.html", {"form": form}, status=400)
    tables = {t.key: t for t in performance.figures(user=request.user, period=period)}
    if key not in tables:
        raise Http404("No such table")
    table = tables[key]
    services.performance_download_record(actor=request.user, table=key, start=period.start, end=period.end)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"{key}-{period.start:%Y-%m-%d}-to-{period.end:%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    previous = performance.previous_period(period)
    writer.writerow([performance.csv_safe(cell) for cell in [table.title, *table.header(period, previous)[1:]]])
    for row in table.rows:
        writer.writerow([performance.csv_safe(cell) for cell in row])
    return response


@require_POST
def referral_nfa(request, pk: int):
    """A manager records that a referral ended with no further action (the census's ReferralNFA)."""
    referral = selectors.get_referral_for_user(request.user, pk)
    deny_unless(request.user.has_perm("reports.change_referral"))
    try:
        services.referral_nfa_record(actor=request.user, referral=referral)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Recorded: the referral of {referral.person} ended with no further action.")
    return redirect(referral.contact)
