"""BizLink Settings' new fields (promised installation dates, visit ratings, campaigns) take their
defaults on existing sites (a Single's new field is not filled by the sync)."""

from bizlink.install import set_settings_defaults


def execute():
	set_settings_defaults()
