"""The inputs the consent services take, with their labels and messages, written once: the services apply them and
the forms build their fields from them (`rule.form_field()`)."""

from mash.rules import Choice, Text

from .codes import (
    RECORDABLE_STATES,
    Capacity,
    DecisionOutcome,
    FamilyTold,
    Method,
    Threshold,
    YesNo,
)

# --- recording consent ---------------------------------------------------------------------------------------

STATE = Choice("state", "What did they decide?", RECORDABLE_STATES,
               required_message="Select whether they agreed or refused",
               invalid_message="Select whether they agreed or refused from the list")
GIVEN_BY_LABEL = "Who was asked?"
GIVEN_BY_MISSING = "Select who was asked"
NOT_ON_CONTACT = "Select someone named on this contact"
CAPACITY = Choice("capacity", "In what capacity did they decide?", tuple(Capacity.choices),
                  required_message="Select the capacity in which they decided",
                  invalid_message="Select a capacity from the list")
COMPETENCE_NOTE = Text("competence_note", "Why you judge the child competent to decide", max_length=4000, rows=3,
                       required=False, help_text="Only for a child under 16 deciding for themselves (Gillick): "
                       "what they understood of this decision, and how you know")
COMPETENCE_NEEDED = "Say why you judge the child competent to decide for themselves"
PARENT_NOT_ADULT = "A parent or carer deciding for children must be one of the adults on this contact"
SELF_NOT_CHILD = "Only a child or young person on this contact can decide for themselves in this capacity"
ADULT_SELF_NOT_ADULT = "Only an adult on this contact can decide for themselves as an adult"
YOUNG_PERSON_AGE = "A young person deciding for themselves at 16 or 17 must be aged 16 or 17"
CHILDREN_LABEL = "Whose information does it cover?"
CHILDREN_MISSING = "Select the children it covers"
CHILD_NOT_ON_CONTACT = "Select children named on this contact"
FOR_THEMSELVES_ONLY = "Someone deciding for themselves decides only about their own information: select only them"
AGENCY_KINDS_LABEL = "Which kinds of agency may be asked?"
AGENCY_KINDS_INVALID = "Select kinds of agency from the list"
AGENCIES_LABEL = "Or particular agencies"
AGENCY_UNKNOWN = "Select agencies from the list"
SCOPE_MISSING = "Select the agencies (or kinds of agency) it covers"
INFO_KINDS_LABEL = "Which kinds of information?"
INFO_KINDS_INVALID = "Select kinds of information from the list"
INFO_KINDS_MISSING = "Select the kinds of information they agreed to"
PURPOSE = Text("purpose", "What was it asked for?", max_length=4000, rows=3,
               required_message="Enter what consent was asked for",
               help_text="The purpose, as explained to them: for example, checks with the school and police to "
               "decide what help the family needs")
METHOD = Choice("method", "How was it obtained?", tuple(Method.choices), required_message="Select how it was obtained",
                invalid_message="Select how it was obtained from the list")
EXPLAINED_LABEL = "What was explained to them?"
EXPLAINED_INVALID = "Select what was explained from the list"
EXPLAINED_INCOMPLETE = ("Consent is informed only if you explained all four: who will be asked, what for, how long "
                        "it is kept, and that they may refuse or withdraw")
UNDERSTOOD = Choice("understood", "Did they understand what they were agreeing to?", tuple(YesNo.choices),
                    required_message="Select whether they understood",
                    invalid_message="Select whether they understood from the list")
NOT_UNDERSTOOD = ("Consent counts only if they understood what they agreed to: explain again, or record that they "
                  "did not agree")
OBTAINED_BY = Text("obtained_by", "Who asked them?", max_length=200, required_message="Enter who asked them",
                   help_text="Your name, or the referrer's if they asked")
OBTAINED_AT_MISSING = "Enter the date and time they were asked"
OBTAINED_AT_FUTURE = "The date and time they were asked must be in the past"
NOTES = Text("notes", "Anything else (optional)", max_length=4000, rows=3, required=False)

# --- withdrawing consent -------------------------------------------------------------------------------------

WITHDRAWN_AT_MISSING = "Enter the date and time consent was withdrawn"
WITHDRAWN_AT_FUTURE = "The date and time consent was withdrawn must be in the past"
WITHDRAWN_BEFORE_GIVEN = "The date consent was withdrawn must be on or after the date it was given ({given})"
WITHDRAWAL_METHOD = Choice("method", "How did they withdraw it?", tuple(Method.choices),
                           required_message="Select how they withdrew consent",
                           invalid_message="Select how they withdrew consent from the list")
WITHDRAWAL_NOTE = Text("note", "What did they say? (optional)", max_length=4000, rows=3, required=False)
NOT_WITHDRAWABLE = "Only consent that was given can be withdrawn: this record is {state}"

# --- proposing and deciding to share without consent -----------------------------------------------------------

DECISION_CHILDREN_MISSING = "Select the children it covers"
DECISION_AGENCIES_LABEL = "Which agencies may be asked?"
DECISION_AGENCIES_MISSING = "Select the agencies it covers"
DECISION_AGENCY_UNKNOWN = "Select agencies from the list: only active agencies that signed the agreement"
THRESHOLD = Choice("threshold", "Which threshold applies?", tuple(Threshold.choices),
                   required_message="Select the threshold that applies",
                   invalid_message="Select a threshold from the list")
REASON_LABEL = "Why share without consent?"
REASON_MISSING = "Select the reason for sharing without consent"
REASON_UNKNOWN = "Select a reason from the list"
HEALTH_NEEDS_OVERRIDE = ("{agencies} can be asked without consent only for a reason that records the overriding "
                         "public interest (such as a risk of significant harm): choose such a reason, or remove "
                         "{them}")
NARRATIVE = Text("narrative", "Why is consent not sought, or overridden?", max_length=10000, rows=5,
                 required_message="Enter why consent is not sought or is overridden",
                 help_text="What you know, and why asking (or respecting a refusal) would not keep the child safe")
DECISION_PURPOSE = Text("purpose", "What is the information for?", max_length=4000, rows=3,
                        required_message="Enter what the information is for")
ADVICE = Text("advice", "Advice taken (optional)", max_length=4000, rows=2, required=False,
              help_text="For example from the designated safeguarding lead, the data protection officer or the "
              "Caldicott Guardian")
FAMILY_TOLD = Choice("family_told", "Will the family be told?", tuple(FamilyTold.choices),
                     required_message="Select whether the family will be told",
                     invalid_message="Select whether the family will be told from the list")
FAMILY_TOLD_ON_MISSING = "Enter when the family was or will be told"
FAMILY_NOT_TOLD_REASON = Text("family_not_told_reason", "If not, why not?", max_length=4000, rows=2,
                              required=False)
FAMILY_NOT_TOLD_REASON_MISSING = "Say why the family will not be told"

OUTCOME = Choice("outcome", "Your decision", tuple(DecisionOutcome.choices), required_message="Select your decision",
                 invalid_message="Select your decision from the list")
LAWFUL_BASIS_LABEL = "Lawful basis"
LAWFUL_BASIS_MISSING = "Select the lawful basis for sharing"
LAWFUL_BASIS_UNKNOWN = "Select a lawful basis from the list"
DECISION_NOTE = Text("note", "Your reasons", max_length=10000, rows=4, required=False,
                     help_text="Required if you decide not to share")
DECISION_NOTE_MISSING = "Say why you decided not to share"
OWN_PROPOSAL = "You proposed this, so another manager must decide it (four eyes)"
ALREADY_DECIDED = "This proposal has already been decided"

# --- flags and anonymity ----------------------------------------------------------------------------------------

CLEAR_NOTE = Text("note", "What did you do about requests made under it?", max_length=4000, rows=3,
                  required_message="Say what you did about requests made under the lost basis")
ALREADY_CLEARED = "This flag has already been cleared"
ANONYMITY_NOTE = Text("note", "What did the referrer ask? (optional)", max_length=2000, rows=2, required=False)
ALREADY_ANONYMOUS = "The referrer's wish to stay anonymous is already recorded"
