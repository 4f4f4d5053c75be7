"""What the analyst does with signals, and what the reports say.

Owns the review actions and assessments (`reviewing.Reviewer`), the pure status rules
(`status`), the one report model and its formats (`reports`, `tabular`), the digest and
hooks (`alerts`) and the read models the faces show (`overview`). Statuses are computed
in one place (`reviewing.current_statuses`) so every face and export agrees.
"""
