"""The tables, one module per concept. Importing this package registers them all on
``SQLModel.metadata`` (Alembic's autogenerate reads it from here)."""
from sqlmodel import SQLModel

from broker.models.allocation import RETURNED_ORDER_STATUSES, Allocation, Delivery, Order, OrderStatus
from broker.models.api_support import IdempotencyRecord, Notification
from broker.models.application import OrgApplication
from broker.models.audit import AuditEntry
from broker.models.catalog_version import CatalogVersion
from broker.models.base import OrgKind, OrgStatus, SizeClass, size_class_of
from broker.models.labor import LaborDisclosure
from broker.models.ledger import LedgerEntry, StripeEvent
from broker.models.mail import OutboundMail
from broker.models.oauth import OAuthClient, OAuthToken
from broker.models.offering import Capacity, Offering, OfferingLanguage, Price
from broker.models.ops import JobRun, ProviderConnection
from broker.models.provider_event import ProviderEvent
from broker.models.org import Org, OrgGroup, Stake
from broker.models.policy import PolicyVersion
from broker.models.price_file import PriceFile
from broker.models.receipt import RequestReceipt
from broker.models.report import Report, SigningKey
from broker.models.request import OPEN_REQUEST_STATUSES, CapacityRequest, RequestStatus
from broker.models.reservation import Guarantee
from broker.models.round import Round
from broker.models.tlog import LogCheckpoint, LogEntry
from broker.models.user import User
from broker.models.vendor import VendorProfile, WorkforceDisclosure

metadata = SQLModel.metadata

__all__ = [
    "OPEN_REQUEST_STATUSES", "Allocation", "AuditEntry", "Capacity", "CapacityRequest", "CatalogVersion", "Delivery",
    "Guarantee", "IdempotencyRecord", "JobRun", "LaborDisclosure", "LedgerEntry", "LogCheckpoint", "LogEntry",
    "Notification", "OutboundMail",
    "OAuthClient", "OAuthToken",
    "Offering", "OfferingLanguage", "Order", "OrderStatus", "Org", "OrgApplication", "OrgGroup", "OrgKind",
    "OrgStatus", "PolicyVersion", "Price", "PriceFile", "ProviderConnection", "ProviderEvent", "RETURNED_ORDER_STATUSES",
    "Report", "RequestReceipt", "RequestStatus",
    "Round", "SigningKey", "SizeClass", "Stake", "StripeEvent", "User", "VendorProfile",
    "WorkforceDisclosure", "metadata", "size_class_of",
]
