"""Block Kit builders: plain data in, Slack payloads out, one module per feature.

kit.py builds every block and surface inside Slack's limits; format.py formats every value the same
way everywhere; the feature modules (opportunities, selling_time, health, coaching, team, home) say
what the bot says. All user text is escaped here.
"""
