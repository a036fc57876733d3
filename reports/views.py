"""The national returns page: Ofsted's Annex A lists and the CIN census file, for managers. Each is made in the
background (reports.exports): the page that follows it polls for progress, then offers the download, which is
audited and, when the file leaves the MASH, recorded as a disclosure (reports.services.export_download)."""

import csv
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

from . import exports, performance, rules, selectors, services, summaries
from .annex_a import Period
from .forms import AnnexAExportForm, CensusExportForm, DownloadForm, PeriodForm, new_request_key
from .models import ExportKind


def _page(request, *, period_form=None, census_form=None, status=200):
    return render(request, "reports/returns.html", {
        "period_form": period_form or AnnexAExportForm(initial={**PeriodForm.default_initial(),
                                                                "request_key": new_request_key()}),
        "census_form": census_form or CensusExportForm(initial={"request_key": new_request_key()}),
        "exports": selectors.recent_exports(request.user),
    }, status=status)


@require_GET
@require_perms("reports.export_returns")
def returns(request):
    return _page(request)


@require_POST
@require_perms("reports.export_returns")
def annex_a_start(request):
    """Start making the Annex A lists in the background, and go to the page that follows it."""
    form = AnnexAExportForm(request.POST)
    if form.is_valid():
        started = run_service(form, services.export_start, actor=request.user, kind=ExportKind.ANNEX_A,
                              request_key=form.cleaned_data["request_key"], start=form.cleaned_data["start"],
                              end=form.cleaned_data["end"])
        if started:
            return redirect("reports:export", pk=started[0].pk)
    form.data = {**form.data.dict(), "request_key": new_request_key()}  # a new key for the next try
    return _page(request, period_form=form, status=400)


@require_POST
@require_perms("reports.export_returns")
def cin_census_start(request):
    """Start making the CIN census file in the background, and go to the page that follows it."""
    form = CensusExportForm(request.POST)
    if form.is_valid():
        started = run_service(form, services.export_start, actor=request.user, kind=ExportKind.CIN_CENSUS,
                              request_key=form.cleaned_data["request_key"], year=form.cleaned_data.get("year"))
        if started:
            return redirect("reports:export", pk=started[0].pk)
    form.data = {**form.data.dict(), "request_key": new_request_key()}
    return _page(request, census_form=form, status=400)


def _export_page(request, job, *, form=None, status=200):
    context = {"job": job, "poll_seconds": settings.EXPORT_POLL_SECONDS, "keep_hours": settings.EXPORT_KEEP_HOURS,
               "form": form or DownloadForm(recipient=services.RECIPIENTS[job.kind])}
    if request.htmx:  # the progress region alone, for the page's polling
        return render(request, "reports/_export_region.html", context, status=status)
    return render(request, "reports/export.html", context, status=status)


@require_GET
@require_perms("reports.export_returns")
def export_progress(request, pk: int):
    """How far the export has got; once made, the form to download it. Polled by htmx while it is being made."""
    return _export_page(request, selectors.get_export_for_user(request.user, pk))


@require_POST
@require_perms("reports.export_returns")
def export_download(request, pk: int):
    """The file, once the manager has said who it is for (audited; a disclosure of every child in it when it
    leaves the MASH)."""
    job = selectors.get_export_for_user(request.user, pk)
    form = DownloadForm(request.POST, recipient=services.RECIPIENTS[job.kind])
    if not (form.is_valid() and run_service(form, services.export_download, actor=request.user, job=job,
                                            destination=form.cleaned_data["destination"])):
        job.refresh_from_db()
        return _export_page(request, job, form=form, status=400)
    try:
        target = exports.file_path(job).open("rb")  # noqa: SIM115 (FileResponse closes it once sent)
    except FileNotFoundError:
        form.add_error(None, services.FILE_GONE)
        return _export_page(request, job, form=form, status=400)
    return FileResponse(target, as_attachment=True, content_type=job.content_type, filename=job.download_name)


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
