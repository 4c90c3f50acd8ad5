"""The sandbox: the real bot wired to an embedded Slack and a small Slack-like page, on 127.0.0.1.

`python -m bot sandbox [--demo] [--port N]`. Handlers and services do not know they are in it: the page's
requests reach the bot's /slack/events signed, with trigger ids and response URLs, and the bot's Web API
calls reach the embedded Slack through SLACK_API_URL.
"""
