"""Outcomes: the strategic outcomes framework, indicators and their values, Fingertips data in
and out, area profiles and variation (funnels, SPC, inequality)."""
