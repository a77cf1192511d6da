"""Persona reviews: how a crawled site works for one kind of visitor, and for a focus
group of systematic variations of one.

`review(persona, site_data)` is deterministic and cites its evidence (persona.py,
terms.py, review.py); `group.members` and `group.summary` build and sum up focus
groups; every number comes from the versioned table in thresholds.py. Plain Python,
no Django: the pipeline loads the site data and stores the reviews.
"""
