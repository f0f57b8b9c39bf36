"""The controlled vocabulary of the catalog: what an offering may say it is.

Each term maps to the label shown on pages; the keys are what the API and database store.
"""
from __future__ import annotations

import re

TASK_TYPES = {
    "annotation": "Annotation",
    "labeling": "Labeling / classification",
    "preference_ranking": "Preference ranking (RLHF)",
    "red_teaming": "Red-teaming",
    "transcription": "Transcription",
    "expert_review": "Domain-expert review",
    "content_moderation": "Content moderation",
    "data_collection": "Data collection",
    "evaluation": "Model evaluation",
}

MODALITIES = {"text": "Text", "image": "Image", "audio": "Audio", "video": "Video",
              "multimodal": "Multimodal", "code": "Code"}

UNITS = {"item": "item", "label": "label", "comparison": "comparison", "hour": "hour",
         "conversation_turn": "conversation turn"}

EXPERTISE = {
    "general": "General", "medicine": "Medicine", "law": "Law", "finance": "Finance",
    "software": "Software engineering", "mathematics": "Mathematics", "science": "Natural sciences",
    "linguistics": "Linguistics", "security": "Security", "education": "Education",
}

CONTENT_RISK = {"none": "None", "mild": "Mild", "graphic": "Graphic", "extreme": "Extreme"}

CONSENSUS_METHODS = {"none": "None", "majority": "Majority vote", "adjudication": "Expert adjudication",
                     "dawid_skene": "Dawid–Skene", "average": "Average"}

AGREEMENT_METRICS = {"none": "None", "percent_agreement": "Percent agreement",
                     "cohen_kappa": "Cohen's kappa", "fleiss_kappa": "Fleiss' kappa",
                     "krippendorff_alpha": "Krippendorff's alpha"}

VENDOR_KINDS = {"crowd": "Crowd platform", "managed_workforce": "Managed workforce",
                "expert_network": "Expert network"}

EMPLOYMENT_TYPES = {"employee": "Employees", "contractor": "Contractors", "crowd": "Crowd workers",
                    "other": "Other"}

FAIRWORK_PRINCIPLES = {"pay": "Fair pay", "conditions": "Fair conditions", "contracts": "Fair contracts",
                       "management": "Fair management", "representation": "Fair representation"}

ATTESTATIONS = {"self": "Self-declared", "third_party": "Third-party attested", "audit": "Independent audit"}

_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8}){0,3}$")


def normalise_language(tag: str) -> str | None:
    """A BCP 47 tag in its usual case (``pt-br`` → ``pt-BR``), or None if it is not one."""
    if not isinstance(tag, str) or not _LANGUAGE.match(tag.strip().lower()):
        return None
    parts = tag.strip().lower().split("-")
    out = [parts[0]]
    for p in parts[1:]:
        if len(p) == 2 and p.isalpha():
            out.append(p.upper())  # region
        elif len(p) == 4 and p.isalpha():
            out.append(p.title())  # script
        else:
            out.append(p)
    return "-".join(out)
