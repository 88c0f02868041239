"""Instrument definition files (JSON), read by the registry as package data."""
