"""Reference data of the model city, Yancheng (盐城), as plain Python tables.

- :mod:`.divisions`: the city, its county-level units, the two functional zones, their
  townships/streets, and rough centre coordinates.
- :mod:`.domains`: supervision domains (key domains and enforcement fields).
- :mod:`.departments`: the departments named in the 2021 task-division plan (盐政办发〔2021〕94号)
  and in REQUIREMENTS "Who uses it", with their roles and domains; enforcement teams.

Loaded idempotently by :func:`crossreg.synth.reference.orgs_reference_load`.
"""
