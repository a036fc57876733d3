from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from . import deadlines, notify, site
from .access import Role, deny_unless, has_role, primary_role, require_role
from .codes import NO_RATING, Brag
from .forms import run_service
from .models import SweepRun
from .polling import polled


@require_GET
def home(request):
    """Send each person to the page their day starts on (each app registers its roles' home pages)."""
    home = site.home_for(primary_role(request.user))
    if home is None and request.user.is_staff:
        home = "admin:index"
    return redirect(home or "no_role")


@require_GET
def no_role(request):
    return render(request, "no_role.html", status=403)


@login_not_required
@require_GET
def healthz(request):
    """Liveness for the load balancer: the app answers and the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


# --- deadlines: the at-risk dashboard, acknowledging a breach, the sweep's health -----------------------


class AcknowledgeForm(forms.Form):
    note = deadlines.ACKNOWLEDGEMENT_NOTE.form_field()


# ?rating=<value> in the address: each rating by its own code, "none" for clocks with no rating yet.
AT_RISK_RATINGS = {**{value: value for value in Brag.values}, "none": NO_RATING}


@require_GET
@require_role(Role.MANAGER, Role.SCREENER)
@polled([deadlines.registry.STAMP])
def at_risk(request):
    """Everything past its target or limit, by rating and stage. htmx refreshes the board every 30 s.

    Managers see every clock in the MASH and acknowledge breaches; a screener sees the contacts assigned
    to them (where their warnings and digests link) and cannot acknowledge.
    """
    manager = has_role(request.user, Role.MANAGER)
    # ?rating=red (or none) shows that rating alone, a page at a time; otherwise the whole board.
    rating = AT_RISK_RATINGS.get(request.GET.get("rating", ""))
    board = deadlines.at_risk(user=request.user, mine=not manager, rating=rating, page=request.GET.get("page", 1))
    context = {
        "board": board,
        "groups": board["groups"],
        "query": f"rating={request.GET['rating']}" if rating is not None else "",
        "mine": not manager,
        "health": deadlines.sweep_health(),
    }
    template = "mash/at_risk.html#board" if request.htmx else "mash/at_risk.html"
    return render(request, template, context)


@require_GET
def escalation_detail(request, pk: int):
    """One breach (or warning) of one clock, with the form that acknowledges it."""
    escalation = deadlines.get_escalation_for_user(request.user, pk)
    deny_unless(has_role(request.user, Role.MANAGER))
    return render(request, "mash/acknowledge.html", {"escalation": escalation, "form": AcknowledgeForm()})


@require_POST
def escalation_acknowledge(request, pk: int):
    escalation = deadlines.get_escalation_for_user(request.user, pk)
    deny_unless(has_role(request.user, Role.MANAGER))
    form = AcknowledgeForm(request.POST)
    if form.is_valid() and run_service(form, deadlines.escalation_acknowledge, actor=request.user,
                                       escalation_id=escalation.pk, note=form.cleaned_data["note"]):
        messages.success(request, f"Breach acknowledged: {escalation.target_label}. It will not escalate further.")
        return redirect("at_risk")
    return render(request, "mash/acknowledge.html", {"escalation": escalation, "form": form}, status=400)


@require_GET
@require_role(Role.MANAGER, Role.ADMIN)
def sweep_health(request):
    health = deadlines.sweep_health()
    if request.GET.get("format") == "json":
        last = health["last"]
        return JsonResponse({
            "stale": health["stale"],
            "last_started_at": last.started_at.isoformat() if last else None,
            "last_duration_ms": last.duration_ms if last else None,
            "age_seconds": int(health["age"].total_seconds()) if last else None,
        }, status=503 if health["stale"] else 200)
    return render(request, "mash/sweep_health.html", {
        "health": health, "runs": SweepRun.objects.order_by("-started_at", "-id")[:20],
    })


# --- notifications --------------------------------------------------------------------------------------


@require_GET
def notifications(request):
    """The signed-in person's own notifications, newest first."""
    page = Paginator(notify.notifications_for(request.user), settings.QUEUE_PAGE_SIZE).get_page(
        request.GET.get("page", 1)
    )
    return render(request, "mash/notifications.html", {"page": page})


@require_POST
def notifications_read(request):
    """Mark one notification (`id`) or all of them read. Only the person's own notifications change."""
    raw = request.POST.get("id")
    ids = None
    if raw:
        # Someone else's notification, or no such one: 404, as for any record you may not see.
        if not raw.isdigit() or not notify.notifications_for(request.user).filter(pk=int(raw)).exists():
            raise Http404("No notification found")
        ids = [int(raw)]
    notify.notifications_mark_read(user=request.user, ids=ids)
    return redirect("notifications")


# --- the audit search (administrators) --------------------------------------------------------------------------


@require_GET
@require_role(Role.ADMIN)
def audit_search(request):
    """Search the audit log by who, when, what kind and which record; a page at a time, newest first. The search is
    itself audited."""
    from urllib.parse import urlencode

    from . import audit_search as search
    from .audit import action_label

    form = search.AuditSearchForm(request.GET or None)
    page, status, query = None, 200, ""
    if form.is_bound:
        if form.is_valid():
            data = form.cleaned_data
            page = search.audit_search(actor=request.user, user=data["username"], kind=data["kind"],
                                       reference=data["reference"], date_from=data["date_from"],
                                       date_to=data["date_to"], after=data["after"])
            for row in page.rows:
                row.label = action_label(row.action)
            kept = request.GET.copy()
            kept.pop("after", None)
            query = kept.urlencode()
            if page.next_after:
                query = f"{query}&{urlencode({'after': page.next_after})}"
        else:
            status = 400
    return render(request, "mash/audit_search.html", {"form": form, "page": page, "next_query": query},
                  status=status)
