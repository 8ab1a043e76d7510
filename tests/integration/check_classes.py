#!/usr/bin/env python3
"""Placeholder while the scenario is explored."""
import sys
print("ok - placeholder")
