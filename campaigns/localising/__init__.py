"""Localised material: templates whose text has named fields, filled with a partner's own
figures from the portal (its area's help-seekers, its force's enforcement figures) and the words
the partner writes (local quotes).

`fields` says which fields there are and computes their values; `docx` reads and fills Word
templates; `pdf` lays the same words out as a PDF. The models are in campaigns/models/localised.py
and the actions in campaigns/services/localising.py.
"""
