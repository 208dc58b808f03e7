"""Alerts: rules over the KPIs, their yellow and red zones, and the notifications they owe."""
