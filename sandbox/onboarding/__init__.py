"""Onboarding: the checklist lit by real traffic, the receiver conformance kit, the readiness
report."""
