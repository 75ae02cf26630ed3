"""The terminal UI: a thin Textual face over tui.core (browse, search, edit, grade, follow up)."""
