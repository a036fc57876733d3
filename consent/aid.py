"""The decision aid: the questions of the 2024 DfE information sharing advice and the Haringey judgment, in plain
words, and what they suggest recording. It never decides: it suggests a form, and a person fills it in (a sharing
decision is then decided by a manager). Pure functions: no database, nothing written.
"""

from __future__ import annotations

from dataclasses import dataclass

from .codes import Threshold


@dataclass(frozen=True)
class Question:
    name: str
    text: str
    hint: str
    choices: tuple[tuple[str, str], ...]
    required_message: str


YES_NO = (("yes", "Yes"), ("no", "No"))

QUESTIONS = (
    Question("threshold", "Which threshold applies?",
             "Below the section 47 threshold the default is to ask the family for consent (the Haringey judgment).",
             tuple(Threshold.choices), "Select the threshold that applies"),
    Question("asking_puts_at_risk", "Would asking for consent put the child, or anyone else, at greater risk?",
             "For example, the parent is the alleged abuser, or may put pressure on the child.", YES_NO,
             "Select whether asking would put anyone at greater risk"),
    Question("asking_prejudices_crime", "Would asking prejudice the prevention or detection of a crime?",
             "For example, evidence could be lost, or a suspect warned.", YES_NO,
             "Select whether asking would prejudice a crime's prevention or detection"),
    Question("delay", "Would waiting for consent cause a delay that leaves the child at risk?",
             "", YES_NO, "Select whether waiting would leave the child at risk"),
    Question("refused", "Has the family already been asked, and refused?", "", YES_NO,
             "Select whether the family has refused"),
    Question("lacks_capacity", "Does the person who would be asked lack the capacity to decide?",
             "And nobody else with parental responsibility can be asked.", YES_NO,
             "Select whether the person lacks capacity"),
)


@dataclass(frozen=True)
class Suggestion:
    """What to record: "seek_consent" (record consent), or "propose" a sharing decision for `reason` (a
    SharingReason code). `words` says why, in plain words; `then` what follows."""

    action: str
    reason: str
    words: str
    then: str


SUGGEST_DISCLAIMER = ("This is a suggestion, not a decision. You decide what to record, and only a manager can "
                      "decide to share without consent. Seek advice if in doubt (your manager, the data protection "
                      "officer, the Caldicott Guardian for health information).")


def suggest(answers: dict[str, str]) -> Suggestion:
    """What the answers suggest recording (DOMAIN.md section 2):

    - The child's protection comes first; consent is not needed where a child is at risk of significant harm, but a
      lawful basis is, and the decision and its reasons are recorded.
    - Below the section 47 threshold the default is to seek consent; a refusal is respected unless a manager
      decides the risk outweighs it.
    - Tell the family what will be shared, unless that is unsafe.
    """
    s47 = answers.get("threshold") == Threshold.S47
    yes = {name for name, value in answers.items() if value == "yes"}
    if "asking_puts_at_risk" in yes:
        return Suggestion("propose", "risk_of_harm",
                          "Asking for consent would put someone at greater risk: you should not ask. Propose sharing "
                          "without consent, because seeking it would place the child at risk of significant harm."
                          + ("" if s47 else " Check the threshold too: a risk like this may mean section 47 applies."),
                          "A manager decides, with the lawful basis. Do not tell the family while that is unsafe.")
    if "asking_prejudices_crime" in yes:
        return Suggestion("propose", "prejudice_crime",
                          "Asking would prejudice the prevention or detection of a crime. Propose sharing without "
                          "consent for that reason.",
                          "A manager decides, with the lawful basis; agree with the police when the family is told.")
    if s47 and "delay" in yes:
        return Suggestion("propose", "undue_delay",
                          "The child may be at risk of significant harm and waiting for consent would leave them at "
                          "risk. Propose sharing without consent because seeking it would cause unjustified delay.",
                          "Tell the family what is being shared and why as soon as it is safe. A health agency "
                          "needs a reason recording the overriding public interest: if the delay itself puts the "
                          "child at risk of significant harm, choose that reason instead.")
    if "lacks_capacity" in yes:
        return Suggestion("propose", "lacks_capacity",
                          "The person cannot decide, and nobody else with parental responsibility can be asked. "
                          "Propose sharing without consent because the person lacks capacity.",
                          "Record how you judged their capacity in the narrative.")
    if "refused" in yes:
        if s47:
            return Suggestion("propose", "refused_risk_outweighs",
                              "The family refused, but there is reasonable cause to suspect significant harm. The "
                              "child's protection outweighs their privacy: propose sharing despite the refusal.",
                              "A manager decides, with the lawful basis; tell the family, unless that is unsafe.")
        return Suggestion("propose", "refused_risk_outweighs",
                          "The family refused and the case is below the section 47 threshold: respect the refusal, "
                          "unless you judge the risk to the child outweighs it. Only then, propose sharing despite "
                          "the refusal, and say why.",
                          "If you respect the refusal, the refusal on record is enough: nobody is asked.")
    if s47:
        return Suggestion("seek_consent", "",
                          "Consent is not needed where a child is at risk of significant harm, but asking is safe "
                          "here: tell the family what you will share, with whom and why, and record their answer.",
                          "If they refuse, or cannot be reached in time, propose sharing without consent.")
    return Suggestion("seek_consent", "",
                      "Below the section 47 threshold, ask the family for consent before contacting other agencies. "
                      "Explain who will be asked, what for, how long it is kept, and that they may refuse.",
                      "Record their answer. If they refuse, respect it unless a manager decides the risk outweighs it.")
