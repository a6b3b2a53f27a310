"""bedrockcache inside other tools (pre-commit, flake8), each exercised through the real tool."""
