"""Tests of the reports domain: the report data object and each of its formats."""
