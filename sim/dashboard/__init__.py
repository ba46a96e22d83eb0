"""The classroom dashboard (``brink dashboard``; guide: docs/dashboard.md).

``state`` holds the rules (scenarios, settings, the feed, the team game) in
plain Python; ``figures`` the live plots; ``app`` the Solara pages;
``serve`` starts the server; ``assets`` fetches its scripts for offline use.
"""
