"""The national returns page: Ofsted's Annex A lists and the CIN census file, for managers. Every download is
audited by the service that makes it."""

import tempfile

from django.conf import settings
from django.http import FileResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from mash.access import require_perms
from mash.forms import run_service

from . import services
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
