"""The fictional demo market as plain data: every name, figure and relation is invented.

Codes come from the catalog's controlled vocabulary (broker.catalog.vocabulary); money is in
USD minor units (cents). Times are not here: the loader places everything around "now".
"""
from __future__ import annotations

from dataclasses import dataclass, field

CURRENCY = "USD"


@dataclass(frozen=True)
class Vendor:
    slug: str
    name: str
    legal_name: str
    kind: str  # crowd | managed_workforce | expert_network
    hq: str
    headcount: int
    certifications: tuple[str, ...]
    ownership: tuple[tuple[str, float], ...]  # owners above 5 %
    description: str


@dataclass(frozen=True)
class Offer:
    key: str  # stable handle used by guarantees below
    vendor: str
    title: str
    task_type: str
    modality: str
    expertise: str
    unit: str
    languages: tuple[str, ...]
    price: int  # current price, minor units per unit
    old_price: int  # the superseded one
    capacity: int  # units per week
    turnaround_days: int
    pay: int  # disclosed effective hourly pay, minor units
    annotator_share: float
    quality: str = "standard"
    content_risk: str = "none"
    security: dict = field(default_factory=dict)


V = Vendor
VENDORS = (
    V("lumen-label-works", "Lumen Label Works", "Lumen Label Works Ltd.", "managed_workforce", "KE", 640,
      ("ISO 27001", "SOC 2 Type II"), (("Founders (W. Kamau, D. Otieno)", 62.0), ("Savanna Impact Fund", 24.5)),
      "Nairobi-based managed teams for preference data, moderation and computer vision; salaried annotators."),
    V("northstar-annotation", "Northstar Annotation", "Northstar Annotation Services Inc.", "managed_workforce", "PH",
      1150, ("ISO 27001", "HIPAA-ready"), (("Helios Intelligence", 49.0), ("Founders", 38.0)),
      "Manila and Cebu delivery centres for RLHF, SFT writing and image segmentation."),
    V("quorum-crowd", "Quorum Crowd", "Quorum Crowd Platforms LLC", "crowd", "US", 52000,
      ("SOC 2 Type II",), (("Founders", 44.0), ("Bayside Ventures", 31.0)),
      "An open crowd of contributors in 90 countries for high-volume labeling and ranking."),
    V("taskweave", "Taskweave", "Taskweave GmbH", "crowd", "DE", 8700,
      ("ISO 27001", "GDPR Art. 28 DPA"), (("Founders", 70.0), ("Rhein Capital", 18.0)),
      "A European crowd of vetted linguists; data stays in the EU."),
    V("meridian-experts", "Meridian Expert Network", "Meridian Expert Network PBC", "expert_network", "US", 2300,
      ("SOC 2 Type II", "HIPAA"), (("Meridian Employee Trust", 36.0), ("Northbridge Health Partners", 22.0)),
      "Licensed physicians, radiologists, PhD scientists and CFA charterholders reviewing model output."),
    V("veritas-counsel", "Veritas Counsel Review", "Veritas Counsel Review LLP", "expert_network", "GB", 410,
      ("ISO 27001", "Cyber Essentials Plus"), (("Partners of the LLP", 100.0),),
      "Qualified solicitors and attorneys for legal answer review and contract annotation."),
    V("polyglot-voice", "Polyglot Voice Labs", "Polyglot Voice Labs Pvt. Ltd.", "managed_workforce", "IN", 1900,
      ("ISO 27001", "ISO 9001"), (("Founders", 55.0), ("Deccan Growth Fund", 27.0)),
      "Speech transcription and audio ranking in twelve Indian languages."),
    V("redline-adversarial", "Redline Adversarial", "Redline Adversarial Research Inc.", "expert_network", "CA", 260,
      ("SOC 2 Type I",), (("Founders", 81.0), ("Maple Security Angels", 9.0)),
      "Security researchers and trained red-teamers probing models for harmful capabilities."),
    V("kestrel-data", "Kestrel Data Services", "Kestrel Data Services S.A.S.", "managed_workforce", "CO", 720,
      ("ISO 27001",), (("Founders", 58.0), ("Andes Impact Capital", 30.0)),
      "Bogotá and Medellín teams for Spanish and Portuguese preference data and video labeling."),
    V("atlas-microtask", "Atlas Microtask", "Atlas Microtask Pte. Ltd.", "crowd", "SG", 140000,
      (), (("Harbour Light Holdings", 67.0), ("Founders", 21.0)),
      "Budget micro-tasking at very large volume; piece-rate pay."),
)

O = Offer
EU = {"data_residency": "EU", "nda": True, "secure_facility": False}
NDA = {"nda": True, "secure_facility": False}
SECURE = {"nda": True, "secure_facility": True, "iso27001": True}
OFFERINGS = (
    O("lumen-rlhf", "lumen-label-works", "RLHF preference ranking — English and Swahili chat", "preference_ranking",
      "text", "general", "comparison", ("en", "sw"), 110, 95, 18000, 5, 900, 46.0, "gold", security=NDA),
    O("lumen-boxes", "lumen-label-works", "Bounding boxes — street scenes", "annotation", "image", "general",
      "item", ("en",), 38, 42, 40000, 4, 880, 44.0),
    O("lumen-tickets", "lumen-label-works", "Text classification — support tickets", "labeling", "text", "general",
      "label", ("en", "sw", "fr"), 7, 6, 120000, 3, 900, 41.0),
    O("lumen-moderation", "lumen-label-works", "Content moderation — social posts with wellbeing support",
      "content_moderation", "multimodal", "general", "item", ("en", "sw"), 25, 22, 30000, 2, 1000, 48.0,
      "gold", "graphic", NDA),
    O("northstar-code-pref", "northstar-annotation", "Preference ranking — coding assistants", "preference_ranking",
      "code", "software", "comparison", ("en",), 240, 210, 9000, 5, 1150, 39.0, "adjudicated", security=NDA),
    O("northstar-sft", "northstar-annotation", "Multi-turn SFT demonstrations", "data_collection", "text",
      "general", "conversation_turn", ("en", "tl"), 450, 400, 6000, 7, 1200, 42.0, "adjudicated", security=NDA),
    O("northstar-segmentation", "northstar-annotation", "Image segmentation — retail products", "annotation",
      "image", "general", "item", ("en",), 95, 90, 12000, 6, 820, 37.0),
    O("northstar-eval", "northstar-annotation", "Model evaluation — helpfulness and harmlessness", "evaluation",
      "text", "general", "item", ("en", "tl"), 180, 160, 8000, 4, 980, 40.0, "gold"),
    O("quorum-pref", "quorum-crowd", "Preference ranking — general chat, six languages", "preference_ranking",
      "text", "general", "comparison", ("en", "es", "pt-BR", "fr", "de", "hi"), 85, 90, 60000, 3, 870, 52.0,
      "crowd"),
    O("quorum-boxes", "quorum-crowd", "Image bounding boxes at scale", "annotation", "image", "general", "item",
      ("en",), 22, 25, 150000, 3, 820, 55.0, "crowd"),
    O("quorum-sentiment", "quorum-crowd", "Sentiment and intent labeling", "labeling", "text", "general",
      "label", ("en", "es", "pt-BR"), 4, 5, 300000, 2, 810, 50.0, "crowd"),
    O("quorum-speech", "quorum-crowd", "Household speech prompts — recorded by contributors", "data_collection",
      "audio", "general", "item", ("en", "es", "hi"), 150, 140, 20000, 10, 900, 58.0, "crowd"),
    O("taskweave-ner", "taskweave", "Named-entity annotation — European languages", "annotation", "text",
      "linguistics", "label", ("de", "fr", "es", "it", "pl", "nl"), 9, 8, 80000, 4, 1450, 57.0, security=EU),
    O("taskweave-mt-rating", "taskweave", "Translation quality rating (MQM)", "evaluation", "text",
      "linguistics", "item", ("de", "fr", "es", "it", "en"), 60, 55, 15000, 5, 1600, 60.0, "gold", security=EU),
    O("taskweave-transcription", "taskweave", "Audio transcription — German and French", "transcription",
      "audio", "general", "hour", ("de", "fr"), 8500, 7900, 600, 7, 1700, 56.0, security=EU),
    O("meridian-clinical", "meridian-experts", "Clinical note review by licensed physicians", "expert_review",
      "text", "medicine", "item", ("en",), 4800, 4500, 350, 10, 9500, 63.0, "expert", security=SECURE),
    O("meridian-radiology", "meridian-experts", "Medical imaging annotation by radiologists", "annotation",
      "image", "medicine", "item", ("en",), 3200, 3400, 500, 14, 11000, 65.0, "expert", security=SECURE),
    O("meridian-stem", "meridian-experts", "STEM reasoning review by PhD mathematicians", "expert_review", "text",
      "mathematics", "item", ("en",), 2600, 2400, 800, 7, 6500, 61.0, "expert"),
    O("meridian-finance", "meridian-experts", "Finance answer review by CFA charterholders", "expert_review",
      "text", "finance", "item", ("en",), 3000, 2800, 400, 7, 7000, 60.0, "expert", security=NDA),
    O("veritas-legal", "veritas-counsel", "Legal answer review — UK and US qualified lawyers", "expert_review",
      "text", "law", "item", ("en",), 5500, 5200, 300, 10, 8500, 58.0, "expert", security=SECURE),
    O("veritas-contracts", "veritas-counsel", "Contract clause annotation", "annotation", "text", "law", "label",
      ("en", "fr", "de"), 900, 850, 4000, 8, 5200, 55.0, "adjudicated", security=NDA),
    O("polyglot-indic", "polyglot-voice", "Audio transcription — Indian languages", "transcription", "audio",
      "general", "hour", ("hi", "bn", "ta", "te", "mr", "en-IN"), 4200, 4500, 1500, 6, 540, 31.0),
    O("polyglot-tts-pref", "polyglot-voice", "Speech preference ranking — TTS naturalness", "preference_ranking",
      "audio", "linguistics", "comparison", ("hi", "en-IN", "ta"), 60, 55, 25000, 4, 610, 29.0),
    O("polyglot-callcentre", "polyglot-voice", "Call-centre transcription — English", "transcription", "audio",
      "general", "hour", ("en",), 5200, 5000, 900, 5, 860, 33.0),
    O("redline-safety", "redline-adversarial", "Red-teaming — jailbreaks and harmful-content probing",
      "red_teaming", "text", "security", "conversation_turn", ("en", "fr"), 900, 800, 3000, 7, 4200, 54.0,
      "adjudicated", "extreme", SECURE),
    O("redline-cyber", "redline-adversarial", "Cyber red-teaming — exploit and malware uplift", "red_teaming",
      "code", "security", "conversation_turn", ("en",), 1800, 1600, 900, 10, 7500, 57.0, "expert", "mild",
      SECURE),
    O("redline-code-review", "redline-adversarial", "Code review of model output by senior engineers",
      "expert_review", "code", "software", "item", ("en",), 1400, 1300, 2500, 5, 6000, 59.0, "expert"),
    O("kestrel-pref", "kestrel-data", "Preference ranking — Spanish and Portuguese", "preference_ranking",
      "text", "general", "comparison", ("es", "pt-BR"), 95, 100, 22000, 4, 830, 43.0, "gold"),
    O("kestrel-redteam", "kestrel-data", "Red-teaming — Spanish-language safety probes", "red_teaming", "text",
      "general", "conversation_turn", ("es",), 500, 450, 2500, 6, 1100, 45.0, "adjudicated", "graphic", NDA),
    O("kestrel-video", "kestrel-data", "Video action labeling", "labeling", "video", "general", "item",
      ("es", "en"), 55, 50, 10000, 6, 840, 42.0),
    O("atlas-tagging", "atlas-microtask", "Micro-task image tagging", "labeling", "image", "general", "label",
      ("en",), 2, 3, 500000, 2, 380, 24.0, "crowd"),
    O("atlas-boxes", "atlas-microtask", "Bounding boxes — budget tier", "annotation", "image", "general", "item",
      ("en",), 15, 18, 200000, 3, 450, 26.0, "crowd"),
    O("atlas-pref", "atlas-microtask", "Chat preference ranking — budget tier", "preference_ranking", "text",
      "general", "comparison", ("en", "ar", "ur", "bn"), 45, 50, 80000, 3, 520, 22.0, "crowd"),
)

# Quality mechanisms, by the kind of review an offering uses.
QUALITY = {
    "standard": {"gold_tasks": True, "redundancy": 2, "consensus": "majority", "agreement_metric": "percent_agreement"},
    "gold": {"gold_tasks": True, "redundancy": 3, "consensus": "majority", "agreement_metric": "krippendorff_alpha"},
    "crowd": {"gold_tasks": True, "redundancy": 5, "consensus": "dawid_skene", "agreement_metric": "fleiss_kappa"},
    "adjudicated": {"gold_tasks": True, "redundancy": 2, "consensus": "adjudication", "agreement_metric": "cohen_kappa"},
    "expert": {"gold_tasks": False, "redundancy": 1, "consensus": "adjudication", "agreement_metric": "none"},
}

# Developer orgs: (slug, name, declared headcount). Size classes: small < 50, medium 50–999,
# large ≥ 1 000.
DEVELOPERS = (
    ("helios-intelligence", "Helios Intelligence", 4200),
    ("orbital-minds", "Orbital Minds", 2600),
    ("orbital-minds-research", "Orbital Minds Research", 140),
    ("cascade-foundation-models", "Cascade Foundation Models", 1350),
    ("brightwater-labs", "Brightwater Labs", 1100),
    ("tessellate-ai", "Tessellate AI", 180),
    ("fernhill-robotics", "Fernhill Robotics", 320),
    ("lattice-health-ai", "Lattice Health AI", 95),
    ("quillmark", "Quillmark", 60),
    ("sable-systems", "Sable Systems", 540),
    ("northwind-speech", "Northwind Speech", 75),
    ("pinecrest-analytics", "Pinecrest Analytics", 850),
    ("minnow-ml", "Minnow ML", 8),
    ("tidepool-research", "Tidepool Research", 14),
    ("wren-and-finch", "Wren & Finch", 22),
    ("kiln-ai", "Kiln AI", 35),
    ("larkspur-nlp", "Larkspur NLP", 11),
    ("bramble-bio", "Bramble Bio", 27),
    ("cobalt-tutors", "Cobalt Tutors", 19),
    ("juniper-legal-ai", "Juniper Legal AI", 42),
    ("sorrel-vision", "Sorrel Vision", 6),
    ("ostrich-labs", "Ostrich Labs", 4),  # applied, awaiting an operator's approval
)
PENDING_DEVELOPERS = ("ostrich-labs",)

GROUP = ("Orbital Holdings", ("orbital-minds", "orbital-minds-research"),
         "Orbital Minds Research is a wholly owned subsidiary of Orbital Minds (declared 2026).")

STAKE = ("helios-intelligence", "northstar-annotation", "49", "equity",
         "Series B lead investor; one board seat.")

# Reservations: (org, offering key, share of the period's capacity), for this week and the next.
GUARANTEES = (
    ("helios-intelligence", "northstar-code-pref", 0.30, "Annual volume contract signed before listing on Parity."),
    ("tessellate-ai", "northstar-code-pref", 0.10, "Pilot commitment for the coding-assistant launch."),
    ("cascade-foundation-models", "quorum-pref", 0.20, "Multi-quarter RLHF programme."),
    ("lattice-health-ai", "meridian-clinical", 0.20, "Regulatory study with a fixed weekly review load."),
    ("brightwater-labs", "redline-safety", 0.20, "Pre-release safety evaluation commitment."),
)

# Pending requests: (org, task_type, modality, expertise, language, units, max price, hours ago,
# deadline in weeks from now or None). Demand exceeds capacity for clinical review, legal
# review, English safety red-teaming and coding preference data.
REQUESTS = (
    ("helios-intelligence", "preference_ranking", "code", "software", "en", 8000, 260, 70, 2),
    ("tessellate-ai", "preference_ranking", "code", "software", "en", 3000, 250, 52, 3),
    ("orbital-minds", "preference_ranking", "code", "software", "en", 4000, 300, 47, None),
    ("kiln-ai", "preference_ranking", "code", "software", "en", 600, 245, 20, 2),
    ("minnow-ml", "preference_ranking", "code", "software", "en", 250, 240, 9, None),
    ("lattice-health-ai", "expert_review", "text", "medicine", "en", 300, 5000, 66, 4),
    ("helios-intelligence", "expert_review", "text", "medicine", "en", 250, 5200, 40, None),
    ("bramble-bio", "expert_review", "text", "medicine", "en", 120, 4900, 30, 3),
    ("cascade-foundation-models", "expert_review", "text", "medicine", "en", 200, 6000, 26, None),
    ("tidepool-research", "expert_review", "text", "medicine", "en", 40, 4800, 5, 2),
    ("juniper-legal-ai", "expert_review", "text", "law", "en", 220, 5600, 61, 3),
    ("orbital-minds-research", "expert_review", "text", "law", "en", 180, 6000, 44, None),
    ("brightwater-labs", "expert_review", "text", "law", "en", 150, 5500, 33, None),
    ("quillmark", "expert_review", "text", "law", "en", 90, 5800, 12, 4),
    ("brightwater-labs", "red_teaming", "text", "security", "en", 1500, 1000, 58, 2),
    ("helios-intelligence", "red_teaming", "text", "security", "en", 1800, 950, 49, None),
    ("orbital-minds", "red_teaming", "text", "security", "en", 1200, 1200, 38, None),
    ("larkspur-nlp", "red_teaming", "text", "security", "en", 150, 900, 15, 3),
    ("sable-systems", "red_teaming", "text", "security", "en", 400, 900, 8, None),
    ("sable-systems", "red_teaming", "code", "security", "en", 300, 2000, 29, None),
    ("cascade-foundation-models", "preference_ranking", "text", "general", "en", 25000, 120, 72, None),
    ("tessellate-ai", "preference_ranking", "text", "general", "en", 6000, 100, 35, 2),
    ("wren-and-finch", "preference_ranking", "text", "general", "en", 1500, 90, 22, None),
    ("cobalt-tutors", "preference_ranking", "text", "general", "es", 2500, 110, 18, 3),
    ("pinecrest-analytics", "preference_ranking", "text", "general", "pt-BR", 4000, 100, 27, None),
    ("northwind-speech", "transcription", "audio", "general", "hi", 300, 4500, 63, 4),
    ("northwind-speech", "transcription", "audio", "general", "en", 500, 5500, 41, None),
    ("fernhill-robotics", "annotation", "image", "general", "en", 60000, 40, 56, 3),
    ("sorrel-vision", "annotation", "image", "general", "en", 8000, 25, 24, None),
    ("sorrel-vision", "annotation", "image", "medicine", "en", 150, 3300, 3, 6),
    ("fernhill-robotics", "labeling", "video", "general", "en", 4000, 60, 31, None),
    ("pinecrest-analytics", "labeling", "text", "general", "en", 90000, 6, 45, None),
    ("quillmark", "annotation", "text", "linguistics", "de", 20000, 10, 19, None),
    ("orbital-minds-research", "evaluation", "text", "linguistics", "fr", 3000, 70, 14, 2),
    ("tessellate-ai", "data_collection", "text", "general", "en", 2500, 480, 11, 3),
    ("kiln-ai", "expert_review", "code", "software", "en", 800, 1500, 7, None),
    ("minnow-ml", "expert_review", "text", "mathematics", "en", 200, 2700, 4, None),
    # Below every matching price: shows the "over budget" reason.
    ("wren-and-finch", "expert_review", "text", "finance", "en", 50, 1500, 2, None),
)

# Workforce disclosures, one per vendor for the last closed quarter.
# (vendor, headcount, employment mix, countries, median pay, % below min wage, % below living
#  wage, time estimate shown, payment days, harmful-content protections, representation,
#  % domain experts, Fairwork principles met, attestation, attested by)
DISCLOSURES = (
    ("lumen-label-works", 640, {"employee": 88.0, "contractor": 12.0}, {"KE": 81.0, "UG": 11.0, "TZ": 8.0},
     910, 0.0, 6.0, True, 14, "Opt-out of graphic queues, weekly counselling, 4-hour cap on graphic content.",
     "Elected staff council; recognised union since 2025.", 4.0,
     ["pay", "conditions", "contracts", "management", "representation"], "third_party", "Fairwork assessment 2026"),
    ("northstar-annotation", 1150, {"employee": 64.0, "contractor": 36.0}, {"PH": 92.0, "VN": 8.0}, 1120, 0.0, 11.0,
     True, 15, "Rotation off sensitive queues every two weeks.", "Staff forum, no collective agreement.", 9.0,
     ["pay", "conditions", "contracts"], "self", ""),
    ("quorum-crowd", 52000, {"crowd": 100.0}, {"US": 28.0, "IN": 26.0, "PH": 14.0, "BR": 12.0, "NG": 11.0, "KE": 9.0},
     860, 4.0, 31.0, True, 7, "Content warnings before tasks; optional skipping without penalty.",
     "Contributor forum moderated by staff.", 6.0, ["pay", "management"], "self", ""),
    ("taskweave", 8700, {"contractor": 72.0, "crowd": 28.0}, {"DE": 34.0, "PL": 22.0, "ES": 18.0, "FR": 16.0, "IT": 10.0},
     1520, 0.0, 3.0, True, 10, "No graphic content accepted.", "Works council consultation for contract changes.",
     18.0, ["pay", "conditions", "contracts", "management"], "audit", "Civic Ledger Audit"),
    ("meridian-experts", 2300, {"contractor": 100.0}, {"US": 71.0, "CA": 14.0, "GB": 15.0}, 8900, 0.0, 0.0, True, 30,
     "Not applicable: no harmful content in expert queues.", "Expert advisory board.", 100.0,
     ["pay", "contracts", "management"], "third_party", "Helmsworth Assurance LLP"),
    ("veritas-counsel", 410, {"employee": 22.0, "contractor": 78.0}, {"GB": 64.0, "US": 36.0}, 8200, 0.0, 0.0, True, 30,
     "Not applicable.", "Partners' meeting.", 100.0, ["pay", "conditions", "contracts"], "self", ""),
    ("polyglot-voice", 1900, {"employee": 41.0, "contractor": 59.0}, {"IN": 100.0}, 560, 2.0, 38.0, False, 30,
     "Audio flagged as distressing can be skipped.", "Grievance committee with elected members.", 3.0,
     ["contracts"], "self", ""),
    ("redline-adversarial", 260, {"employee": 35.0, "contractor": 65.0}, {"CA": 58.0, "US": 30.0, "GB": 12.0}, 5200,
     0.0, 0.0, True, 14, "Mandatory wellbeing check-ins, capped exposure hours, paid recovery time.",
     "Team leads elected by red-teamers.", 72.0, ["pay", "conditions", "contracts", "management", "representation"],
     "third_party", "Fairwork assessment 2026"),
    ("kestrel-data", 720, {"employee": 70.0, "contractor": 30.0}, {"CO": 76.0, "VE": 14.0, "PE": 10.0}, 850, 0.0, 14.0,
     True, 15, "Psychological support for moderation and red-teaming teams.", "Employee committee (COPASST).", 5.0,
     ["pay", "conditions", "contracts"], "self", ""),
    ("atlas-microtask", 140000, {"crowd": 100.0}, {"VE": 31.0, "PK": 27.0, "BD": 22.0, "KE": 12.0, "NG": 8.0}, 410,
     19.0, 64.0, False, 21, "", "", 1.0, [], "self", ""),
)

AUDITOR = ("civic-ledger-audit", "Civic Ledger Audit", 30)
OPERATOR = ("parity-demo-operator", "Parity Demo Operator", 5)

# Pay floors by country: an ILLUSTRATIVE table (every row says so in its source), loaded into
# the demo policy as an operator would with `flask policy floors load FILE`.
PAY_FLOORS_CSV = "pay_floors_illustrative.csv"

# Median hourly pay in each country of a vendor's workforce (USD minor units), beside its
# disclosure above. Quorum pays its US contributors above the global floor but below the
# (illustrative) US floor; Redline pays in three countries, all above their floors.
PAY_BY_COUNTRY = {
    "lumen-label-works": {"KE": 910, "UG": 700, "TZ": 650},
    "northstar-annotation": {"PH": 1120, "VN": 900},
    "quorum-crowd": {"US": 1100, "IN": 420, "PH": 610, "BR": 700, "NG": 380, "KE": 520},
    "taskweave": {"DE": 1600, "PL": 900, "ES": 1300, "FR": 1500, "IT": 1400},
    "meridian-experts": {"US": 9200, "CA": 8400, "GB": 8000},
    "veritas-counsel": {"GB": 8000, "US": 8600},
    "polyglot-voice": {"IN": 560},
    "redline-adversarial": {"CA": 5400, "US": 5600, "GB": 4200},
    "kestrel-data": {"CO": 850, "VE": 600, "PE": 700},
    "atlas-microtask": {"VE": 380, "PK": 420, "BD": 390, "KE": 450, "NG": 400},
}

# Harmful content and exposure limits of the red-teaming offerings (by offering key).
EXPOSURE = {
    # Lumen's own disclosure: a 4-hour cap on graphic content, counselling, opt-out.
    "lumen-moderation": (("violence", "sexual", "hate"),
                         {"workers_assigned": 200, "weekly_hours_per_worker": 4, "minutes_per_unit": 1.2,
                          "counselling": True, "opt_out_without_penalty": True, "rotation": True}),
    "redline-safety": (("violence", "sexual", "self_harm", "hate", "other_severe"),
                       {"workers_assigned": 60, "weekly_hours_per_worker": 15, "minutes_per_unit": 8,
                        "counselling": True, "opt_out_without_penalty": True, "rotation": True}),
    "kestrel-redteam": (("violence", "hate"),
                        {"workers_assigned": 40, "weekly_hours_per_worker": 12, "minutes_per_unit": 10,
                         "counselling": True, "opt_out_without_penalty": True, "rotation": False}),
}
