"""Vendor adapters: one module per way of reaching a vendor's own systems."""
