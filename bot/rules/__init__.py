"""The product's rules: plain functions over plain data, the clock passed in.

Nothing here imports slack_sdk or sqlalchemy, so every rule is tested without Slack or a database.
"""
