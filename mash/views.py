from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from .access import Role, primary_role


@require_GET
def home(request):
    """Send each person to the page their day starts on."""
    role = primary_role(request.user)
    if role in (Role.SCREENER, Role.MANAGER):
        return redirect("contacts:queue")
    if role == Role.PARTNER:
        return redirect("enquiries:inbox")
    if role == Role.ADMIN or request.user.is_staff:
        return redirect("admin:index")
    return redirect("no_role")


@require_GET
def no_role(request):
    from django.shortcuts import render

    return render(request, "no_role.html", status=403)


@login_not_required
@require_GET
def healthz(request):
    """Liveness for the load balancer: the app answers and the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
