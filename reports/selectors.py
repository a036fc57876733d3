"""Reads for reports that concern one record: a referral, seen through the contact it came from."""

from django.http import Http404

from contacts.selectors import contacts_visible_to

from .models import ExportJob, Referral


def get_referral_for_user(user, pk: int) -> Referral:
    """A referral on a contact the person may see; 404 for anyone else (never reveal that it exists)."""
    referral = (Referral.objects.select_related("contact", "person")
                .filter(pk=pk, contact__in=contacts_visible_to(user)).first())
    if referral is None:
        raise Http404("No referral found")
    return referral


def contact_referrals(contact) -> list[Referral]:
    return list(Referral.objects.filter(contact=contact).select_related("person", "nfa_recorded_by")
                .order_by("person__first_name", "id"))


def get_export_for_user(user, pk: int) -> ExportJob:
    """An export the person asked for; 404 for anyone else's (each manager sees and takes their own)."""
    job = ExportJob.objects.filter(pk=pk, requested_by=user).first()
    if job is None:
        raise Http404("No export found")
    return job


def recent_exports(user, limit: int = 5) -> list[ExportJob]:
    return list(ExportJob.objects.filter(requested_by=user)[:limit])
