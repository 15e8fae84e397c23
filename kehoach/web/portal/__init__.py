"""The units' pages behind a signed link: the report form, its submission, the confirmation."""
