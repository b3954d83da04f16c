"""Commonweal: integrated commissioning for health and care systems in England."""

__version__ = "0.1.0"
