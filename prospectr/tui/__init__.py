"""The Textual workspace: screens and widgets over ``prospectr.domain``."""
