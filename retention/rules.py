"""The rules retention's inputs meet (mash.rules), written once: the forms and the services use the same."""

from mash.rules import Text

REASON_MAX = 2000
KEEP_REASON = Text("reason", "Why keep it?", REASON_MAX, rows=3, required_message="Say why the record is kept")
HOLD_REASON = Text("reason", "Why is it held?", REASON_MAX, rows=3, required_message="Say why the record is held",
                   help_text="For example: a claim, an inquiry, a subject access request in progress.")
LIFT_REASON = Text("lift_reason", "Why lift the hold?", REASON_MAX, required_message="Say why the hold is lifted")
