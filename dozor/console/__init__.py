"""The supervisor's live console: operators, conversations in work, load and the KPI panel."""
