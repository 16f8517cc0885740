"""The answer stage: hits in, ``Answer`` out.

``followup`` reads a follow-up with the turn before it, ``sentence`` picks each hit's answering
sentence, ``decision`` says whether the best one answers at all, ``compose`` assembles the
``Answer`` with its citations. Pure logic: no files, no model, no Flask.
"""
