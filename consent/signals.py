"""What consent tells the apps that build on it (enquiries), without importing them. Sent inside the service's
transaction: a receiver that fails rolls the whole change back.
"""

from django.dispatch import Signal

# A withdrawal or a new refusal took away the basis for asking some agencies about some children. Sent by
# consent.services with: contact, consent_record (the record withdrawn or refused), actor, flag (the BasisFlag
# raised), lost: a list of consent.selectors.Lost (agency, child, basis that was lost). Enquiries flags the
# information requests in flight under the lost bases.
basis_withdrawn = Signal()
