"""``bedrockcache lint``: Bedrock call sites found in Python source and audited statically.

The submodules are imported where used: ``checker`` (one file), ``runner`` (many files),
``diagnostic`` (the result types, light to import for output formats and the flake8 plugin).
"""
