"""The web service for people: the queue API, the advisor dashboard and the demo site.

`python -m bot.web` starts it on WEB_HOST:WEB_PORT (127.0.0.1:8080 by default).
"""
