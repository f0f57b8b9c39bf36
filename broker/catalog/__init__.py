"""Pure helpers of the marketplace: the controlled vocabulary, ISO code lists, workforce
disclosure rules (validation, completeness, pay floor) and the price-history chart.

No Flask, no database, no clock: plain data in, plain data out.
"""
