"""Tests of the worker's job functions."""
