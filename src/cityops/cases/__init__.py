"""双中心联动 (dispatch): cases from events to closure."""
