"""The controlled vocabulary of the catalog: what an offering may say it is.

Each term maps to the label shown on pages; the keys are what the API and database store.
"""
from __future__ import annotations

import re

from broker.catalog.iso import COUNTRIES, LANGUAGES

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


def language_name(tag: str) -> str:
    """A language tag as a person reads it: ``tl`` → "Tagalog", ``pt-BR`` → "Portuguese
    (Brazil)", from the ISO 639 and 3166 tables. A language the table does not know keeps its
    tag ("yue"), and a subtag other than a region is shown as written ("Chinese (Hant)")."""
    parts = (tag or "").split("-")
    name = LANGUAGES.get(parts[0].lower())
    if name is None:
        return tag
    rest = [COUNTRIES.get(p.upper(), p) if len(p) == 2 and p.isalpha() else p for p in parts[1:]]
    return f"{name} ({', '.join(rest)})" if rest else name


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


# Words people search with that the vocabulary spells otherwise ("medical" → Medicine).
SYNONYMS = {
    "medical": ("medicine",), "clinical": ("medicine",), "health": ("medicine",), "healthcare": ("medicine",),
    "legal": ("law",), "lawyer": ("law",), "coding": ("software",), "code": ("software",),
    "programming": ("software",), "math": ("mathematics",), "maths": ("mathematics",),
    "rlhf": ("preference_ranking",), "preference": ("preference_ranking",), "ranking": ("preference_ranking",),
    "moderation": ("content_moderation",), "labelling": ("labeling",), "classification": ("labeling",),
    "speech": ("transcription", "audio"), "eval": ("evaluation",), "evals": ("evaluation",),
    "redteam": ("red_teaming",), "red-teaming": ("red_teaming",), "safety": ("red_teaming",),
    "review": ("expert_review",), "expert": ("expert_review",), "financial": ("finance",),
}


def _stem(word: str) -> str:
    """A crude stem for matching a word against labels: "medical" → "medic"."""
    return word if len(word) <= 4 else word[:max(4, len(word) - 2)]


def search_terms(word: str) -> dict[str, set[str]]:
    """Vocabulary keys a search word stands for: {"task_type": {...}, "expertise": {...},
    "modality": {...}}. Matches keys and labels by a word's stem, and a few synonyms."""
    w = (word or "").strip().lower()
    out: dict[str, set[str]] = {"task_type": set(), "expertise": set(), "modality": set()}
    if len(w) < 3:
        return out
    stem = _stem(w)
    targets = set(SYNONYMS.get(w, ()))
    for kind, terms in (("task_type", TASK_TYPES), ("expertise", EXPERTISE), ("modality", MODALITIES)):
        for key, label in terms.items():
            text = f"{key.replace('_', ' ')} {label}".lower()
            if stem in text or key in targets:
                out[kind].add(key)
    return out
