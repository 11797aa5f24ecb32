"""The synthetic Yancheng: a deterministic city of market entities, departments, officers and the
departments' messy lists (``crossreg seed``). See docs/synthetic-city.md."""
